"""Early events: what the bridge says of a message before the message itself is known here (an
ack that overtook it, a reaction to it), kept and applied, in arrival order, when it appears.
Never dropped."""

from __future__ import annotations

from chats import store
from chats.models import Message, PendingMessageEvent
from chats.services.changes import apply_edit, apply_reaction, apply_revoke
from chats.services.status import apply_ack
from sessions_wa.contract import EventType
from sessions_wa.models import WhatsAppSession


def keep_for_later(session: WhatsAppSession, event_type: str, data: dict) -> None:
    PendingMessageEvent.objects.create(wa_message_id=data["wa_message_id"], type=event_type, data=data,
                                       session_id=session.pk)


def pending_events(message: Message) -> list[PendingMessageEvent]:
    """The events that came before this message was known, in arrival order, locked."""
    if not message.wa_message_id:
        return []
    known = getattr(message, "pending_events_exist", None)  # told by the INSERT that stored it
    if not (store.pending_events_exist(message.wa_message_id) if known is None else known):
        return []  # the usual case, answered without the ORM
    return list(PendingMessageEvent.objects.select_for_update().filter(wa_message_id=message.wa_message_id))


def apply_pending_events(message: Message, pending: list[PendingMessageEvent] | None = None) -> None:
    """Apply, in arrival order, the events that came before this message was known (`pending`
    when the caller read them already), then forget them. Needs a transaction."""
    if pending is None:
        pending = pending_events(message)
    if not pending:
        return
    message = Message.objects.select_for_update().get(pk=message.pk)
    for event in pending:
        session = WhatsAppSession.objects.filter(pk=event.session_id).first()
        if event.type == EventType.MESSAGE_ACK:
            apply_ack(message, int(event.data["ack"]))
        elif event.type == EventType.MESSAGE_REACTION and session is not None:
            apply_reaction(message, session, event.data)
        elif event.type == EventType.MESSAGE_EDITED:
            apply_edit(message, event.data.get("body") or "")
        elif event.type == EventType.MESSAGE_REVOKED:
            apply_revoke(message)
    PendingMessageEvent.objects.filter(pk__in=[event.pk for event in pending]).delete()
