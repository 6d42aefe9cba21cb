"""Handing a pending message to the bridge (the send task's body), recording the WhatsApp id it
gets, and the sweep that requeues a message whose delivery chain was lost."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Greatest
from django.utils import timezone

from chats import queue, store
from chats.audio import AudioError
from chats.models import Direction, MediaFile, Message, MessageStatus, MessageType
from chats.phones import normalise_phone
from chats.selectors import contact_get
from chats.services import pending
from chats.services.media import media_prepare_voice
from chats.services.publish import schema
from chats.services.status import Move, message_mark_failed, move
from sessions_wa import bridge

logger = logging.getLogger(__name__)


class DeliveryOutcome:
    DONE = "done"          # the bridge has it (or it had moved on already)
    RETRY = "retry"        # a passing failure: try again later
    FAILED = "failed"      # marked failed


def message_deliver(*, message_id: int) -> tuple[str, str]:
    """Hand a pending message to the bridge (the Celery task's body). Returns (outcome, reason).

    Safe to run twice, concurrently or after a crash: it returns early once the message has moved
    on, and the bridge sends at most once per client_id, answering a repeat with the first answer.
    """
    message = store.message_by_id(message_id)  # its contact, media and session load when used
    if message is None or message.direction != Direction.OUT:
        return DeliveryOutcome.DONE, "gone"
    if message.status != MessageStatus.PENDING or message.wa_message_id:
        return DeliveryOutcome.DONE, "moved on"
    if message.session_id is None:
        message_mark_failed(message_id=message.pk, reason="The number it was sent through was removed.")
        return DeliveryOutcome.FAILED, "no session"
    message.contact = contact_get(message.contact_id)  # lean: the payload needs its WhatsApp id
    if message.type == MessageType.VOICE and message.media_id:
        try:
            media_prepare_voice(media_id=message.media_id)
        except AudioError as exc:
            message_mark_failed(message_id=message.pk, reason=f"The voice note could not be converted: {exc}")
            return DeliveryOutcome.FAILED, "audio"
        message.media = MediaFile.objects.get(pk=message.media_id)
    store.message_count_send_attempt(message.pk, at=timezone.now())
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
    message_link_wa_id(message_id=message.pk, wa_message_id=answer["wa_message_id"])
    return DeliveryOutcome.DONE, "sent"


def _bridge_payload(message: Message) -> dict:
    payload = {"to": message.contact.wa_id, "type": message.type, "client_id": message.client_id}
    if message.body:
        payload["body"] = message.body
    if message.caption:
        payload["caption"] = message.caption
    if message.media_id:
        media = message.media
        payload["media"] = {
            "url": f"{settings.INTERNAL_BASE_URL}/internal/media/{schema()}/{media.pk}/",
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


def message_link_wa_id(*, message_id: int, wa_message_id: str) -> Message | None:
    """Record the WhatsApp id of our message (from the bridge's answer or its message.created event),
    then apply whatever events about that id arrived before it. Emits: message.status (and
    chat.updated when it is the chat's last message and its status changed).

    A message we marked failed while it had no WhatsApp id (the bridge was interrupted mid-send,
    or our retries ran out while it may have had it) goes back to `pending` here (Move.LINKED):
    the bridge's word that WhatsApp has the message beats our guess, and `pending` is what
    WhatsApp says of a message it has not acked (ACK_PENDING: an API send's message.created comes
    before any of its acks). Not `sent`, which is ACK_SERVER, a tick WhatsApp has not given yet;
    its acks (kept if they came first, applied just below) move it on. It sends nothing again. A
    failure WhatsApp reported (ACK_ERROR) always has a WhatsApp id, so it is never undone here."""
    with transaction.atomic():
        message = store.message_by_id(message_id, for_update=True)
        if message is None:
            return None
        if message.wa_message_id == wa_message_id:
            return message
        if message.wa_message_id:
            logger.warning("message %s has wa id %s; ignoring %s", message.pk, message.wa_message_id, wa_message_id)
            return message
        if store.wa_id_taken(wa_message_id, by_other_than=message.pk):
            logger.warning("wa id %s belongs to another message already", wa_message_id)
            return message
        message.wa_message_id = wa_message_id
        message.save(update_fields=["wa_message_id", *move(message, Move.LINKED)])
        pending.apply_pending_events(message)
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
            queue.message_send_after_commit(message_id)
    return len(ids)
