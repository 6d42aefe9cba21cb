"""The bridge's message events, applied inside the webhook's transaction (webhooks/inbound/): a
customer's message, one of ours WhatsApp now has, and what is said of a stored message (acks,
reactions, edits, revokes). What comes before its message is kept (chats/services/pending.py)."""

from __future__ import annotations

from django.utils import timezone

from blazz.core import events, metrics
from chats import queue, store
from chats.models import ChatStatus, Contact, Direction, Message, MessageOrigin, MessageStatus, MessageType
from chats.services import pending
from chats.services.changes import apply_edit, apply_reaction, apply_revoke
from chats.services.identity import contact_for_chat, contact_map_identity
from chats.services.delivery import message_link_wa_id
from chats.services.media import media_from_event, queue_media_fetch
from chats.services.publish import publish_chat, publish_message_and_chat
from chats.services.status import apply_ack
from chats.services.team import chat_auto_assign, chat_reopen
from chats.wire import from_epoch
from sessions_wa.contract import EventType
from sessions_wa.models import WhatsAppSession


def message_apply_received(*, session: WhatsAppSession, data: dict) -> Message | None:
    """message.received: a customer wrote. Contact get-or-create, the message, the unread count.
    A message already known (by wa_message_id: the unique constraint) changes nothing. Emits:
    message.new, chat.updated."""
    return _store_from_bridge(session, data, direction=Direction.IN, status=MessageStatus.DELIVERED,
                              push_name=data.get("from_name") or "")


def message_apply_created(*, session: WhatsAppSession, data: dict) -> Message | None:
    """message.created: one of our messages now exists on WhatsApp: sent through the API (carries
    our client_id: link it) or typed on the phone (store it as outbound). Emits: message.new or
    message.status, chat.updated."""
    client_id = data.get("client_id")
    if client_id:
        message_id = store.message_id_by_client_id(client_id)
        if message_id is not None:
            return message_link_wa_id(message_id=message_id, wa_message_id=data["wa_message_id"])
    return _store_from_bridge(session, data, direction=Direction.OUT, status=MessageStatus.PENDING)


def contact_apply_identity(*, session: WhatsAppSession, data: dict) -> None:
    """contact.identity: a LID and a phone id are one person (chats/services/identity.py).
    Emits: contact.merged and chat.updated when two contacts became one."""
    contact_map_identity(lid=data["lid"], phone_id=data["phone_id"], session=session)


def chat_apply_unread(*, session: WhatsAppSession, data: dict) -> None:
    """chat.unread: the phone's unread count of a chat after a catch-up or a history import (whose
    messages added none). A chat we do not know yet is left alone. Emits: chat.updated."""
    contact = store.contact_by_wa_id(data["chat_id"])
    if contact is None or contact.unread_count == data["unread_count"]:
        return
    Contact.objects.filter(pk=contact.pk).update(unread_count=data["unread_count"])
    publish_chat(contact.pk)


def message_apply_ack(*, session: WhatsAppSession, data: dict) -> Message | None:
    """message.ack: status only moves forward (chats/services/status.py); a late or repeated ack
    changes nothing; an ack for a message not known yet is kept and applied when it appears.
    Emits: message.status."""
    message = store.message_by_wa_id(data["wa_message_id"], for_update=True)
    if message is None:
        pending.keep_for_later(session, EventType.MESSAGE_ACK, data)
        return None
    apply_ack(message, int(data["ack"]))
    return message


def message_apply_reaction(*, session: WhatsAppSession, data: dict) -> Message | None:
    """message.reaction: one per reactor, replaced or removed (""). Emits: message.reaction."""
    message = store.message_by_wa_id(data["wa_message_id"], for_update=True)
    if message is None:
        pending.keep_for_later(session, EventType.MESSAGE_REACTION, data)
        return None
    apply_reaction(message, session, data)
    return message


def message_apply_edited(*, session: WhatsAppSession, data: dict) -> Message | None:
    """message.edited: the new text, the previous ones kept. Emits: message.updated."""
    message = store.message_by_wa_id(data["wa_message_id"], for_update=True)
    if message is None:
        pending.keep_for_later(session, EventType.MESSAGE_EDITED, data)
        return None
    apply_edit(message, data.get("body") or "")
    return message


def message_apply_revoked(*, session: WhatsAppSession, data: dict) -> Message | None:
    """message.revoked: deleted for everyone. The content stays for agents. Emits: message.revoked."""
    message = store.message_by_wa_id(data["wa_message_id"], for_update=True)
    if message is None:
        pending.keep_for_later(session, EventType.MESSAGE_REVOKED, data)
        return None
    apply_revoke(message)
    return message


def _store_from_bridge(session: WhatsAppSession, data: dict, *, direction: str, status: str,
                       push_name: str = "") -> Message:
    """A message the bridge reports (a customer's, or one typed on the phone), stored once: one
    already known by its wa_message_id (delivered before under another webhook-id, or by a
    concurrent delivery) is returned as it is, and nothing changes."""
    wa_message_id = data["wa_message_id"]
    contact = contact_for_chat(data=data, push_name=push_name, session=session)
    media = media_from_event(session, data.get("media"))
    message = new_message(session, data, contact=contact, direction=direction, status=status, media=media,
                          reply_to=_reply_to(data.get("reply_to")))
    if not store.message_insert_unless_known(message):
        if media is not None:
            media.delete()  # made for this copy of the message only
        return store.message_by_wa_id(wa_message_id)
    metrics.messages.labels(direction, message.type).inc()
    new_chat = contact.last_message_at is None
    # History (a catch-up, an import) adds no unread: chat.unread brings the phone's count after it.
    _contact_after_new_message(contact, message, unread=direction == Direction.IN and not message.history,
                               push_name=push_name)
    announce(message)
    if direction == Direction.IN and not data.get("history"):  # an imported old message is never answered
        status_before = contact.status  # the status the message met (the rules' condition)
        team_after_customer_message(contact, new_chat=new_chat)
        queue.autoreply_after_commit(message, status=status_before, new_chat=new_chat)
    return message


def new_message(session: WhatsAppSession, data: dict, *, contact: Contact, direction: str, status: str,
                media=None, reply_to: Message | None = None) -> Message:
    """The Message a bridge event describes, not stored yet."""
    return Message(
        contact=contact, session=session, direction=direction, type=_known_type(data.get("type")),
        body=data.get("body") or "", caption=data.get("caption") or "", media=media,
        location=data.get("location"), contact_card=_card(data.get("contact")), wa_message_id=data["wa_message_id"],
        origin=MessageOrigin.CUSTOMER if direction == Direction.IN else MessageOrigin.PHONE,
        status=status, delivered_at=timezone.now() if status == MessageStatus.DELIVERED else None,
        reply_to=reply_to, reply_to_wa_id=data.get("reply_to") or "", timestamp=from_epoch(data.get("timestamp")),
        history=bool(data.get("history")), forwarded=bool(data.get("forwarded")),
    )


def team_after_customer_message(contact: Contact, *, new_chat: bool) -> None:
    """A customer's message reopens a resolved or snoozed chat; a new chat without an assignee is
    auto-assigned when the workspace wants it (chats/services/team.py)."""
    if contact.status in (ChatStatus.RESOLVED, ChatStatus.SNOOZED):
        chat_reopen(contact_id=contact.pk, reason="customer")
    elif new_chat and contact.assignee_id is None:
        chat_auto_assign(contact_id=contact.pk)


def _contact_after_new_message(contact: Contact, message: Message, *, unread: bool, push_name: str = "") -> None:
    """The chat row after a message from the bridge; the last message unless a later one is there
    already (events may arrive out of order). One statement, on every event."""
    latest = contact.last_message_at is None or message.timestamp >= contact.last_message_at
    store.contact_after_new_message(contact.pk, session_id=message.session_id, unread=unread, push_name=push_name,
                                    last_message=(message.pk, message.timestamp) if latest else None)


def announce(message: Message) -> None:
    """A message just stored from the bridge: its message.new and chat.updated (built from it
    unless events that waited for it change it in this transaction), its media fetch, then those
    waiting events."""
    waiting = pending.pending_events(message)
    publish_message_and_chat(message.pk, message.contact_id, events.MessageNew, written=None if waiting else message)
    queue_media_fetch(message)
    pending.apply_pending_events(message, waiting)


def _known_type(value) -> str:
    return value if value in MessageType.values else MessageType.UNKNOWN


def _card(contact: dict | None) -> dict | None:
    if not contact:
        return None
    return {"name": contact.get("name") or "", "phone": contact.get("phone") or "", "vcard": contact.get("vcard") or ""}


def _reply_to(wa_message_id: str | None) -> Message | None:
    if not wa_message_id:
        return None
    return Message.objects.filter(wa_message_id=wa_message_id).first()
