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

from blazz.errors import DomainError, NotFound, flatten_errors
from blazz.rows import fetch_row, fetch_value
from blazz.validation import text_errors
from chats import services as chats
from sessions_wa import services as sessions
from sessions_wa.models import WhatsAppSession
from webhooks.errors import WebhookErrorCode as Code
from webhooks.models import AppliedWebhook
from webhooks.schemas import event_data_validate
from workspaces.models import PUBLIC_SCHEMA

logger = logging.getLogger(__name__)


def _session_status(session, data):
    sessions.session_apply_state(session_id=session.pk, status=data.get("status"), phone=data.get("phone"),
                                 reason=data.get("reason") or "")


def _session_qr(session, data):
    sessions.session_apply_qr(session_id=session.pk, qr=data.get("qr") or "", qr_data_url=data.get("qr_data_url"))


# One handler per event type of the bridge contract (docs/bridge.md); webhooks/schemas.py holds
# what each one's `data` must look like.
HANDLERS: dict[str, Callable] = {
    "session.qr": _session_qr,
    "session.status": _session_status,
    "message.received": lambda s, d: chats.message_apply_received(session=s, data=d),
    "message.created": lambda s, d: chats.message_apply_created(session=s, data=d),
    "message.ack": lambda s, d: chats.message_apply_ack(session=s, data=d),
    "message.reaction": lambda s, d: chats.message_apply_reaction(session=s, data=d),
    "message.edited": lambda s, d: chats.message_apply_edited(session=s, data=d),
    "message.revoked": lambda s, d: chats.message_apply_revoked(session=s, data=d),
    "chat.typing": lambda s, d: chats.contact_apply_typing(session=s, data=d),
    "contact.presence": lambda s, d: chats.contact_apply_presence(session=s, data=d),
}

# The envelope's strings, and the columns or names they must fit.
ENVELOPE_MAX = {"webhook-id": 100, "type": 40, "session_id": 64, "workspace": 63}  # 63: a schema name


def _envelope_errors(values: dict) -> dict:
    errors = {}
    for name, value in values.items():
        if not isinstance(value, str) or not value:
            errors[name] = ["required"]
        elif len(value) > ENVELOPE_MAX[name]:
            errors[name] = [f"at most {ENVELOPE_MAX[name]} characters"]
    return {**errors, **{k: v for k, v in text_errors(**values).items() if k not in errors}}


def _validate(webhook_id, payload) -> tuple[str, str, str, dict]:
    """The envelope (a 400 when broken: not an event at all), then the type's `data` contract (a
    422 naming the fields). Nothing is written before both pass."""
    if not isinstance(payload, dict):
        raise DomainError(Code.INVALID_PAYLOAD, "The body must be a JSON object.")
    event_type, session_id, schema, data = (payload.get(k) for k in ("type", "session_id", "workspace", "data"))
    errors = _envelope_errors({"webhook-id": webhook_id, "type": event_type, "session_id": session_id,
                               "workspace": schema})
    if not isinstance(data, dict):
        errors["data"] = ["an object is required"]
    if errors:
        raise DomainError(Code.INVALID_PAYLOAD, "The event's envelope is malformed.", fields=errors)
    if event_type not in HANDLERS:
        raise DomainError(Code.UNKNOWN_EVENT_TYPE, f"Unknown event type {event_type!r}.", status=422)
    data, errors = event_data_validate(event_type, data)
    if errors:
        fields = {f"data.{name}".removesuffix(".non_field_errors"): messages
                  for name, messages in flatten_errors(errors).items()}
        raise DomainError(Code.INVALID_PAYLOAD, f"{event_type} data breaks its contract: {', '.join(fields)}.",
                          fields=fields, status=422)
    return event_type, session_id, schema, data


def webhook_apply(*, webhook_id: str, payload) -> bool:
    """Apply a verified bridge event. Returns False when this webhook-id was applied already.
    A refused event (DomainError) leaves nothing behind, its webhook-id included."""
    event_type, session_id, schema, data = _validate(webhook_id, payload)
    if schema == PUBLIC_SCHEMA or not fetch_value("SELECT 1 FROM workspaces_workspace WHERE schema_name = %s",
                                                  [schema]):
        raise NotFound(Code.UNKNOWN_WORKSPACE, f"No workspace {schema!r}.")
    with schema_context(schema):
        session = fetch_row(WhatsAppSession, "id = %s", [session_id])
        if session is None:
            raise NotFound(Code.UNKNOWN_SESSION, f"No session {session_id!r} in this workspace.")
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO webhooks_appliedwebhook (webhook_id, type, session_id, applied_at) "
                    "VALUES (%s, %s, %s, now()) ON CONFLICT (webhook_id) DO NOTHING",
                    [webhook_id, event_type, session_id],
                )
                if cursor.rowcount == 0:
                    return False
            HANDLERS[event_type](session, data)
    return True


def applied_webhooks_prune(*, older_than) -> int:
    """Retention: the dedup record only needs to outlive the bridge's retries."""
    from django.utils import timezone

    deleted, _ = AppliedWebhook.objects.filter(applied_at__lt=timezone.now() - older_than).delete()
    return deleted
