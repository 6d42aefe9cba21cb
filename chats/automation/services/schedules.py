"""Scheduled messages: stored `scheduled` with what to send, editable and cancellable until they
go; sent once when due. The sent message carries the schedule's client_id, so a second attempt
(two sweeps, a worker killed after the send) finds the first message instead of making another."""

from __future__ import annotations

from django.utils.translation import gettext as _
import datetime as dt
import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from blazz.core import events
from blazz.core.errors import Conflict, DomainError, NotFound
from blazz.core.publisher import publish_on_commit
from chats.automation.errors import AutomationErrorCode as Code
from chats.automation.models import ScheduledMessage, ScheduledStatus
from chats.automation.services import governor
from chats.automation.serializers import scheduled_data
from chats.automation.services.templates import template_get, template_send_request
from chats.models import Contact, MessageOrigin
from chats.services import SendRequest, message_send

logger = logging.getLogger(__name__)

EDITABLE = ("send_at", "type", "body", "caption", "media_id", "template_id", "variables", "session_id")
MAX_AHEAD = dt.timedelta(days=366)


def scheduled_create(*, contact: Contact, client_id: str, send_at: dt.datetime, request: SendRequest,
                     template_id=None, variables: dict | None = None, user=None, by_api: bool = False
                     ) -> tuple[ScheduledMessage, bool]:
    """Idempotent by client_id, as sends are. What it will send is checked now (a template's
    variables included), so a bad schedule is a 400 today, not a failure at send time."""
    _check_send_at(send_at)
    existing = ScheduledMessage.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.contact_id != contact.pk:
            raise Conflict("client_id_conflict", _("This client_id was used for a different message."),
                           fields={"client_id": ["used for a different message"]})
        return existing, False
    scheduled = ScheduledMessage(contact=contact, client_id=client_id, send_at=send_at, type=request.type,
                                 body=request.body or "", caption=request.caption or "", media_id=request.media_id,
                                 template_id=template_id, variables=variables or {},
                                 session_id=request.session_id or "", origin_api=by_api,
                                 created_by=user if getattr(user, "pk", None) else None)
    _request_for(scheduled)  # renders the template: missing variables are a 400 now
    scheduled.save()
    _publish(events.ScheduledCreated, scheduled)
    return scheduled, True


def scheduled_update(*, scheduled: ScheduledMessage, **values) -> ScheduledMessage:
    with transaction.atomic():
        scheduled = ScheduledMessage.objects.select_for_update().get(pk=scheduled.pk)
        if scheduled.status != ScheduledStatus.SCHEDULED:
            raise Conflict(Code.SCHEDULED_NOT_EDITABLE, _("This message is %(status)s: it cannot change.") % {"status": scheduled.status})
        for name, value in values.items():
            if name in EDITABLE and value is not None:
                setattr(scheduled, name, value)
        if "send_at" in values and values["send_at"] is not None:
            _check_send_at(values["send_at"])
        _request_for(scheduled)
        scheduled.save()
        _publish(events.ScheduledUpdated, scheduled)
    return scheduled


def scheduled_cancel(*, scheduled: ScheduledMessage) -> ScheduledMessage:
    """Cancel it; cancelling a cancelled one again is fine; a sent one is a 409."""
    with transaction.atomic():
        scheduled = ScheduledMessage.objects.select_for_update().get(pk=scheduled.pk)
        if scheduled.status == ScheduledStatus.CANCELLED:
            return scheduled
        if scheduled.status != ScheduledStatus.SCHEDULED:
            raise Conflict(Code.SCHEDULED_NOT_EDITABLE, _("This message is %(status)s: it cannot be cancelled.") % {"status": scheduled.status})
        scheduled.status = ScheduledStatus.CANCELLED
        scheduled.save(update_fields=["status"])
        _publish(events.ScheduledCancelled, scheduled)
    return scheduled


def scheduled_get(scheduled_id, *, contact: Contact | None = None) -> ScheduledMessage:
    rows = ScheduledMessage.objects.filter(pk=scheduled_id)
    if contact is not None:
        rows = rows.filter(contact=contact)
    scheduled = rows.first()
    if scheduled is None:
        raise NotFound(Code.SCHEDULED_NOT_FOUND, _("No such scheduled message."))
    return scheduled


def scheduled_send_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send what is due, each in its own transaction with its row locked (SKIP LOCKED: two
    sweeps at once share the work, never the same row). Returns how many went."""
    now = now or timezone.now()
    sent = 0
    while sent < limit:
        with transaction.atomic():
            scheduled = (ScheduledMessage.objects.select_for_update(skip_locked=True)
                         .filter(status=ScheduledStatus.SCHEDULED, send_at__lte=now).order_by("send_at", "id").first())
            if scheduled is None:
                break
            if not _send_one(scheduled):
                break  # the send limits are reached: it stays scheduled, the next sweep asks again
            sent += 1
    return sent


def _send_one(scheduled: ScheduledMessage) -> bool:
    try:
        with transaction.atomic():
            pace = governor.pacer(horizon_seconds=settings.AUTOMATION_MAX_SLOT_WAIT_SECONDS)
            message, _created = message_send(contact=scheduled.contact, client_id=scheduled.client_id,
                                             request=_request_for(scheduled), sent_by=scheduled.created_by,
                                             origin=MessageOrigin.SCHEDULE, pace=pace)
    except DomainError as exc:
        if exc.code == Code.SEND_LIMIT_REACHED:
            return False  # the number is gone, the template lost a variable: the agent sees why
        scheduled.status, scheduled.error = ScheduledStatus.FAILED, exc.message[:500]
        scheduled.save(update_fields=["status", "error"])
        _publish(events.ScheduledUpdated, scheduled)
        logger.warning("scheduled message %s failed: %s", scheduled.pk, exc.message)
        return True
    scheduled.status, scheduled.message, scheduled.sent_at = ScheduledStatus.SENT, message, timezone.now()
    scheduled.save(update_fields=["status", "message", "sent_at"])
    _publish(events.ScheduledSent, scheduled)
    return True


def _publish(event_class: type[events.ScheduledCreated], scheduled: ScheduledMessage) -> None:
    """To the inbox once the change commits (the thread's scheduled list follows it)."""
    publish_on_commit(connection.schema_name, event_class(contact_id=scheduled.contact_id,
                                                          scheduled=scheduled_data(scheduled)))


def _request_for(scheduled: ScheduledMessage) -> SendRequest:
    if scheduled.template_id:
        return template_send_request(template_get(scheduled.template_id), contact=scheduled.contact,
                                     agent=scheduled.created_by, workspace=getattr(connection, "tenant", None),
                                     values=scheduled.variables, session_id=scheduled.session_id or None)
    return SendRequest(type=scheduled.type, body=scheduled.body, caption=scheduled.caption,
                       media_id=str(scheduled.media_id) if scheduled.media_id else None,
                       session_id=scheduled.session_id or None)


def _check_send_at(send_at: dt.datetime) -> None:
    now = timezone.now()
    if send_at > now + MAX_AHEAD:
        raise DomainError(Code.SEND_AT_INVALID, _("send_at is more than a year ahead."), fields={"send_at": ["too far"]})
    if send_at < now - dt.timedelta(minutes=1):
        raise DomainError(Code.SEND_AT_INVALID, _("send_at is in the past."), fields={"send_at": ["in the past"]})
