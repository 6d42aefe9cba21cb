"""The event log's services and selectors as the API and beat see it (the statements themselves
live in blazz/core/eventlog.py, shared with the publisher and the inbox socket)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from blazz.core import eventlog


def event_log_prune(*, days: int | None = None) -> int:
    """Delete the current workspace's events older than EVENT_LOG_RETENTION_DAYS (or `days`).
    A resume from before the newest deleted seq is then answered `resync_required`."""
    days = settings.EVENT_LOG_RETENTION_DAYS if days is None else days
    with transaction.atomic():
        return eventlog.prune(connection.schema_name, before=timezone.now() - timedelta(days=days))


def event_list(*, after_seq: int, limit: int, types: list[str] | None = None) -> list[eventlog.LoggedEvent]:
    return eventlog.after(connection.schema_name, after_seq, limit=limit, types=types)


def event_resume_problem(*, after_seq: int) -> str | None:
    return eventlog.resume_problem(connection.schema_name, after_seq)
