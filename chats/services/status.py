"""The one status machine of a message: every change of `Message.status` is made here.

    pending -> sent -> delivered -> read -> played   WhatsApp's ticks (acks): forward only
    pending | sent -> failed                         WhatsApp's ACK_ERROR
    pending -> failed                                our send gave up (no WhatsApp id yet)
    failed -> pending                                an explicit retry, or the bridge's word that
                                                     WhatsApp has the message (it is linked)
    failed -> sent .. played                         a real tick after a failure: it did go out
    delivered -> read                                an inbound message, read by an agent

`status_after` is the rule; `move` applies it to a locked row and publishes what changed
(message.status, and chat.updated while the message is the chat's last). A late or repeated ack,
ACK_PENDING, or an error after delivery changes nothing.
"""

from __future__ import annotations

import enum

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_noop

from blazz.core import events, metrics
from blazz.core.errors import Conflict, NotFound
from blazz.core.publisher import publish_on_commit
from chats.language import said
from chats import queue
from chats.errors import ChatErrorCode as Code
from chats.models import Direction, Message, MessageStatus
from chats.services.publish import publish_chat_if_last, schema
from chats.wire import iso
from sessions_wa.contract import ACK_TO_STATUS, STATUS_RANK
from sessions_wa.errors import SessionErrorCode

S = MessageStatus
ACK_ERROR_REASON = gettext_noop("WhatsApp reported an error sending this message.")
# A later tick implies the earlier ones: each tick's time, in order.
TICK_TIMES = ((S.SENT, "sent_at"), (S.DELIVERED, "delivered_at"), (S.READ, "read_at"), (S.PLAYED, "played_at"))
FAILURE_FIELDS = ["failure_reason", "failed_at"]


class Move(enum.StrEnum):
    ACK = "ack"                  # WhatsApp's tick or error (an ack value)
    SEND_FAILED = "send_failed"  # our send will not happen without a retry
    RETRY = "retry"              # the agent's explicit retry
    LINKED = "linked"            # the bridge says WhatsApp has the message
    READ = "read"                # an agent read an inbound message


def status_after(current: str, move: Move, *, ack: int | None = None) -> str | None:
    """The status `move` takes a message in `current` to, or None when it changes nothing."""
    if move is Move.ACK:
        new = ACK_TO_STATUS.get(ack)
        if new is None:
            return None
        if new == S.FAILED:
            return S.FAILED if current in (S.PENDING, S.SENT) else None  # an error after delivery means nothing
        # Failed ranks with pending: ACK_PENDING is no news, a real tick moves it forward.
        return new if STATUS_RANK[new] > STATUS_RANK.get(current, STATUS_RANK[S.PENDING]) else None
    if move is Move.SEND_FAILED:
        return S.FAILED if current == S.PENDING else None
    if move in (Move.RETRY, Move.LINKED):
        return S.PENDING if current == S.FAILED else None
    if move is Move.READ:
        return S.READ if current in STATUS_RANK and STATUS_RANK[current] < STATUS_RANK[S.READ] else None
    raise ValueError(move)


def move(message: Message, how: Move, *, ack: int | None = None, reason: str = "") -> list[str]:
    """Apply `how` to `message`, whose row the caller holds locked, in memory: its status and the
    times and failure that go with it. Publishes message.status (and the chat row while it is
    the chat's last message) after commit. Returns the fields to save ([]: nothing changed)."""
    new = status_after(message.status, how, ack=ack)
    if new is None:
        return []
    now, fields = timezone.now(), ["status"]
    if new == S.FAILED:
        message.failure_reason, message.failed_at = (reason or said(ACK_ERROR_REASON))[:500], now
        fields += FAILURE_FIELDS
    else:
        if message.status == S.FAILED:
            message.failure_reason, message.failed_at = "", None
            fields += FAILURE_FIELDS
        for status, field in TICK_TIMES:
            if STATUS_RANK[status] <= STATUS_RANK[new] and getattr(message, field) is None:
                setattr(message, field, now)
                fields.append(field)
    if "sent_at" in fields and message.direction == Direction.OUT and message.send_queued_at is not None:
        metrics.send_to_sent.observe((now - message.send_queued_at).total_seconds())
    metrics.message_status.labels(new).inc()
    message.status = new
    publish_on_commit(schema(), status_event(message))
    publish_chat_if_last(message)
    return fields


def status_event(message: Message) -> events.MessageStatusChanged:
    at = {S.SENT: message.sent_at, S.DELIVERED: message.delivered_at, S.READ: message.read_at,
          S.PLAYED: message.played_at, S.FAILED: message.failed_at}.get(message.status)
    return events.MessageStatusChanged(
        message_id=message.pk, contact_id=message.contact_id, client_id=message.client_id,
        wa_message_id=message.wa_message_id, status=message.status, failure_reason=message.failure_reason, at=iso(at),
    )


def apply_ack(message: Message, ack: int) -> bool:
    """WhatsApp's ack of our message. Caller holds the row lock. Returns whether the status moved.
    Emits: message.status, chat.updated (while it is the chat's last message)."""
    if message.direction != Direction.OUT:
        return False
    fields = move(message, Move.ACK, ack=ack)
    if fields:
        message.save(update_fields=fields)
    return bool(fields)


def message_mark_failed(*, message_id: int, reason: str) -> Message | None:
    """A send that will not happen without the agent's retry. A message WhatsApp has (a WhatsApp
    id) is never failed here. Emits: message.status, chat.updated."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.wa_message_id:
            return message
        fields = move(message, Move.SEND_FAILED, reason=reason)
        if fields:
            message.save(update_fields=fields)
    return message


def message_retry(*, message: Message) -> Message:
    """failed -> pending, only by this explicit retry; the same client_id goes to the bridge again.
    Emits: message.status."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message.pk).first()
        if message is None:
            raise NotFound(Code.MESSAGE_NOT_FOUND, _("No such message."))
        if message.direction != Direction.OUT:
            raise Conflict(Code.NOT_OUTBOUND, _("Only our own messages can be retried."))
        if status_after(message.status, Move.RETRY) is None:
            raise Conflict(Code.NOT_FAILED, _("The message is %(status)s, not failed.") % {"status": message.status})
        if message.session is None or not message.session.is_connected:
            raise Conflict(SessionErrorCode.SESSION_NOT_CONNECTED, _("Its WhatsApp number is not connected."))
        fields = move(message, Move.RETRY)
        message.send_queued_at = timezone.now()
        message.save(update_fields=[*fields, "send_queued_at"])
        queue.message_send_after_commit(message.pk)
    return message


def messages_mark_read(*, contact_id: int) -> None:
    """Every inbound message of the contact not read yet is read now (an agent opened the chat).
    Needs a transaction. Emits: message.status for each, what REST now says of it."""
    now = timezone.now()
    readable = [status for status in S.values if status_after(status, Move.READ)]
    newly_read = list(Message.objects.filter(contact_id=contact_id, direction=Direction.IN, read_at__isnull=True,
                                             status__in=readable)
                      .values_list("pk", "client_id", "wa_message_id", "failure_reason"))
    Message.objects.filter(pk__in=[row[0] for row in newly_read]).update(read_at=now, status=S.READ)
    publish_on_commit(schema(), *(
        events.MessageStatusChanged(message_id=message_id, contact_id=contact_id, client_id=client_id,
                                    wa_message_id=wa_message_id, status=S.READ, failure_reason=failure_reason,
                                    at=iso(now))
        for message_id, client_id, wa_message_id, failure_reason in newly_read))
