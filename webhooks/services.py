"""Apply one bridge webhook inside its workspace's schema, exactly once.

The `webhook-id` is inserted in the same transaction as the event's effects. A replay finds it
and changes nothing; two concurrent deliveries of one event serialise on its primary key (the
second waits for the first to commit, then finds it); a failure rolls back both, and the bridge
delivers again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import connection, transaction
from django_tenants.utils import schema_context

from blazz.errors import DomainError, NotFound
from chats import services as chats
from sessions_wa import services as sessions
from sessions_wa.models import WhatsAppSession
from webhooks.errors import WebhookErrorCode as Code
from webhooks.models import AppliedWebhook
from workspaces.models import PUBLIC_SCHEMA, Workspace

logger = logging.getLogger(__name__)


def _session_status(session, data):
    sessions.session_apply_state(session_id=session.pk, status=data.get("status"), phone=data.get("phone"),
                                 reason=data.get("reason") or "")


def _session_qr(session, data):
    sessions.session_apply_qr(session_id=session.pk, qr=data.get("qr") or "", qr_data_url=data.get("qr_data_url"))


# One handler per event type of the bridge contract (docs/bridge.md); and the fields each needs.
HANDLERS: dict[str, tuple[Callable, tuple[str, ...]]] = {
    "session.qr": (_session_qr, ("qr",)),
    "session.status": (_session_status, ("status",)),
    "message.received": (lambda s, d: chats.message_apply_received(session=s, data=d), ("wa_message_id", "chat_id")),
    "message.created": (lambda s, d: chats.message_apply_created(session=s, data=d), ("wa_message_id",)),
    "message.ack": (lambda s, d: chats.message_apply_ack(session=s, data=d), ("wa_message_id", "ack")),
    "message.reaction": (lambda s, d: chats.message_apply_reaction(session=s, data=d), ("wa_message_id", "from", "emoji")),
    "message.edited": (lambda s, d: chats.message_apply_edited(session=s, data=d), ("wa_message_id", "body")),
    "message.revoked": (lambda s, d: chats.message_apply_revoked(session=s, data=d), ("wa_message_id",)),
    "chat.typing": (lambda s, d: chats.contact_apply_typing(session=s, data=d), ("chat_id", "state")),
    "contact.presence": (lambda s, d: chats.contact_apply_presence(session=s, data=d), ("chat_id", "online")),
}


def _validate(payload) -> tuple[str, str, str, dict]:
    if not isinstance(payload, dict):
        raise DomainError(Code.INVALID_PAYLOAD, "The body must be a JSON object.")
    event_type, session_id, schema, data = (payload.get(k) for k in ("type", "session_id", "workspace", "data"))
    if not all(isinstance(v, str) and v for v in (event_type, session_id, schema)) or not isinstance(data, dict):
        raise DomainError(Code.INVALID_PAYLOAD, "type, session_id, workspace and data are required.",
                          fields={k: ["required"] for k in ("type", "session_id", "workspace", "data")})
    if event_type not in HANDLERS:
        raise DomainError(Code.UNKNOWN_EVENT_TYPE, f"Unknown event type {event_type!r}.", status=422)
    missing = [field for field in HANDLERS[event_type][1] if data.get(field) is None]
    if missing:
        raise DomainError(Code.INVALID_PAYLOAD, f"{event_type} needs {', '.join(missing)}.",
                          fields={f"data.{m}": ["required"] for m in missing})
    ack = data.get("ack")
    if event_type == "message.ack" and (isinstance(ack, bool) or not isinstance(ack, int) or not -1 <= ack <= 4):
        raise DomainError(Code.INVALID_PAYLOAD, "ack must be an integer from -1 to 4.", fields={"data.ack": ["invalid"]})
    return event_type, session_id, schema, data


def webhook_apply(*, webhook_id: str, payload) -> bool:
    """Apply a verified bridge event. Returns False when this webhook-id was applied already."""
    event_type, session_id, schema, data = _validate(payload)
    if schema == PUBLIC_SCHEMA or not Workspace.objects.filter(schema_name=schema).exists():
        raise NotFound(Code.UNKNOWN_WORKSPACE, f"No workspace {schema!r}.")
    with schema_context(schema):
        session = WhatsAppSession.objects.filter(pk=session_id).first()
        if session is None:
            raise NotFound(Code.UNKNOWN_SESSION, f"No session {session_id!r} in this workspace.")
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO webhooks_appliedwebhook (webhook_id, type, session_id, applied_at) "
                    "VALUES (%s, %s, %s, now()) ON CONFLICT (webhook_id) DO NOTHING",
                    [webhook_id[:100], event_type, session_id],
                )
                if cursor.rowcount == 0:
                    return False
            HANDLERS[event_type][0](session, data)
    return True


def applied_webhooks_prune(*, older_than) -> int:
    """Retention: the dedup record only needs to outlive the bridge's retries."""
    from django.utils import timezone

    deleted, _ = AppliedWebhook.objects.filter(applied_at__lt=timezone.now() - older_than).delete()
    return deleted
