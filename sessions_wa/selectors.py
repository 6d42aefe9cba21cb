"""Reads of sessions (tenant schema: the caller is inside the workspace's schema)."""

from django.db.models import QuerySet

from sessions_wa.models import SessionStatus, WhatsAppSession


def session_list() -> QuerySet[WhatsAppSession]:
    return WhatsAppSession.objects.filter(deleted_at__isnull=True).order_by("created_at")


def session_get(session_id: str) -> WhatsAppSession | None:
    return WhatsAppSession.objects.filter(pk=session_id, deleted_at__isnull=True).first()


def session_default() -> WhatsAppSession | None:
    """The number a new conversation goes through: the oldest connected one, else the oldest."""
    sessions = session_list()
    return sessions.filter(status=SessionStatus.CONNECTED).first() or sessions.first()
