"""The webhooks app's raw SQL: the statements of every bridge event's way in.
webhooks/tests/test_store.py runs each against the migrated schema."""

from __future__ import annotations

from contextlib import nullcontext

from django.db import ProgrammingError, connection, transaction
from django_tenants.postgresql_backend.base import is_valid_schema_name

from blazz.core.rows import fetch_row, fetch_value
from sessions_wa.models import WhatsAppSession
from workspaces.models import PUBLIC_SCHEMA


def workspace_exists(schema: str) -> bool:
    """Whether a workspace has this schema (read in the public schema, where workspaces live,
    whatever the connection's search path: inside the event's schema_context it sends no SET)."""
    if schema == PUBLIC_SCHEMA or not is_valid_schema_name(schema):
        return False
    return bool(fetch_value(f"SELECT 1 FROM {_workspaces_table()} WHERE schema_name = %s", [schema]))


def _workspaces_table() -> str:
    return f"{connection.ops.quote_name(PUBLIC_SCHEMA)}.workspaces_workspace"


def event_session(schema: str, session_id: str) -> tuple[bool, WhatsAppSession | None]:
    """(whether `schema` is a workspace's, the session it has with this id or None), in one
    statement when both are there. Run in the workspace's schema (schema_context). A schema that
    does not exist fails the statement, which is its answer (inside a transaction, a savepoint
    keeps that failure from ending it)."""
    if schema == PUBLIC_SCHEMA or not is_valid_schema_name(schema):
        return False, None
    try:
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            session = fetch_row(WhatsAppSession, "id = %s", [schema, session_id], extra={
                "workspace_known": f"EXISTS (SELECT 1 FROM {_workspaces_table()} WHERE schema_name = %s)"})
    except ProgrammingError:  # no such schema: no such table in the search path
        return False, None
    if session is None:
        return workspace_exists(schema), None
    return session.workspace_known, session if session.workspace_known else None


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
