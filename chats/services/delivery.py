"""Handing a pending message to the bridge (the send task's body), recording the WhatsApp id it
gets, and the sweep that requeues a message whose delivery chain was lost."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils.translation import gettext_noop
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from blazz.core import metrics
from chats import queue, store
from chats.language import said
from chats.audio import AudioError
from chats.models import Direction, MediaFile, Message, MessageStatus, MessageType
from chats.phones import normalise_phone
from chats.selectors import contact_get
from chats.services import pending
from chats.services.media import media_prepare_voice
from chats.services.publish import schema
from chats.services.remote_media import waiting_for_file
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
    outcome, reason = _deliver(message_id)
    metrics.sends.labels(outcome).inc()
    return outcome, reason


def _deliver(message_id: int) -> tuple[str, str]:
    message = store.message_by_id(message_id)  # its contact, media and session load when used
    if message is None or message.direction != Direction.OUT:
        return DeliveryOutcome.DONE, "gone"
    if message.status != MessageStatus.PENDING or message.wa_message_id:
        return DeliveryOutcome.DONE, "moved on"
    if message.session_id is None:
        message_mark_failed(message_id=message.pk, reason=said(gettext_noop("The number it was sent through was removed.")))
        return DeliveryOutcome.FAILED, "no session"
    message.contact = contact_get(message.contact_id)  # lean: the payload needs its WhatsApp id
    waiting = waiting_for_file(message)
    if waiting == "wait":  # given by URL and not fetched yet: the fetch queues the send when it is in
        return DeliveryOutcome.DONE, "waiting for its file"
    if waiting is not None:
        message_mark_failed(message_id=message.pk, reason=waiting)
        return DeliveryOutcome.FAILED, "no file"
    if message.type == MessageType.VOICE and message.media_id and not message.forwarded_from_id:
        try:
            media_prepare_voice(media_id=message.media_id)
        except AudioError as exc:
            message_mark_failed(message_id=message.pk, reason=said(gettext_noop("The voice note could not be converted: %(error)s"),
                                                                            error=exc))
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
            message_mark_failed(message_id=message.pk, reason=said(gettext_noop(
                "Interrupted mid-send; it may have been delivered.")))
            return DeliveryOutcome.FAILED, exc.code
        message_mark_failed(message_id=message.pk, reason=f"{exc.code}: {exc.message}")
        return DeliveryOutcome.FAILED, exc.code
    message_link_wa_id(message_id=message.pk, wa_message_id=answer["wa_message_id"])
    return DeliveryOutcome.DONE, "sent"


def _bridge_payload(message: Message) -> dict:
    forward_of = _forward_source(message)
    if forward_of:  # the bridge forwards WhatsApp's own copy (Message.forward()): no content of ours
        return {"to": message.contact.wa_id, "client_id": message.client_id, "forward_of": forward_of}
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


def _forward_source(message: Message) -> str | None:
    """A forward's source's WhatsApp id (None: not a forward, or its source was deleted since:
    then its content, copied when it was stored, is sent as a new message)."""
    if not message.forwarded_from_id:
        return None
    return Message.objects.filter(pk=message.forwarded_from_id).values_list("wa_message_id", flat=True).first()


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


def message_send_retry_due(*, message_id: int, countdown: float) -> None:
    """The send task retries in `countdown` seconds: record when its next attempt is due (what the
    sweep compares the last attempt with). Best effort: without it the sweep's slower rule holds."""
    try:
        Message.objects.filter(pk=message_id).update(send_queued_at=timezone.now() + dt.timedelta(seconds=countdown))
    except Exception:
        logger.warning("message %s: its retry time was not recorded", message_id, exc_info=True)


# A send task that has not reached the bridge this long after it was due is taken for lost (its
# broker restarted empty, its worker group was killed): a minute is far beyond a healthy queue's
# wait, and a second task for a message whose first was only slow costs nothing (the bridge sends
# at most once per client_id, and the slower task finds the message moved on).
LOST_AFTER = dt.timedelta(seconds=60)


def messages_requeue_stuck(*, attempt_time_limit: dt.timedelta) -> int:
    """Queue again the pending messages whose send task is lost, judged by what the task did:

    - not queued: its enqueue failed (the broker away; `send_queued_at` null): at once;
    - never reached: a task was due (`send_queued_at`: queued, or its retry due) over LOST_AFTER
      ago and no attempt started since (`send_attempted_at` before it, or none);
    - died mid-attempt: the last attempt started after the task was due and neither finished
      (linked, failed, or a retry scheduled) within `attempt_time_limit` + LOST_AFTER.

    A message backing off has its retry due in the future and is left to its task. Each requeue
    sets `send_queued_at` to now, so a message is requeued at most once per LOST_AFTER, and
    concurrent sweeps skip each other's rows."""
    now = timezone.now()
    queued, attempted = F("send_queued_at"), F("send_attempted_at")
    lost = (Q(send_queued_at__isnull=True)
            | (Q(send_queued_at__lt=now - LOST_AFTER) & (Q(send_attempted_at__isnull=True)
                                                        | Q(send_attempted_at__lt=queued)))
            | (Q(send_attempted_at__gte=queued) & Q(send_attempted_at__lt=now - attempt_time_limit - LOST_AFTER)))
    with transaction.atomic():
        ids = list(Message.objects.filter(direction=Direction.OUT, status=MessageStatus.PENDING,
                                          wa_message_id__isnull=True)
                   .filter(lost).select_for_update(skip_locked=True).values_list("pk", flat=True)[:500])
        Message.objects.filter(pk__in=ids).update(send_queued_at=now)
        for message_id in ids:
            queue.message_send_after_commit(message_id)
    if ids:
        logger.info("requeued %d send(s) whose task was lost: %s", len(ids), ids[:20])
    return len(ids)
