"""Forwarding a stored message to another chat of this workspace: a new outbound message with the
source's content, marked forwarded, stored `pending` once per client_id and handed to the bridge
like any send (chats/services/delivery.py passes `forward_of`: whatsapp-web.js Message.forward()
in the webjs engine, the same content marked forwarded in the sandbox)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blazz.core import events
from blazz.core.errors import Conflict, DomainError
from chats import queue, store
from chats.errors import ChatErrorCode as Code
from chats.models import NOTE, Contact, Direction, Message, MessageOrigin, MessageStatus
from chats.services.publish import publish_message_and_chat
from chats.services.send import choose_session
from sessions_wa.contract import UNSENDABLE_MESSAGE_TYPES

SYSTEM = "system"


def message_forward(*, message: Message, to: Contact, client_id: str, sent_by=None,
                    origin: str = MessageOrigin.AGENT) -> tuple[Message, bool]:
    """Forward `message` (ours or the customer's, sent through WhatsApp) to the chat `to`, through
    the number that knows the source. Idempotent by `client_id`: a repeat returns (the same
    message, False); the client_id used for anything else is a 409. Emits: message.new, chat.updated."""
    client_id = (client_id or "").strip()
    if not client_id or len(client_id) > 100:
        raise DomainError(Code.CLIENT_ID_REQUIRED, _("client_id (1 to 100 characters) is required."),
                          fields={"client_id": ["required"]})
    existing = _existing(client_id, message, to)
    if existing is not None:
        return existing, False
    if message.revoked or message.type in (NOTE, SYSTEM) or message.type in UNSENDABLE_MESSAGE_TYPES:
        raise Conflict(Code.NOT_FORWARDABLE, _("This message cannot be forwarded."))
    if not message.wa_message_id:
        raise Conflict(Code.NOT_SENT_YET, _("The message has no WhatsApp id yet."))
    session = choose_session(contact=to, session_id=message.session_id or message.contact.session_id)
    now = timezone.now().replace(microsecond=0)  # whole seconds, as in send.py
    try:
        with transaction.atomic():
            forward = Message(
                contact=to, session=session, direction=Direction.OUT, type=message.type, body=message.body,
                caption=message.caption, media_id=message.media_id, location=message.location,
                contact_card=message.contact_card, forwarded=True, forwarded_from=message,
                status=MessageStatus.PENDING, client_id=client_id, origin=origin,
                sent_by=sent_by if getattr(sent_by, "pk", None) else None, timestamp=now, send_queued_at=timezone.now())
            store.message_insert(forward)
            store.contact_after_send(to.pk, message_id=forward.pk, at=now, session_id=session.pk)
            publish_message_and_chat(forward.pk, to.pk, events.MessageNew, written=forward)
            queue.message_send_after_commit(forward.pk)
    except IntegrityError:  # a concurrent repeat won the insert
        existing = _existing(client_id, message, to)
        if existing is None:
            raise
        return existing, False
    return forward, True


def _existing(client_id: str, source: Message, to: Contact) -> Message | None:
    found = store.message_by_client_id(client_id)
    if found is None:
        return None
    if found.forwarded_from_id != source.pk or found.contact_id != to.pk:
        raise Conflict(Code.CLIENT_ID_CONFLICT, _("This client_id was used for a different message."),
                       fields={"client_id": ["used for a different message"]})
    return found
