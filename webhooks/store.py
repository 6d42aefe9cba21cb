"""The webhooks app's raw SQL: the two statements of every bridge event's way in.
webhooks/tests/test_store.py runs each against the migrated schema."""

from __future__ import annotations

from django.db import connection

from blazz.core.rows import fetch_value


def workspace_exists(schema: str) -> bool:
    """Whether a workspace has this schema (read in the public schema, where workspaces live)."""
    return bool(fetch_value("SELECT 1 FROM workspaces_workspace WHERE schema_name = %s", [schema]))


def applied_webhook_record(*, webhook_id: str, event_type: str, session_id: str) -> bool:
    """Record a webhook-id as applied, in the caller's transaction. False when it is recorded
    already (a replay); a concurrent delivery of the same id waits here for the first to commit."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO webhooks_appliedwebhook (webhook_id, type, session_id, applied_at) "
            "VALUES (%s, %s, %s, now()) ON CONFLICT (webhook_id) DO NOTHING",
            [webhook_id, event_type, session_id],
        )
        return cursor.rowcount == 1


def applied_webhooks_record_many(rows: list[tuple[str, str, str]]) -> set[str]:
    """`applied_webhook_record` for a batch's events in one statement: (webhook_id, type,
    session_id) rows; returns the ids recorded now (the others were applied already)."""
    if not rows:
        return set()
    values = ", ".join(["(%s, %s, %s, now())"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO webhooks_appliedwebhook (webhook_id, type, session_id, applied_at) VALUES {values} "
            "ON CONFLICT (webhook_id) DO NOTHING RETURNING webhook_id",
            [value for row in rows for value in row],
        )
        return {row[0] for row in cursor.fetchall()}
