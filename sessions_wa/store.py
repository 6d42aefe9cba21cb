"""The sessions app's raw SQL: the one-row read of a session that every send and every bridge
event takes (blazz.core.rows, without the ORM's compiler). sessions_wa/tests/test_store.py runs it
against the migrated schema."""

from __future__ import annotations

from blazz.core.rows import fetch_row
from sessions_wa.models import WhatsAppSession


def session_by_id(session_id: str, *, live: bool = False) -> WhatsAppSession | None:
    """`live`: not removed by a user (a removed session's row stays, so late webhooks resolve)."""
    where = "id = %s AND deleted_at IS NULL" if live else "id = %s"
    return fetch_row(WhatsAppSession, where, [session_id])
