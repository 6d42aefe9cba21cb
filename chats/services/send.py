"""An agent's or a CRM's message: checked, stored `pending` once per client_id, and queued for
delivery after the commit (chats/services/delivery.py hands it to the bridge)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blazz.core import events, metrics
from blazz.core.errors import Conflict, DomainError, NotFound
from chats import queue, store
from chats.errors import ChatErrorCode as Code
from chats.models import (NOTE, Contact, Direction, MediaFile, MediaStatus, Message, MessageOrigin, MessageStatus,
                          MessageType)
from chats.phones import normalise_phone
from blazz.core.publisher import publish_on_commit
from chats.serializers import message_data, user_ref, without_reactions
from chats.services.publish import publish_message_and_chat, schema
from sessions_wa import store as sessions_store
from sessions_wa.contract import MEDIA_MESSAGE_TYPES, UNSENDABLE_MESSAGE_TYPES
from sessions_wa.errors import SessionErrorCode
from sessions_wa.models import WhatsAppSession
from sessions_wa.selectors import session_default


@dataclass(frozen=True)
class SendRequest:
    type: str
    body: str = ""
    caption: str = ""
    media_id: str | None = None
    reply_to_id: int | None = None
    location: dict | None = None
    contact_card: dict | None = None
    session_id: str | None = None
    media_url: str | None = None  # fetched by a worker (chats/services/remote_media.py)
    media_base64: str | None = None  # stored at once, with filename and mimetype
    filename: str = ""
    mimetype: str = ""


def message_send(*, contact: Contact, client_id: str, request: SendRequest, sent_by=None,
                 origin: str = MessageOrigin.AGENT,
                 pace: Callable[[WhatsAppSession], float] | None = None) -> tuple[Message, bool]:
    """Store a `pending` outbound message and, after commit, queue its delivery to the bridge.
    `pace` (automated sends: the number's send governor) gives the seconds to wait before the
    delivery, once the number is chosen; it may raise a DomainError (the limits are reached).

    Idempotent by `client_id`: the same request again returns (the same message, False); a
    different one under a used client_id is a 409. Emits: message.new, chat.updated.
    """
    client_id = (client_id or "").strip()
    if not client_id or len(client_id) > 100:
        raise DomainError(Code.CLIENT_ID_REQUIRED, _("client_id (1 to 100 characters) is required."),
                          fields={"client_id": ["required"]})
    request = SendRequest(**{**request.__dict__, "body": request.body or "", "caption": request.caption or ""})
    existing = _existing_for_client_id(client_id, contact, request)
    if existing is not None:
        _queue_if_not_queued(existing)
        return existing, False
    if request.type == NOTE:
        return _note(contact=contact, client_id=client_id, request=request, sent_by=sent_by)
    _validate(request)
    session = choose_session(contact=contact, session_id=request.session_id)
    media = None
    if request.media_url:
        from chats.services.remote_media import media_pending_from_url

        media = media_pending_from_url(url=request.media_url, filename=request.filename, mimetype=request.mimetype)
    elif request.media_base64:
        from chats.services.remote_media import media_from_base64

        media = media_from_base64(data=request.media_base64, filename=request.filename, mimetype=request.mimetype,
                                  uploaded_by=sent_by)
    elif request.media_id:
        media = MediaFile.objects.filter(pk=request.media_id).first()
        if media is None:
            raise NotFound(Code.MEDIA_NOT_FOUND, _("No such media."), fields={"media_id": ["not found"]})
        if media.status != MediaStatus.READY:
            raise Conflict(Code.MEDIA_NOT_READY, _("That media is not ready."), fields={"media_id": ["not ready"]})
    reply_to = _quoted(contact, request.reply_to_id)
    # WhatsApp keeps whole seconds (the bridge's timestamps): so does ours, or a reply stamped in
    # the same second would sort before the message it answers. Ties go by id (arrival).
    now = timezone.now().replace(microsecond=0)
    delay = max(0.0, pace(session)) if pace is not None else 0.0
    try:
        with transaction.atomic():
            message = Message(
                contact=contact, session=session, direction=Direction.OUT, type=request.type, body=request.body,
                caption=request.caption, media=media, location=request.location, contact_card=request.contact_card,
                reply_to=reply_to, reply_to_wa_id=(reply_to.wa_message_id or "") if reply_to else "",
                status=MessageStatus.PENDING, client_id=client_id, origin=origin, sent_by=sent_by if getattr(sent_by, "pk", None) else None,
                timestamp=now, send_queued_at=timezone.now() + dt.timedelta(seconds=delay),
            )
            store.message_insert(message)  # a client_id used meanwhile: IntegrityError, below
            store.contact_after_send(contact.pk, message_id=message.pk, at=now, session_id=session.pk)
            publish_message_and_chat(message.pk, contact.pk, events.MessageNew, written=message)
            if request.media_url:  # the fetch queues the send once the file is in
                queue.media_fetch_for_send_after_commit(str(media.pk), message.pk, request.media_url)
            else:
                queue.message_send_after_commit(message.pk, countdown=delay)
            metrics.messages.labels("out", message.type).inc()
    except IntegrityError:
        # A concurrent request with the same client_id won the insert.
        existing = _existing_for_client_id(client_id, contact, request)
        if existing is None:
            raise
        return existing, False
    return message, True


def _quoted(contact: Contact, reply_to_id: int | None) -> Message | None:
    """The message a send quotes: one of this chat's, or a 404."""
    if reply_to_id is None:
        return None
    reply_to = Message.objects.filter(pk=reply_to_id, contact=contact).first()
    if reply_to is None:
        raise NotFound(Code.REPLY_TO_NOT_FOUND, _("The quoted message is not in this chat."),
                       fields={"reply_to": ["not found"]})
    return reply_to


# The content fields each type carries (besides type, client_id, reply_to and session_id, which
# every type may). A request that carries another field for its type is refused (400
# field_not_allowed) rather than stored: the send task would otherwise meet it unchecked.
CAPTIONED_MEDIA_TYPES = frozenset({MessageType.IMAGE, MessageType.VIDEO, MessageType.DOCUMENT})
CONTENT_FIELDS = ("body", "caption", "media_id", "media_url", "media_base64", "location", "contact_card")


def fields_for_type(message_type: str) -> frozenset[str]:
    if message_type == MessageType.TEXT:
        return frozenset({"body"})
    if message_type in MEDIA_MESSAGE_TYPES:
        media = {"media_id", "media_url", "media_base64"}
        return frozenset(media | {"caption"} if message_type in CAPTIONED_MEDIA_TYPES else media)
    if message_type == MessageType.LOCATION:
        return frozenset({"location"})
    if message_type == MessageType.CONTACT:
        return frozenset({"contact_card"})
    return frozenset()


def _queue_if_not_queued(message: Message) -> None:
    """The repeat of a POST whose send task could not be queued queues it (once, however many
    repeats race: the update only matches while it is still not queued)."""
    if message.send_queued_at is not None or message.status != MessageStatus.PENDING or message.wa_message_id:
        return
    with transaction.atomic():
        if Message.objects.filter(pk=message.pk, send_queued_at__isnull=True).update(send_queued_at=timezone.now()):
            queue.message_send_after_commit(message.pk)


def _note(*, contact: Contact, client_id: str, request: SendRequest, sent_by) -> tuple[Message, bool]:
    """A private note: stored for the agents, never queued for the bridge, never in the customer's
    copy of an export; it does not move the chat in the list. An @mention of a member notifies
    them. Emits: message.new, note.mention (one per member mentioned)."""
    from chats.services.team import mentioned_members

    if not request.body.strip():
        raise DomainError(Code.BODY_REQUIRED, _("A note needs a body."), fields={"body": ["required"]})
    if request.media_id or request.location or request.contact_card:
        raise DomainError(Code.TYPE_INVALID, _("A note is text only."), fields={"type": ["a note is text only"]})
    reply_to = _quoted(contact, request.reply_to_id)
    author = sent_by if getattr(sent_by, "pk", None) else None
    try:
        with transaction.atomic():
            message = Message(
                contact=contact, direction=Direction.OUT, type=NOTE, body=request.body, reply_to=reply_to,
                status=MessageStatus.SENT, client_id=client_id, origin=MessageOrigin.AGENT, sent_by=author,
                timestamp=timezone.now().replace(microsecond=0))
            store.message_insert(message)
            publish_on_commit(schema(), events.MessageNew(message=message_data(without_reactions(message))))
            for user in mentioned_members(request.body):
                publish_on_commit(schema(), events.NoteMentioned(
                    contact_id=contact.pk, message_id=message.pk, user_id=user.pk, by=user_ref(author)))
    except IntegrityError:
        existing = _existing_for_client_id(client_id, contact, request)
        if existing is None:
            raise
        return existing, False
    return message, True


def _validate(request: SendRequest) -> None:
    if request.type not in MessageType.values or request.type in UNSENDABLE_MESSAGE_TYPES:
        raise DomainError(Code.TYPE_INVALID, _("Cannot send a message of type %(type)r.") % {"type": request.type},
                          fields={"type": ["invalid"]})
    allowed = fields_for_type(request.type)
    extra = [name for name in CONTENT_FIELDS if getattr(request, name) not in (None, "", {}) and name not in allowed]
    if extra:
        raise DomainError(Code.FIELD_NOT_ALLOWED,
                          _("A %(type)s message does not take %(fields)s.") % {"type": request.type, "fields": ", ".join(extra)},
                          fields={name: [f"not allowed for type {request.type}"] for name in extra})
    if request.type == MessageType.TEXT and not request.body.strip():
        raise DomainError(Code.BODY_REQUIRED, _("A text message needs a body."), fields={"body": ["required"]})
    if request.type in MEDIA_MESSAGE_TYPES and not (request.media_id or request.media_url or request.media_base64):
        raise DomainError(Code.MEDIA_REQUIRED, _("A %(type)s message needs media_id (upload it first), media_url or "
                                                 "media_base64.") % {"type": request.type},
                          fields={"media_id": ["required"]})
    if sum(1 for given in (request.media_id, request.media_url, request.media_base64) if given) > 1:
        raise DomainError(Code.FIELD_NOT_ALLOWED, _("Give the file one way: media_id, media_url or media_base64."),
                          fields={"media_url": ["with media_id"]})
    if request.type == MessageType.LOCATION:
        loc = request.location or {}
        try:
            lat, lng = float(loc["latitude"]), float(loc["longitude"])
            if not (-90 <= lat <= 90 and -180 <= lng <= 180):
                raise ValueError
        except (KeyError, TypeError, ValueError):
            raise DomainError("invalid_request", _("location needs latitude and longitude."),
                              fields={"location": ["invalid"]})
    if request.type == MessageType.CONTACT:
        card = request.contact_card or {}
        if not card.get("name") or not card.get("phone"):
            raise DomainError("invalid_request", _("contact_card needs name and phone."),
                              fields={"contact_card": ["invalid"]})
        try:
            normalise_phone(card["phone"])
        except DomainError as error:
            raise DomainError(error.code, error.message, fields={"contact_card": [error.message]}) from None


def choose_session(*, contact: Contact, session_id: str | None) -> WhatsAppSession:
    if session_id:
        session = sessions_store.session_by_id(session_id, live=True)
        if session is None:
            raise NotFound(SessionErrorCode.SESSION_NOT_FOUND, _("No such session."))
    else:
        session = sessions_store.session_by_id(contact.session_id, live=True) if contact.session_id else None
        session = session or session_default()
    if session is None:
        raise Conflict(SessionErrorCode.NO_SESSION, _("Connect a WhatsApp number first."))
    if not session.is_connected:
        raise Conflict(SessionErrorCode.SESSION_NOT_CONNECTED,
                       _("The number %(name)s is %(status)s.") % {"name": session.name or session.phone or session.id, "status": session.status})
    return session


def _same_request(message: Message, contact: Contact, request: SendRequest) -> bool:
    return (
        message.contact_id == contact.pk and message.type == request.type and message.body == request.body
        and message.caption == request.caption
        # A file by URL or inline gets its id when stored: a repeat of that request cannot name it.
        and (bool(request.media_url or request.media_base64)
             or (str(message.media_id) if message.media_id else None) == (str(request.media_id) if request.media_id else None))
        and message.reply_to_id == request.reply_to_id
        and (message.location or None) == (request.location or None)
        and (message.contact_card or None) == (request.contact_card or None)
    )


def _existing_for_client_id(client_id: str, contact: Contact, request: SendRequest) -> Message | None:
    message = store.message_by_client_id(client_id)
    if message is None:
        return None
    if not _same_request(message, contact, request):
        raise Conflict(Code.CLIENT_ID_CONFLICT, _("This client_id was used for a different message."),
                       fields={"client_id": ["used for a different message"]})
    return message
