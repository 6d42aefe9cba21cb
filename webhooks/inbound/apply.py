"""Apply one bridge event inside its workspace's schema, exactly once.

The `webhook-id` is inserted in the same transaction as the event's effects. A replay finds it
and changes nothing; two concurrent deliveries of one event serialise on its primary key (the
second waits for the first to commit, then finds it); a failure rolls back both, and the bridge
delivers again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from blazz.core.errors import DomainError, NotFound
from blazz.core.validation import text_errors
from chats import services as chats
from sessions_wa import placement, services as sessions
from sessions_wa.contract import RELEASED_REASON_CODE, EventType, NodeMessageType
from webhooks import store
from webhooks.errors import WebhookErrorCode as Code
from webhooks.inbound.schemas import event_data_problems, node_message_problems
from webhooks.models import AppliedWebhook

logger = logging.getLogger(__name__)


def _session_status(session, data):
    sessions.session_apply_state(session_id=session.pk, status=data.get("status"), phone=data.get("phone"),
                                 reason=data.get("reason") or "", reason_code=data.get("reason_code") or "")


def _session_qr(session, data):
    sessions.session_apply_qr(session_id=session.pk, qr=data.get("qr") or "", qr_data_url=data.get("qr_data_url"))


# One handler per event type of the bridge contract (sessions_wa.contract, docs/bridge.md).
HANDLERS: dict[str, Callable] = {
    EventType.SESSION_QR: _session_qr,
    EventType.SESSION_STATUS: _session_status,
    EventType.SESSION_PAIRING_CODE: lambda s, d: sessions.session_apply_pairing_code(session_id=s.pk, code=d["code"]),
    EventType.MESSAGE_RECEIVED: lambda s, d: chats.message_apply_received(session=s, data=d),
    EventType.MESSAGE_CREATED: lambda s, d: chats.message_apply_created(session=s, data=d),
    EventType.MESSAGE_ACK: lambda s, d: chats.message_apply_ack(session=s, data=d),
    EventType.MESSAGE_REACTION: lambda s, d: chats.message_apply_reaction(session=s, data=d),
    EventType.MESSAGE_EDITED: lambda s, d: chats.message_apply_edited(session=s, data=d),
    EventType.MESSAGE_REVOKED: lambda s, d: chats.message_apply_revoked(session=s, data=d),
    EventType.CHAT_TYPING: lambda s, d: chats.contact_apply_typing(session=s, data=d),
    EventType.CONTACT_PRESENCE: lambda s, d: chats.contact_apply_presence(session=s, data=d),
    EventType.CONTACT_IDENTITY: lambda s, d: chats.contact_apply_identity(session=s, data=d),
    EventType.CHAT_UNREAD: lambda s, d: chats.chat_apply_unread(session=s, data=d),
}

# The envelope's strings, and the columns or names they must fit.
ENVELOPE_MAX = {"webhook-id": 100, "type": 40, "session_id": 64, "workspace": 63}  # 63: a schema name


def webhook_apply(*, webhook_id: str, payload) -> bool:
    """Apply a verified bridge event. Returns False when this webhook-id was applied already.
    A refused event (DomainError) leaves nothing behind, its webhook-id included."""
    event_type, session_id, schema, data = validate(webhook_id, payload)
    with schema_context(schema):  # entered first: the thread's connection usually has its search path
        workspace_known, session = store.event_session(schema, session_id)
        if not workspace_known:
            raise NotFound(Code.UNKNOWN_WORKSPACE, f"No workspace {schema!r}.")
        if session is None:
            raise NotFound(Code.UNKNOWN_SESSION, f"No session {session_id!r} in this workspace.")
        with transaction.atomic():
            if not store.applied_webhook_record(webhook_id=webhook_id, event_type=event_type, session_id=session_id):
                return False
            if not from_an_old_owner(event_type, session_id, payload.get("epoch"), data):
                HANDLERS[event_type](session, data)
    return True


def from_an_old_owner(event_type: str, session_id: str, epoch, data: dict) -> bool:
    """A status of a session from a node that no longer owns it (an epoch before the current
    one, or the release itself) says nothing about the session now: recorded, not applied.
    Messages and acks of an old owner are applied: they happened (sends made before the move)."""
    if event_type not in (EventType.SESSION_STATUS, EventType.SESSION_QR):
        return False
    if data.get("reason_code") == RELEASED_REASON_CODE:
        return True
    if not isinstance(epoch, int) or isinstance(epoch, bool):
        return False
    current = placement.current_epoch(session_id)
    return current is not None and epoch < current


def node_heartbeat_apply(payload: dict) -> list[dict]:
    """A bridge node's heartbeat (docs/bridge.md "Bridge nodes"): the registry records it and
    answers the sessions the node should hold."""
    problems = node_message_problems(NodeMessageType.NODE_HEARTBEAT, payload)
    if problems:
        raise DomainError(Code.INVALID_PAYLOAD, f"node.heartbeat breaks its contract: {', '.join(problems)}.",
                          fields=problems, status=422)
    return placement.node_heartbeat(node_id=payload["node_id"], data=payload["data"])


def validate(webhook_id, payload) -> tuple[str, str, str, dict]:
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
    problems = event_data_problems(event_type, data)
    if problems:
        fields = {f"data.{name}" if name else "data": messages for name, messages in problems.items()}
        raise DomainError(Code.INVALID_PAYLOAD, f"{event_type} data breaks its contract: {', '.join(fields)}.",
                          fields=fields, status=422)
    return event_type, session_id, schema, data


def _envelope_errors(values: dict) -> dict:
    errors = {}
    for name, value in values.items():
        if not isinstance(value, str) or not value:
            errors[name] = ["required"]
        elif len(value) > ENVELOPE_MAX[name]:
            errors[name] = [f"at most {ENVELOPE_MAX[name]} characters"]
    return {**errors, **{k: v for k, v in text_errors(**values).items() if k not in errors}}


def applied_webhooks_prune(*, older_than) -> int:
    """Retention: the dedup record only needs to outlive the bridge's retries."""
    deleted, _ = AppliedWebhook.objects.filter(applied_at__lt=timezone.now() - older_than).delete()
    return deleted
