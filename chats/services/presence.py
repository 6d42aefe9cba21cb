"""What is said and not stored, or barely: typing (the customer's and the agents'), presence, and
an agent reading a chat. The bridge calls here are direct, with a short timeout: never Celery."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from blazz.core import events
from blazz.core.publisher import publish_on_commit
from chats.models import Contact
from chats.services.contacts import locked_contact
from chats.services.publish import publish_chat, schema
from chats.services.status import messages_mark_read
from chats.wire import from_epoch, iso
from sessions_wa import bridge
from sessions_wa.contract import TYPING_STATES
from sessions_wa.models import WhatsAppSession

logger = logging.getLogger(__name__)

PAUSED = "paused"


def contact_mark_read(*, contact: Contact) -> Contact:
    """Clear the unread count and send WhatsApp's read receipt (a direct call with a short timeout:
    a bridge that is down costs the receipt, never the request). Emits: message.status (each
    inbound message now read), chat.updated."""
    with transaction.atomic():
        contact = locked_contact(contact.pk)
        had_unread = contact.unread_count > 0
        contact.unread_count = 0
        contact.save(update_fields=["unread_count", "updated_at"])
        messages_mark_read(contact_id=contact.pk)
        publish_chat(contact.pk)
    session = contact.session
    if had_unread and session is not None and session.is_connected:
        try:
            bridge.chat_seen(session.id, contact.wa_id)
        except (bridge.BridgeUnavailable, bridge.BridgeError) as exc:
            logger.warning("read receipt for %s not sent: %s", contact.wa_id, exc)
    return contact


def contact_apply_typing(*, session: WhatsAppSession, data: dict) -> None:
    """chat.typing from the bridge: relayed to the agents; nothing is written. Emits: typing."""
    contact_id = Contact.objects.filter(wa_id=data["chat_id"]).values_list("pk", flat=True).first()
    if contact_id is None:
        return
    state = data.get("state") if data.get("state") in TYPING_STATES else PAUSED
    publish_on_commit(schema(), events.Typing(contact_id=contact_id, sender="contact", user=None, state=state))


def agent_typing_relay(*, schema: str, contact_id: int, user: dict, state: str, origin: str) -> None:
    """An agent's typing, straight to the others viewing the contact (no database, no Celery, no
    seq bump); `origin`, the agent's socket, does not get it back. The consumer's typing relay
    (chats/consumers/typing_relay.py) has rate-limited it and tells WhatsApp itself. Emits: typing."""
    publish_on_commit(schema, events.Typing(contact_id=contact_id, sender="agent", user=user, state=state),
                      origin=origin)


def chat_viewers_changed(*, schema: str, contact_id: int, viewers: list[dict]) -> None:
    """Who has the chat open now (chats/viewers.py), to the sockets viewing it: no database, no
    seq bump. Called by the inbox socket from a thread. Emits: chat.viewers."""
    publish_on_commit(schema, events.ChatViewers(contact_id=contact_id, viewers=viewers))


def contact_apply_presence(*, session: WhatsAppSession, data: dict) -> None:
    """contact.presence: online / last seen, kept on the contact; every inbox hears it (the list's
    green dot). Emits: presence."""
    contact = Contact.objects.filter(wa_id=data["chat_id"]).first()
    if contact is None:
        return
    online = bool(data.get("online"))
    last_seen = from_epoch(data["last_seen"]) if data.get("last_seen") else (timezone.now() if not online else None)
    Contact.objects.filter(pk=contact.pk).update(online=online, last_seen=last_seen or contact.last_seen)
    publish_on_commit(schema(), events.Presence(contact_id=contact.pk, online=online,
                                                last_seen=iso(last_seen or contact.last_seen)))

