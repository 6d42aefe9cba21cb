"""Every write to contacts and messages: the send path, the receive path, and what agents do.

Everything here runs inside the workspace's schema (a request on its host, a task carrying its
schema, or the bridge webhook inside `schema_context`). Functions take keyword arguments, write in
one transaction, and publish their events after commit (`chats.events.publish_on_commit`).
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Greatest
from django.utils import timezone

from blazz.errors import Conflict, DomainError, NotFound
from blazz.rows import fetch_row, fetch_value, insert_row
from chats import events
from chats.errors import ChatErrorCode as Code
from chats.models import (
    ACK_TO_STATUS, MEDIA_TYPES, STATUS_RANK, Contact, Direction, MediaFile, MediaStatus, Message, MessageStatus,
    MessageType, PendingMessageEvent, Reaction,
)
from chats.phones import normalise_phone, phone_from_chat_id
from chats.selectors import contact_get
from chats.serializers import chat_data, message_data, without_reactions
from sessions_wa import bridge
from sessions_wa.errors import SessionErrorCode
from sessions_wa.models import SessionStatus, WhatsAppSession
from sessions_wa.selectors import session_default

logger = logging.getLogger(__name__)


def _schema() -> str:
    return connection.schema_name


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _from_epoch(value) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(float(value), tz=dt.timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return timezone.now()


def _message_for_event(message_id: int) -> Message:
    """The message as committed, read lean (blazz.rows); its media, quoted message, sender and
    reactions load as serialising it asks for them (each only when the message has one)."""
    message = fetch_row(Message, "id = %s", [message_id])
    if message is None:
        raise Message.DoesNotExist(message_id)
    return message


def _contact_for_event(contact_id: int, *, if_last_message: int | None = None) -> Contact | None:
    """The chat row's contact with its assignee and last message, as committed (None when
    `if_last_message` is no longer its last message)."""
    contact = contact_get(contact_id)
    if contact is None:
        raise Contact.DoesNotExist(contact_id)
    if if_last_message is not None and contact.last_message_id != if_last_message:
        return None
    if contact.last_message_id is not None:
        contact.last_message = _message_for_event(contact.last_message_id)
    return contact


def publish_message(message_id: int, event_class) -> None:
    """Publish a message event (message.new / message.updated) after commit, built from the row as
    committed."""
    schema = _schema()

    def send():
        with _schema_of(schema):
            data = message_data(_message_for_event(message_id))
        events.publish_now(schema, event_class(message=data))

    transaction.on_commit(_logged(send))


def publish_chat(contact_id: int, *, if_last_message: int | None = None) -> None:
    """Publish chat.updated (the chat-list row) after commit. `if_last_message`: only when that
    message is still the chat's last one as committed (its change shows in the row)."""
    schema = _schema()

    def send():
        with _schema_of(schema):
            contact = _contact_for_event(contact_id, if_last_message=if_last_message)
            if contact is None:
                return  # an ack or edit of an older message: the chat row does not show it
            data = chat_data(contact)
        events.publish_now(schema, events.ChatUpdated(chat=data))

    transaction.on_commit(_logged(send))


def publish_message_and_chat(message_id: int, contact_id: int, event_class, *, written: Message | None = None) -> None:
    """publish_message() then publish_chat(), after commit, from one fetch when the message is the
    chat's last message (the usual case: a new message): the chat row carries it already.

    `written`: the message as this transaction created it, when nothing else writes to it before
    the commit (no pending events applied to it). Its events are then built from it, and only the
    contact row is read again (its unread count and last message as committed)."""
    schema = _schema()

    def send():
        with _schema_of(schema):
            chat = None
            if written is not None:
                contact = contact_get(contact_id)
                if contact.last_message_id == written.pk:
                    contact.last_message = without_reactions(written)
                    chat = chat_data(contact)
            if chat is None:  # read whole; with `written`: a later message of the chat committed first
                chat = chat_data(_contact_for_event(contact_id))
            last = chat.get("last_message")
            if last and last["id"] == message_id:
                message = last
            elif written is not None:
                message = message_data(without_reactions(written))
            else:
                message = message_data(_message_for_event(message_id))
        events.publish_now(schema, event_class(message=message), events.ChatUpdated(chat=chat))

    transaction.on_commit(_logged(send))


def _schema_of(schema):
    """The schema an after-commit publish reads in. Usually the connection is still in it (the
    commit happened inside the request's or the webhook's schema), and setting it again would cost
    a `SET search_path` round trip."""
    from contextlib import nullcontext

    from django_tenants.utils import schema_context

    return nullcontext() if connection.schema_name == schema else schema_context(schema)


def _logged(fn):
    def run():
        try:
            fn()
        except Exception:
            logger.exception("could not publish an event")

    return run


def _publish_status(message: Message) -> None:
    at = {
        MessageStatus.SENT: message.sent_at, MessageStatus.DELIVERED: message.delivered_at,
        MessageStatus.READ: message.read_at, MessageStatus.PLAYED: message.played_at,
        MessageStatus.FAILED: message.failed_at,
    }.get(message.status)
    events.publish_on_commit(_schema(), events.MessageStatusChanged(
        message_id=message.pk, contact_id=message.contact_id, client_id=message.client_id,
        wa_message_id=message.wa_message_id, status=message.status, failure_reason=message.failure_reason,
        at=_iso(at),
    ))


# --- contacts ---------------------------------------------------------------------------------------


def contact_get_or_create(*, wa_id: str, push_name: str = "", session: WhatsAppSession | None = None) -> Contact:
    """The contact with this WhatsApp id, created when new (safe under concurrent first messages)."""
    contact = fetch_row(Contact, "wa_id = %s", [wa_id])
    if contact is None:
        try:
            with transaction.atomic():
                contact = Contact.objects.create(
                    wa_id=wa_id, phone=phone_from_chat_id(wa_id), push_name=(push_name or "")[:200], session=session,
                )
        except IntegrityError:
            contact = Contact.objects.get(wa_id=wa_id)
    return contact


def contact_create(*, phone: str, name: str = "", custom_fields: dict | None = None,
                   tags: list | None = None) -> tuple[Contact, bool]:
    """A contact by phone number (a CRM import, or an agent's "new chat"). Returns (contact, created);
    a known number returns the existing contact, unchanged."""
    e164, wa_id = normalise_phone(phone)
    existing = Contact.objects.filter(wa_id=wa_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            contact = Contact.objects.create(
                wa_id=wa_id, phone=e164, name=(name or "").strip()[:200], custom_fields=custom_fields or {},
                tags=tags or [], session=session_default(),
            )
    except IntegrityError:
        return Contact.objects.get(wa_id=wa_id), False
    return contact, True


def contact_update(*, contact: Contact, name: str | None = None, custom_fields: dict | None = None,
                   tags: list | None = None, assignee_id: int | None = None, assignee_set: bool = False) -> Contact:
    """Emits: chat.updated."""
    if assignee_set and assignee_id is not None:
        from workspaces.models import Membership

        if not Membership.objects.filter(workspace__schema_name=_schema(), user_id=assignee_id).exists():
            raise DomainError(Code.ASSIGNEE_NOT_MEMBER, "The assignee must be a member of this workspace.",
                              fields={"assignee_id": ["not a member"]})
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        if name is not None:
            contact.name = name.strip()[:200]
        if custom_fields is not None:
            contact.custom_fields = custom_fields
        if tags is not None:
            contact.tags = tags
        if assignee_set:
            contact.assignee_id = assignee_id
        contact.save()
        publish_chat(contact.pk)
    return contact


def contact_delete(*, contact: Contact) -> None:
    contact.delete()


def contact_mark_read(*, contact: Contact) -> Contact:
    """Clear the unread count and send WhatsApp's read receipt (a direct call with a short timeout:
    a bridge that is down costs the receipt, never the request). Emits: message.status (each
    inbound message now read), chat.updated."""
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        had_unread = contact.unread_count > 0
        contact.unread_count = 0
        contact.save(update_fields=["unread_count", "updated_at"])
        now = timezone.now()
        newly_read = list(contact.messages.filter(direction=Direction.IN, read_at__isnull=True)
                          .values_list("pk", "client_id", "wa_message_id", "failure_reason"))
        Message.objects.filter(pk__in=[row[0] for row in newly_read]).update(read_at=now, status=MessageStatus.READ)
        for message_id, client_id, wa_message_id, failure_reason in newly_read:
            # What REST now says of each message, so a client's thread stays what a fetch returns.
            events.publish_on_commit(_schema(), events.MessageStatusChanged(
                message_id=message_id, contact_id=contact.pk, client_id=client_id, wa_message_id=wa_message_id,
                status=MessageStatus.READ, failure_reason=failure_reason, at=_iso(now),
            ))
        publish_chat(contact.pk)
    session = contact.session
    if had_unread and session is not None and session.is_connected:
        try:
            bridge.chat_seen(session.id, contact.wa_id)
        except (bridge.BridgeUnavailable, bridge.BridgeError) as exc:
            logger.warning("read receipt for %s not sent: %s", contact.wa_id, exc)
    return contact


# --- sending ----------------------------------------------------------------------------------------


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


def _validate_send(request: SendRequest) -> None:
    if request.type not in MessageType.values or request.type in (MessageType.REVOKED, MessageType.UNKNOWN):
        raise DomainError(Code.TYPE_INVALID, f"Cannot send a message of type {request.type!r}.",
                          fields={"type": ["invalid"]})
    if request.type == MessageType.TEXT and not request.body.strip():
        raise DomainError(Code.BODY_REQUIRED, "A text message needs a body.", fields={"body": ["required"]})
    if request.type in MEDIA_TYPES and not request.media_id:
        raise DomainError(Code.MEDIA_REQUIRED, f"A {request.type} message needs media_id (upload it first).",
                          fields={"media_id": ["required"]})
    if request.type == MessageType.LOCATION:
        loc = request.location or {}
        try:
            lat, lng = float(loc["latitude"]), float(loc["longitude"])
            if not (-90 <= lat <= 90 and -180 <= lng <= 180):
                raise ValueError
        except (KeyError, TypeError, ValueError):
            raise DomainError("invalid_request", "location needs latitude and longitude.",
                              fields={"location": ["invalid"]})
    if request.type == MessageType.CONTACT:
        card = request.contact_card or {}
        if not card.get("name") or not card.get("phone"):
            raise DomainError("invalid_request", "contact_card needs name and phone.",
                              fields={"contact_card": ["invalid"]})
        normalise_phone(card["phone"])


def _choose_session(*, contact: Contact, session_id: str | None) -> WhatsAppSession:
    if session_id:
        session = _live_session(session_id)
        if session is None:
            raise NotFound(SessionErrorCode.SESSION_NOT_FOUND, "No such session.")
    else:
        session = _live_session(contact.session_id) if contact.session_id else None
        session = session or session_default()
    if session is None:
        raise Conflict(SessionErrorCode.NO_SESSION, "Connect a WhatsApp number first.")
    if not session.is_connected:
        raise Conflict(SessionErrorCode.SESSION_NOT_CONNECTED,
                       f"The number {session.name or session.phone or session.id} is {session.status}.")
    return session


def _live_session(session_id: str) -> WhatsAppSession | None:
    return fetch_row(WhatsAppSession, "id = %s AND deleted_at IS NULL", [session_id])


def _same_request(message: Message, contact: Contact, request: SendRequest) -> bool:
    return (
        message.contact_id == contact.pk and message.type == request.type and message.body == request.body
        and message.caption == request.caption
        and (str(message.media_id) if message.media_id else None) == (str(request.media_id) if request.media_id else None)
        and message.reply_to_id == request.reply_to_id
        and (message.location or None) == (request.location or None)
        and (message.contact_card or None) == (request.contact_card or None)
    )


def _existing_for_client_id(client_id: str, contact: Contact, request: SendRequest) -> Message | None:
    message = fetch_row(Message, "client_id = %s", [client_id])
    if message is None:
        return None
    if not _same_request(message, contact, request):
        raise Conflict(Code.CLIENT_ID_CONFLICT, "This client_id was used for a different message.",
                       fields={"client_id": ["used for a different message"]})
    return message


def message_send(*, contact: Contact, client_id: str, request: SendRequest, sent_by=None) -> tuple[Message, bool]:
    """Store a `pending` outbound message and, after commit, queue its delivery to the bridge.

    Idempotent by `client_id`: the same request again returns (the same message, False); a
    different one under a used client_id is a 409. Emits: message.new, chat.updated.
    """
    client_id = (client_id or "").strip()
    if not client_id or len(client_id) > 100:
        raise DomainError(Code.CLIENT_ID_REQUIRED, "client_id (1 to 100 characters) is required.",
                          fields={"client_id": ["required"]})
    request = SendRequest(**{**request.__dict__, "body": request.body or "", "caption": request.caption or ""})
    existing = _existing_for_client_id(client_id, contact, request)
    if existing is not None:
        return existing, False
    _validate_send(request)
    session = _choose_session(contact=contact, session_id=request.session_id)
    media = None
    if request.media_id:
        media = MediaFile.objects.filter(pk=request.media_id).first()
        if media is None:
            raise NotFound(Code.MEDIA_NOT_FOUND, "No such media.", fields={"media_id": ["not found"]})
        if media.status != MediaStatus.READY:
            raise Conflict(Code.MEDIA_NOT_READY, "That media is not ready.", fields={"media_id": ["not ready"]})
    reply_to = None
    if request.reply_to_id is not None:
        reply_to = Message.objects.filter(pk=request.reply_to_id, contact=contact).first()
        if reply_to is None:
            raise NotFound(Code.REPLY_TO_NOT_FOUND, "The quoted message is not in this chat.",
                           fields={"reply_to": ["not found"]})
    # WhatsApp keeps whole seconds (the bridge's timestamps): so does ours, or a reply stamped in
    # the same second would sort before the message it answers. Ties go by id (arrival).
    now = timezone.now().replace(microsecond=0)
    try:
        with transaction.atomic():
            message = Message(
                contact=contact, session=session, direction=Direction.OUT, type=request.type, body=request.body,
                caption=request.caption, media=media, location=request.location, contact_card=request.contact_card,
                reply_to=reply_to, reply_to_wa_id=(reply_to.wa_message_id or "") if reply_to else "",
                status=MessageStatus.PENDING, client_id=client_id, sent_by=sent_by if getattr(sent_by, "pk", None) else None,
                timestamp=now, send_queued_at=timezone.now(),
            )
            insert_row(message)  # a client_id used meanwhile: IntegrityError, below
            with connection.cursor() as cursor:
                cursor.execute("UPDATE chats_contact SET last_message_id = %s, last_message_at = %s, session_id = %s "
                               "WHERE id = %s", [message.pk, now, session.pk, contact.pk])
            publish_message_and_chat(message.pk, contact.pk, events.MessageNew, written=message)
            _queue_delivery(message.pk)
    except IntegrityError:
        # A concurrent request with the same client_id won the insert.
        existing = _existing_for_client_id(client_id, contact, request)
        if existing is None:
            raise
        return existing, False
    return message, True


def _queue_delivery(message_id: int) -> None:
    from chats.tasks import message_send_task

    transaction.on_commit(lambda: message_send_task.delay(message_id))


class DeliveryOutcome:
    DONE = "done"          # the bridge has it (or it had moved on already)
    RETRY = "retry"        # a passing failure: try again later
    FAILED = "failed"      # marked failed


def _bridge_payload(message: Message) -> dict:
    payload = {"to": message.contact.wa_id, "type": message.type, "client_id": message.client_id}
    if message.body:
        payload["body"] = message.body
    if message.caption:
        payload["caption"] = message.caption
    if message.media_id:
        media = message.media
        payload["media"] = {
            "url": f"{settings.INTERNAL_BASE_URL}/internal/media/{_schema()}/{media.pk}/",
            "mimetype": media.mimetype, "filename": media.filename or f"{media.pk}",
        }
    if message.location:
        payload["location"] = message.location
    if message.contact_card:
        payload["contact"] = {"name": message.contact_card["name"],
                              "phone": normalise_phone(message.contact_card["phone"])[0].lstrip("+")}
    if message.reply_to_wa_id:
        payload["reply_to"] = message.reply_to_wa_id
    return payload


def message_deliver(*, message_id: int) -> tuple[str, str]:
    """Hand a pending message to the bridge (the Celery task's body). Returns (outcome, reason).

    Safe to run twice, concurrently or after a crash: it returns early once the message has moved
    on, and the bridge sends at most once per client_id, answering a repeat with the first answer.
    """
    message = fetch_row(Message, "id = %s", [message_id])  # its contact, media and session load when used
    if message is None or message.direction != Direction.OUT:
        return DeliveryOutcome.DONE, "gone"
    if message.status != MessageStatus.PENDING or message.wa_message_id:
        return DeliveryOutcome.DONE, "moved on"
    if message.session_id is None:
        message_mark_failed(message_id=message.pk, reason="The number it was sent through was removed.")
        return DeliveryOutcome.FAILED, "no session"
    message.contact = contact_get(message.contact_id)  # lean: the payload needs its WhatsApp id
    with connection.cursor() as cursor:
        cursor.execute("UPDATE chats_message SET send_attempts = send_attempts + 1, send_attempted_at = %s "
                       "WHERE id = %s", [timezone.now(), message.pk])
    try:
        answer = bridge.message_send(message.session_id, _bridge_payload(message))
    except bridge.BridgeUnavailable as exc:
        return DeliveryOutcome.RETRY, f"The bridge is unavailable: {exc}"
    except bridge.BridgeError as exc:
        if exc.retryable:
            return DeliveryOutcome.RETRY, exc.message
        if exc.code == "send_outcome_unknown":
            # The bridge may have sent it; its message.created event will link it if so.
            message_mark_failed(message_id=message.pk, reason="Interrupted mid-send; it may have been delivered.")
            return DeliveryOutcome.FAILED, exc.code
        message_mark_failed(message_id=message.pk, reason=f"{exc.code}: {exc.message}")
        return DeliveryOutcome.FAILED, exc.code
    pause = settings.FAULT_PAUSE_AFTER_BRIDGE_SEND_SECONDS
    if pause:  # fault injection for tests: a window in which to kill the worker mid-send
        import time

        time.sleep(pause)
    message_link_wa_id(message_id=message.pk, wa_message_id=answer["wa_message_id"])
    return DeliveryOutcome.DONE, "sent"


def message_link_wa_id(*, message_id: int, wa_message_id: str) -> Message | None:
    """Record the WhatsApp id of our message (from the bridge's answer or its message.created event),
    then apply whatever events about that id arrived before it. Emits: message.status (and
    chat.updated when it is the chat's last message and its status changed).

    A message we marked failed while it had no WhatsApp id (the bridge was interrupted mid-send,
    or our retries ran out while it may have had it) goes back to `pending` here: the bridge's
    word that WhatsApp has the message beats our guess, and `pending` is what WhatsApp says of a
    message it has not acked (ACK_PENDING: an API send's message.created comes before any of its
    acks). Not `sent`, which is ACK_SERVER, a tick WhatsApp has not given yet; its acks (kept
    if they came first, applied just below) move it on. Besides an explicit retry this is the
    only way out of failed, and it sends nothing again. A failure WhatsApp reported (ACK_ERROR)
    always has a WhatsApp id, so it is never undone here."""
    with transaction.atomic():
        message = fetch_row(Message, "id = %s", [message_id], for_update=True)
        if message is None:
            return None
        if message.wa_message_id == wa_message_id:
            return message
        if message.wa_message_id:
            logger.warning("message %s has wa id %s; ignoring %s", message.pk, message.wa_message_id, wa_message_id)
            return message
        if fetch_value("SELECT 1 FROM chats_message WHERE wa_message_id = %s AND id <> %s", [wa_message_id, message.pk]):
            logger.warning("wa id %s belongs to another message already", wa_message_id)
            return message
        message.wa_message_id = wa_message_id
        fields = ["wa_message_id"]
        if message.status == MessageStatus.FAILED:
            # The bridge's word that the message exists beats our "interrupted mid-send" guess.
            message.status, message.failure_reason, message.failed_at = MessageStatus.PENDING, "", None
            fields += ["status", "failure_reason", "failed_at"]
            _publish_status(message)
            _publish_chat_if_last(message)
        message.save(update_fields=fields)
        _apply_pending_events(message)
    return message


def message_mark_failed(*, message_id: int, reason: str) -> Message | None:
    """A send that will not happen without the agent's retry. Emits: message.status, chat.updated."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != MessageStatus.PENDING or message.wa_message_id:
            return message
        message.status = MessageStatus.FAILED
        message.failure_reason = reason[:500]
        message.failed_at = timezone.now()
        message.save(update_fields=["status", "failure_reason", "failed_at"])
        _publish_status(message)
        _publish_chat_if_last(message)
    return message


def message_retry(*, message: Message) -> Message:
    """failed -> pending, only by this explicit retry; the same client_id goes to the bridge again.
    Emits: message.status."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.direction != Direction.OUT:
            raise Conflict(Code.NOT_OUTBOUND, "Only our own messages can be retried.")
        if message.status != MessageStatus.FAILED:
            raise Conflict(Code.NOT_FAILED, f"The message is {message.status}, not failed.")
        if message.session is None or not message.session.is_connected:
            raise Conflict(SessionErrorCode.SESSION_NOT_CONNECTED, "Its WhatsApp number is not connected.")
        message.status, message.failure_reason, message.failed_at = MessageStatus.PENDING, "", None
        message.send_queued_at = timezone.now()
        message.save(update_fields=["status", "failure_reason", "failed_at", "send_queued_at"])
        _publish_status(message)
        _publish_chat_if_last(message)
        _queue_delivery(message.pk)
    return message


def messages_requeue_stuck(*, older_than: dt.timedelta) -> int:
    """Queue again the pending messages whose delivery chain is gone (its task lost with the
    broker, say): no task was queued for them and none called the bridge for `older_than`, which
    the caller sets past a send task's whole retry window (chats.tasks.message_send_window). A
    message retried or still backing off has a live chain and is left to it: a second chain
    beside it would double every attempt. Each requeue restarts the window, so a message is
    requeued at most once per window, and concurrent sweeps skip each other's rows."""
    cutoff = timezone.now() - older_than
    last_touched = Greatest("created_at", "send_queued_at", "send_attempted_at")  # PostgreSQL: nulls ignored
    with transaction.atomic():
        ids = list(Message.objects.filter(direction=Direction.OUT, status=MessageStatus.PENDING,
                                          wa_message_id__isnull=True)
                   .alias(last_touched=last_touched).filter(last_touched__lt=cutoff)
                   .select_for_update(skip_locked=True).values_list("pk", flat=True)[:500])
        Message.objects.filter(pk__in=ids).update(send_queued_at=timezone.now())
        for message_id in ids:
            _queue_delivery(message_id)
    return len(ids)


def message_react(*, message: Message, emoji: str, user) -> Message:
    """React as this workspace's number ("" removes). The bridge call is direct, with a short
    timeout. Emits: message.reaction."""
    if not isinstance(emoji, str) or len(emoji) > 32:
        raise DomainError(Code.EMOJI_INVALID, "emoji: one emoji, or \"\" to remove.", fields={"emoji": ["invalid"]})
    if not message.wa_message_id:
        raise Conflict(Code.NOT_SENT_YET, "The message has no WhatsApp id yet.")
    session = message.session or message.contact.session
    if session is None or not session.is_connected:
        raise Conflict(SessionErrorCode.SESSION_NOT_CONNECTED, "Its WhatsApp number is not connected.")
    try:
        bridge.reaction_send(session.id, message.wa_message_id, emoji)
    except bridge.BridgeUnavailable as exc:
        raise DomainError(Code.BRIDGE_UNAVAILABLE, f"The bridge is unavailable: {exc}", status=503)
    except bridge.BridgeError as exc:
        raise DomainError(exc.code, exc.message, status=502 if exc.status >= 500 else 409)
    with transaction.atomic():
        _set_reaction(message=message, reactor=Reaction.ME, emoji=emoji, user=user)
    return message


def _set_reaction(*, message: Message, reactor: str, emoji: str, user=None) -> None:
    """Needs a transaction. Locks the message row first, as every other writer of a message and its
    reactions does: a reaction written before that lock (its foreign key check waits on the row)
    deadlocked against a webhook holding the row and writing the same reactor's reaction."""
    list(Message.objects.select_for_update().filter(pk=message.pk).values_list("pk", flat=True))
    if emoji:
        Reaction.objects.update_or_create(
            message=message, reactor=reactor,
            defaults={"emoji": emoji, "user": user if getattr(user, "pk", None) else None},
        )
    else:
        Reaction.objects.filter(message=message, reactor=reactor).delete()
    schema = _schema()
    message_id, contact_id = message.pk, message.contact_id

    def send():
        with _schema_of(schema):
            from chats.serializers import reaction_list

            reactions = reaction_list(Message.objects.prefetch_related("reactions").get(pk=message_id))
        events.publish_now(schema, events.MessageReactionChanged(
            message_id=message_id, contact_id=contact_id, reactions=reactions))

    transaction.on_commit(_logged(send))


def _publish_chat_if_last(message: Message) -> None:
    publish_chat(message.contact_id, if_last_message=message.pk)


# --- media ----------------------------------------------------------------------------------------------

ALLOWED_MIMETYPES = {
    "image/jpeg", "image/png", "image/webp", "image/gif",
    "video/mp4", "video/3gpp", "video/quicktime", "video/webm",
    "audio/ogg", "audio/mpeg", "audio/mp4", "audio/aac", "audio/amr", "audio/webm", "audio/wav", "audio/x-wav",
    "application/pdf", "application/msword", "application/zip", "text/plain", "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
}


def media_upload(*, uploaded_file, uploaded_by=None) -> MediaFile:
    """Store an upload to send later. 413 over the size limit, 415 outside the allowed types."""
    if uploaded_file.size > settings.MEDIA_MAX_UPLOAD_BYTES:
        raise DomainError(Code.PAYLOAD_TOO_LARGE,
                          f"Files are limited to {settings.MEDIA_MAX_UPLOAD_BYTES // (1024 * 1024)} MB.", status=413)
    if uploaded_file.size == 0:
        raise DomainError("invalid_request", "The file is empty.", fields={"file": ["empty"]})
    mimetype = (uploaded_file.content_type or "").split(";")[0].strip().lower()
    if mimetype in ("", "application/octet-stream"):
        mimetype = (mimetypes.guess_type(uploaded_file.name or "")[0] or "").lower()
    if mimetype not in ALLOWED_MIMETYPES:
        raise DomainError(Code.UNSUPPORTED_MEDIA_TYPE, f"Files of type {mimetype or 'unknown'} cannot be sent.",
                          status=415)
    filename = (uploaded_file.name or "file").rsplit("/", 1)[-1][:255]
    media = MediaFile(mimetype=mimetype, filename=filename, size=uploaded_file.size, status=MediaStatus.READY,
                      uploaded_by=uploaded_by if getattr(uploaded_by, "pk", None) else None)
    media.file.save(filename, uploaded_file, save=False)
    media.save()
    return media


def media_fetch_from_bridge(*, media_id) -> MediaFile | None:
    """Fetch an inbound file from the bridge into our storage (the worker task's body).
    Emits: message.updated for each message showing it."""
    from django.core.files.base import ContentFile

    media = MediaFile.objects.filter(pk=media_id).first()
    if media is None or media.status == MediaStatus.READY:
        return media
    content, content_type = bridge.media_download(media.session_id, media.bridge_media_id)
    name = media.filename or f"{media.pk}{mimetypes.guess_extension(media.mimetype or content_type) or ''}"
    with transaction.atomic():
        media = MediaFile.objects.select_for_update().get(pk=media_id)
        if media.status == MediaStatus.READY:
            return media
        media.file.save(name, ContentFile(content), save=False)
        media.size = len(content)
        media.status = MediaStatus.READY
        media.error = ""
        media.save()
        for message_id in media.messages.values_list("pk", flat=True):
            publish_message(message_id, events.MessageUpdated)
    return media


def media_mark_failed(*, media_id, reason: str) -> None:
    with transaction.atomic():
        updated = MediaFile.objects.filter(pk=media_id).exclude(status=MediaStatus.READY).update(
            status=MediaStatus.FAILED, error=reason[:300])
        if updated:
            for message_id in Message.objects.filter(media_id=media_id).values_list("pk", flat=True):
                publish_message(message_id, events.MessageUpdated)


# --- receiving: the bridge's message events -----------------------------------------------------------


def _media_from_event(session: WhatsAppSession, media: dict | None) -> MediaFile | None:
    if not media:
        return None
    record = MediaFile.objects.create(
        mimetype=(media.get("mimetype") or "application/octet-stream")[:100],
        filename=(media.get("filename") or "")[:255], size=int(media.get("size") or 0),
        status=MediaStatus.PENDING if media.get("id") else MediaStatus.FAILED,
        error="" if media.get("id") else "The bridge could not download it.",
        bridge_media_id=media.get("id") or "", session=session,
    )
    return record


def _queue_media_fetch(message: Message) -> None:
    """After commit, fetch the message's file from the bridge. Queued after the message's own
    publishes, so its message.new and chat.updated go out before the fetch's message.updated."""
    media = message.media
    if media is not None and media.status == MediaStatus.PENDING:
        from chats.tasks import media_fetch_task

        transaction.on_commit(lambda: media_fetch_task.delay(str(media.pk)))


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
        message_id = fetch_value("SELECT id FROM chats_message WHERE client_id = %s", [client_id])
        if message_id is not None:
            return message_link_wa_id(message_id=message_id, wa_message_id=data["wa_message_id"])
    return _store_from_bridge(session, data, direction=Direction.OUT, status=MessageStatus.PENDING)


def _store_from_bridge(session: WhatsAppSession, data: dict, *, direction: str, status: str,
                       push_name: str = "") -> Message:
    """A message the bridge reports (a customer's, or one typed on the phone), stored once: one
    already known by its wa_message_id (delivered before under another webhook-id, or by a
    concurrent delivery) is returned as it is, and nothing changes."""
    wa_message_id = data["wa_message_id"]
    contact = contact_get_or_create(wa_id=data["chat_id"], push_name=push_name, session=session)
    media = _media_from_event(session, data.get("media"))
    message = Message(
        contact=contact, session=session, direction=direction, type=_known_type(data.get("type")),
        body=data.get("body") or "", caption=data.get("caption") or "", media=media,
        location=data.get("location"), contact_card=_card(data.get("contact")), wa_message_id=wa_message_id,
        status=status, delivered_at=timezone.now() if status == MessageStatus.DELIVERED else None,
        reply_to=_reply_to(data.get("reply_to")), reply_to_wa_id=data.get("reply_to") or "",
        timestamp=_from_epoch(data.get("timestamp")),
    )
    if not insert_row(message, unless_exists="wa_message_id"):
        if media is not None:
            media.delete()  # made for this copy of the message only
        return fetch_row(Message, "wa_message_id = %s", [wa_message_id])
    _contact_after_new_message(contact, message, unread=direction == Direction.IN, push_name=push_name)
    _announce_new_message(message)
    return message


def _contact_after_new_message(contact: Contact, message: Message, *, unread: bool, push_name: str = "") -> None:
    """The chat row after a message from the bridge: the session it came through, one more unread
    for a customer's message, the customer's WhatsApp name, and the last message unless a later
    one is there already (events may arrive out of order). One statement, on every event."""
    sets, params = ["session_id = %s"], [message.session_id]
    if unread:
        sets.append("unread_count = unread_count + 1")
    if push_name:
        sets.append("push_name = %s")
        params.append(push_name[:200])
    if contact.last_message_at is None or message.timestamp >= contact.last_message_at:
        sets += ["last_message_id = %s", "last_message_at = %s"]
        params += [message.pk, message.timestamp]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE chats_contact SET {', '.join(sets)} WHERE id = %s", [*params, contact.pk])


def _announce_new_message(message: Message) -> None:
    """A message just stored from the bridge: its message.new and chat.updated (built from it
    unless events that waited for it change it in this transaction), its media fetch, then those
    waiting events."""
    pending = _pending_events(message)
    publish_message_and_chat(message.pk, message.contact_id, events.MessageNew, written=None if pending else message)
    _queue_media_fetch(message)
    _apply_pending_events(message, pending)


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


def _locked_by_wa_id(wa_message_id: str) -> Message | None:
    return fetch_row(Message, "wa_message_id = %s", [wa_message_id], for_update=True)


def _keep_for_later(session: WhatsAppSession, event_type: str, data: dict) -> None:
    PendingMessageEvent.objects.create(wa_message_id=data["wa_message_id"], type=event_type, data=data,
                                       session_id=session.pk)


def message_apply_ack(*, session: WhatsAppSession, data: dict) -> Message | None:
    """message.ack: status only moves forward; a late or repeated ack changes nothing; an ack for a
    message not known yet is kept and applied when it appears. Emits: message.status."""
    message = _locked_by_wa_id(data["wa_message_id"])
    if message is None:
        _keep_for_later(session, "message.ack", data)
        return None
    _apply_ack(message, int(data["ack"]))
    return message


def _apply_ack(message: Message, ack: int) -> bool:
    """Caller holds the row lock. Returns whether the status moved.

    Forward only: pending < sent < delivered < read < played. ACK_ERROR fails a message WhatsApp
    has not delivered yet. A failed message moves on only with a tick WhatsApp really gave (sent
    or later: it did go out); ACK_PENDING never turns failed back into pending, only an explicit
    retry does (message_retry)."""
    new = ACK_TO_STATUS.get(ack)
    if new is None or message.direction != Direction.OUT:
        return False
    now = timezone.now()
    if new == MessageStatus.FAILED:
        if message.status not in (MessageStatus.PENDING, MessageStatus.SENT):
            return False  # an error after delivery means nothing to the customer's view
        message.status, message.failed_at = MessageStatus.FAILED, now
        message.failure_reason = "WhatsApp reported an error sending this message."
    else:
        # Failed ranks with pending: ACK_PENDING is no news, a real tick moves it forward.
        current_rank = STATUS_RANK.get(message.status, STATUS_RANK[MessageStatus.PENDING])
        if STATUS_RANK[new] <= current_rank:
            return False
        if message.status == MessageStatus.FAILED:
            message.failure_reason, message.failed_at = "", None
        message.status = new
        # A later tick implies the earlier ones.
        for status, field in ((MessageStatus.SENT, "sent_at"), (MessageStatus.DELIVERED, "delivered_at"),
                              (MessageStatus.READ, "read_at"), (MessageStatus.PLAYED, "played_at")):
            if STATUS_RANK[status] <= STATUS_RANK[new] and getattr(message, field) is None:
                setattr(message, field, now)
    message.save(update_fields=["status", "failure_reason", "failed_at", "sent_at", "delivered_at", "read_at",
                                "played_at"])
    _publish_status(message)
    _publish_chat_if_last(message)
    return True


def message_apply_reaction(*, session: WhatsAppSession, data: dict) -> Message | None:
    """message.reaction: one per reactor, replaced or removed (""). Emits: message.reaction."""
    message = _locked_by_wa_id(data["wa_message_id"])
    if message is None:
        _keep_for_later(session, "message.reaction", data)
        return None
    _apply_reaction(message, session, data)
    return message


def _apply_reaction(message: Message, session: WhatsAppSession, data: dict) -> None:
    reactor = data.get("from") or ""
    if reactor and reactor == session.own_chat_id:
        reactor = Reaction.ME
    current = Reaction.objects.filter(message=message, reactor=reactor).values_list("emoji", flat=True).first()
    if (current or "") == (data.get("emoji") or ""):
        return  # our own reaction reported back, or a repeat
    _set_reaction(message=message, reactor=reactor, emoji=data.get("emoji") or "")


def message_apply_edited(*, session: WhatsAppSession, data: dict) -> Message | None:
    """message.edited: the new text, the previous ones kept. Emits: message.updated."""
    message = _locked_by_wa_id(data["wa_message_id"])
    if message is None:
        _keep_for_later(session, "message.edited", data)
        return None
    _apply_edit(message, data.get("body") or "")
    return message


def _apply_edit(message: Message, body: str) -> None:
    if message.body == body:
        return
    now = timezone.now()
    message.edits = [*message.edits, {"body": message.body, "edited_at": _iso(now)}]
    message.body = body
    message.edited_at = now
    message.save(update_fields=["edits", "body", "edited_at"])
    publish_message(message.pk, events.MessageUpdated)
    _publish_chat_if_last(message)


def message_apply_revoked(*, session: WhatsAppSession, data: dict) -> Message | None:
    """message.revoked: deleted for everyone. The content stays for agents. Emits: message.revoked."""
    message = _locked_by_wa_id(data["wa_message_id"])
    if message is None:
        _keep_for_later(session, "message.revoked", data)
        return None
    _apply_revoke(message)
    return message


def _apply_revoke(message: Message) -> None:
    if message.revoked:
        return
    message.revoked = True
    message.revoked_at = timezone.now()
    message.save(update_fields=["revoked", "revoked_at"])
    events.publish_on_commit(_schema(), events.MessageRevoked(
        message_id=message.pk, contact_id=message.contact_id, revoked_at=_iso(message.revoked_at)))
    _publish_chat_if_last(message)


def _pending_events(message: Message) -> list[PendingMessageEvent]:
    """The events that came before this message was known, in arrival order, locked."""
    if not message.wa_message_id or not fetch_value(
            "SELECT 1 FROM chats_pendingmessageevent WHERE wa_message_id = %s LIMIT 1", [message.wa_message_id]):
        return []  # the usual case, answered without the ORM
    return list(PendingMessageEvent.objects.select_for_update().filter(wa_message_id=message.wa_message_id))


def _apply_pending_events(message: Message, pending: list[PendingMessageEvent] | None = None) -> None:
    """Apply, in arrival order, the events that came before this message was known (`pending`
    when the caller read them already)."""
    if pending is None:
        pending = _pending_events(message)
    if not pending:
        return
    message = Message.objects.select_for_update().get(pk=message.pk)
    for event in pending:
        session = WhatsAppSession.objects.filter(pk=event.session_id).first()
        if event.type == "message.ack":
            _apply_ack(message, int(event.data["ack"]))
        elif event.type == "message.reaction" and session is not None:
            _apply_reaction(message, session, event.data)
        elif event.type == "message.edited":
            _apply_edit(message, event.data.get("body") or "")
        elif event.type == "message.revoked":
            _apply_revoke(message)
    PendingMessageEvent.objects.filter(pk__in=[event.pk for event in pending]).delete()


# --- typing and presence ---------------------------------------------------------------------------------


def contact_apply_typing(*, session: WhatsAppSession, data: dict) -> None:
    """chat.typing from the bridge: relayed to the agents; nothing is written. Emits: typing."""
    contact_id = Contact.objects.filter(wa_id=data["chat_id"]).values_list("pk", flat=True).first()
    if contact_id is None:
        return
    state = data.get("state") if data.get("state") in ("typing", "recording", "paused") else "paused"
    events.publish_on_commit(_schema(), events.Typing(contact_id=contact_id, sender="contact", user=None, state=state))


def contact_apply_presence(*, session: WhatsAppSession, data: dict) -> None:
    """contact.presence: online / last seen, kept on the contact. Emits: presence."""
    contact = Contact.objects.filter(wa_id=data["chat_id"]).first()
    if contact is None:
        return
    online = bool(data.get("online"))
    last_seen = _from_epoch(data["last_seen"]) if data.get("last_seen") else (timezone.now() if not online else None)
    Contact.objects.filter(pk=contact.pk).update(online=online, last_seen=last_seen or contact.last_seen)
    events.publish_on_commit(_schema(), events.Presence(
        contact_id=contact.pk, online=online, last_seen=_iso(last_seen or contact.last_seen)))
