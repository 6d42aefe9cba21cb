"""Broadcasts: one template to an audience (labels, custom-field values, or a CSV's rows), sent
through the number's governor by a worker's tick, each recipient once: the recipient row turns
`sent` in the transaction that stores its message, whose client_id (`bc-{broadcast}-{recipient}`)
is unique. A tick killed with its worker loses nothing: beat starts another (broadcasts_kick)."""

from __future__ import annotations

from django.utils.translation import gettext as _, gettext_noop
import csv
import io
import logging
import time
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from blazz.core.errors import Conflict, DomainError, NotFound
from chats.language import said
from chats.automation.errors import AutomationErrorCode as Code
from chats.automation.models import (Broadcast, BroadcastRecipient, BroadcastStatus, OptOut, RecipientStatus)
from chats.automation.services import governor
from chats.automation.services.templates import template_get, template_send_request
from chats.models import Contact, Direction, MessageOrigin, MessageStatus
from chats.services import message_send
from chats.services.contacts import contact_create
from chats.services.variables import VariablesMissing
from sessions_wa import store as sessions_store
from sessions_wa.selectors import session_default

logger = logging.getLogger(__name__)

TICK_SECONDS = 20.0
STALE_TICK = timedelta(seconds=45)
SPIKE_WINDOW, SPIKE_MIN, SPIKE_RATIO = 20, 10, 0.5
CSV_MAX_ROWS = 50_000


def broadcast_get(broadcast_id) -> Broadcast:
    broadcast = Broadcast.objects.select_related("template", "session").filter(pk=broadcast_id).first()
    if broadcast is None:
        raise NotFound(Code.BROADCAST_NOT_FOUND, _("No such broadcast."))
    return broadcast


def broadcast_create(*, name: str, template_id: int, session_id: str | None = None, audience: dict | None = None,
                     csv_text: str | None = None, user=None) -> tuple[Broadcast, list[dict]]:
    """A draft broadcast with its recipients; returns it and the CSV's bad rows ({line, reason})."""
    template = template_get(template_id)
    session = sessions_store.session_by_id(session_id, live=True) if session_id else session_default()
    if session is None:
        raise DomainError(Code.BROADCAST_INVALID, _("Connect a WhatsApp number first."), fields={"session_id": ["none"]})
    audience = audience or {}
    rows, bad = _csv_rows(csv_text) if csv_text else ([], [])
    if not csv_text and not (audience.get("labels") or audience.get("custom_fields") or audience.get("all")):
        raise DomainError(Code.BROADCAST_INVALID, _("Choose an audience: labels, custom fields or a CSV."),
                          fields={"audience": ["required"]})
    with transaction.atomic():
        broadcast = Broadcast.objects.create(name=name, template=template, session=session, audience=audience,
                                             created_by=user if getattr(user, "pk", None) else None)
        opted_out = set(OptOut.objects.values_list("contact_id", flat=True))
        recipients = {}
        if not csv_text:
            for contact in _audience(audience).order_by("pk"):
                recipients[contact.pk] = (contact, {})
        for line, contact, variables in rows:
            recipients.setdefault(contact.pk, (contact, variables))
        workspace = getattr(connection, "tenant", None)
        objects = []
        for contact, variables in recipients.values():
            recipient = BroadcastRecipient(broadcast=broadcast, contact=contact, variables=variables)
            if contact.pk in opted_out:
                recipient.status, recipient.error = RecipientStatus.SKIPPED, "opted out"
            else:
                try:
                    template_send_request(template, contact=contact, workspace=workspace, values=variables)
                except VariablesMissing as exc:
                    recipient.status, recipient.error = RecipientStatus.SKIPPED, exc.message[:300]
            objects.append(recipient)
        BroadcastRecipient.objects.bulk_create(objects, batch_size=1000)
    return broadcast, bad


def _audience(audience: dict):
    contacts = Contact.objects.exclude(wa_id__endswith="@g.us")
    if audience.get("all"):
        return contacts
    labels = audience.get("labels") or []
    if labels:  # the team inbox's labels, by id or by name: a contact with any of them
        ids = [label for label in labels if isinstance(label, int)]
        names = [str(label) for label in labels if not isinstance(label, int)]
        contacts = contacts.filter(pk__in=Contact.labels.through.objects.filter(
            Q(label_id__in=ids) | Q(label__name__in=names)).values("contact_id"))
    for field, value in (audience.get("custom_fields") or {}).items():
        contacts = contacts.filter(**{f"custom_fields__{field}": value})
    return contacts


PHONE_COLUMNS, NAME_COLUMNS = ("phone", "phone_number", "number", "nomor", "telepon", "hp"), ("name", "nama")


def _csv_rows(text: str) -> tuple[list, list[dict]]:
    """Rows of `phone,<variable>,...` (comma, semicolon or tab; a phone in any form phonenumbers
    reads with the workspace's country): good ones as contacts (created when new) with their
    variables, bad ones reported with their line and reason."""
    text = text.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [c.strip() for c in next(reader, [])]
    lowered = [c.lower() for c in header]
    phone_at = next((i for i, c in enumerate(lowered) if c in PHONE_COLUMNS), None)
    if phone_at is None:
        raise DomainError(Code.BROADCAST_INVALID, _("The CSV needs a phone column."), fields={"csv": ["no phone column"]})
    name_at = next((i for i, c in enumerate(lowered) if c in NAME_COLUMNS), None)
    good, bad, seen = [], [], set()
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if number > CSV_MAX_ROWS + 1:
            bad.append({"line": number, "reason": f"past the {CSV_MAX_ROWS}-row limit"})
            break
        row = {header[i]: cell.strip() for i, cell in enumerate(cells) if i < len(header) and header[i]}
        phone = cells[phone_at].strip() if phone_at < len(cells) else ""
        name = cells[name_at].strip() if name_at is not None and name_at < len(cells) else ""
        if not phone:
            bad.append({"line": number, "reason": "no phone number"})
            continue
        try:
            contact, _created = contact_create(phone=phone, name=name)
        except DomainError as exc:
            bad.append({"line": number, "reason": exc.message})
            continue
        if contact.pk in seen:
            bad.append({"line": number, "reason": "the same phone again"})
            continue
        seen.add(contact.pk)
        skip = {header[phone_at], header[name_at] if name_at is not None else None}
        good.append((number, contact, {k: v for k, v in row.items() if k not in skip and v}))
    return good, bad


def broadcast_start(*, broadcast: Broadcast, start_at=None) -> Broadcast:
    """Start now or at `start_at`; a paused one resumes. Idempotent."""
    from chats.automation import queue

    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        if broadcast.status in (BroadcastStatus.COMPLETED, BroadcastStatus.CANCELLED):
            raise Conflict(Code.BROADCAST_FINISHED, _("This broadcast is %(status)s.") % {"status": broadcast.status})
        if broadcast.status == BroadcastStatus.RUNNING:
            return broadcast
        if start_at is not None and start_at > timezone.now():
            broadcast.status, broadcast.start_at = BroadcastStatus.SCHEDULED, start_at
        else:
            broadcast.status, broadcast.pause_reason = BroadcastStatus.RUNNING, ""
            broadcast.started_at = broadcast.started_at or timezone.now()
            broadcast.ticked_at = timezone.now()
            queue.broadcast_tick_after_commit(broadcast.pk)
        broadcast.save()
    return broadcast


def broadcast_pause(*, broadcast: Broadcast, reason: str = "Paused by a user") -> Broadcast:
    return _set_status(broadcast, BroadcastStatus.PAUSED, reason,
                       allowed=(BroadcastStatus.RUNNING, BroadcastStatus.SCHEDULED, BroadcastStatus.PAUSED))


def broadcast_cancel(*, broadcast: Broadcast) -> Broadcast:
    return _set_status(broadcast, BroadcastStatus.CANCELLED, "", allowed=(
        BroadcastStatus.DRAFT, BroadcastStatus.SCHEDULED, BroadcastStatus.RUNNING, BroadcastStatus.PAUSED,
        BroadcastStatus.CANCELLED))


def _set_status(broadcast: Broadcast, status: str, reason: str, *, allowed) -> Broadcast:
    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        if broadcast.status not in allowed:
            raise Conflict(Code.BROADCAST_FINISHED, _("This broadcast is %(status)s.") % {"status": broadcast.status})
        broadcast.status, broadcast.pause_reason = status, reason[:300]
        if status == BroadcastStatus.CANCELLED:
            broadcast.finished_at = broadcast.finished_at or timezone.now()
        broadcast.save()
    return broadcast


def broadcast_tick(*, broadcast_id: int, budget_seconds: float = TICK_SECONDS) -> float | None:
    """Send queued recipients at the governor's pace for up to `budget_seconds`. Returns the
    seconds after which the next tick should run, or None when there is nothing more to do."""
    deadline = time.monotonic() + budget_seconds
    while time.monotonic() < deadline:
        broadcast = Broadcast.objects.select_related("session", "template__media").filter(pk=broadcast_id).first()
        if broadcast is None or broadcast.status != BroadcastStatus.RUNNING:
            return None
        Broadcast.objects.filter(pk=broadcast_id).update(ticked_at=timezone.now())
        if not broadcast.session.is_connected:
            broadcast_pause(broadcast=broadcast, reason=said(gettext_noop("The number is %(status)s."),
                                                                       status=broadcast.session.status))
            return None
        if _failure_spike(broadcast):
            broadcast_pause(broadcast=broadcast, reason=said(gettext_noop("Paused: many recent messages failed.")))
            return None
        if not broadcast.recipients.filter(status=RecipientStatus.QUEUED).exists():
            Broadcast.objects.filter(pk=broadcast_id, status=BroadcastStatus.RUNNING).update(
                status=BroadcastStatus.COMPLETED, finished_at=timezone.now())
            return None
        delay = governor.reserve(broadcast.session, horizon_seconds=max(0.0, deadline - time.monotonic()))
        if delay < 0:  # the caps are reached: the next tick then (beat's kick leaves it alone until)
            Broadcast.objects.filter(pk=broadcast_id).update(ticked_at=timezone.now() + timedelta(seconds=-delay))
            return -delay
        time.sleep(delay)
        _send_next(broadcast)
    return 0.0


def _send_next(broadcast: Broadcast) -> None:
    with transaction.atomic():
        recipient = (BroadcastRecipient.objects.select_for_update(skip_locked=True).select_related("contact")
                     .filter(broadcast=broadcast, status=RecipientStatus.QUEUED).order_by("id").first())
        if recipient is None:
            return
        try:
            with transaction.atomic():
                request = template_send_request(broadcast.template, contact=recipient.contact,
                                                workspace=getattr(connection, "tenant", None),
                                                values=recipient.variables, session_id=broadcast.session_id)
                message, _created = message_send(contact=recipient.contact, client_id=f"bc-{broadcast.pk}-{recipient.pk}",
                                          request=request, origin=MessageOrigin.BROADCAST)
        except DomainError as exc:
            recipient.status, recipient.error = RecipientStatus.FAILED, exc.message[:300]
        else:
            recipient.status, recipient.message = RecipientStatus.SENT, message
        recipient.sent_at = timezone.now()
        recipient.save(update_fields=["status", "error", "message", "sent_at"])


def _failure_spike(broadcast: Broadcast) -> bool:
    recent = list(broadcast.recipients.filter(status__in=(RecipientStatus.SENT, RecipientStatus.FAILED))
                  .order_by("-sent_at", "-id").values_list("status", "message__status")[:SPIKE_WINDOW])
    failed = sum(1 for status, message_status in recent
                 if status == RecipientStatus.FAILED or message_status == MessageStatus.FAILED)
    return len(recent) >= SPIKE_MIN and failed / len(recent) >= SPIKE_RATIO


def broadcasts_kick() -> int:
    """Beat's sweep: start scheduled broadcasts that are due, and give a running broadcast whose
    tick went silent (its worker died) a new one."""
    from chats.automation import queue

    now = timezone.now()
    for broadcast in Broadcast.objects.filter(status=BroadcastStatus.SCHEDULED, start_at__lte=now):
        broadcast_start(broadcast=broadcast)
    stale = list(Broadcast.objects.filter(status=BroadcastStatus.RUNNING).filter(
        Q(ticked_at__lt=now - STALE_TICK) | Q(ticked_at__isnull=True)).values_list("pk", flat=True))
    for broadcast_id in stale:
        Broadcast.objects.filter(pk=broadcast_id).update(ticked_at=now)
        with transaction.atomic():
            queue.broadcast_tick_after_commit(broadcast_id)
    return len(stale)


def broadcast_progress(broadcast: Broadcast) -> dict:
    """Counts for the live progress view: recipients by state, and their messages' ticks."""
    recipients = broadcast.recipients
    by_status = dict(recipients.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    ticks = dict(recipients.filter(message__isnull=False).values_list("message__status")
                 .annotate(n=Count("id")).values_list("message__status", "n"))
    replied = recipients.filter(sent_at__isnull=False, contact__messages__direction=Direction.IN,
                                contact__messages__created_at__gt=broadcast.started_at or timezone.now()
                                ).values("contact_id").distinct().count()
    delivered = sum(ticks.get(s, 0) for s in (MessageStatus.DELIVERED, MessageStatus.READ, MessageStatus.PLAYED))
    read = sum(ticks.get(s, 0) for s in (MessageStatus.READ, MessageStatus.PLAYED))
    return {"total": sum(by_status.values()), "queued": by_status.get(RecipientStatus.QUEUED, 0),
            "skipped": by_status.get(RecipientStatus.SKIPPED, 0),
            "sent": sum(ticks.get(s, 0) for s in (MessageStatus.SENT,)) + delivered,
            "delivered": delivered, "read": read,
            "failed": by_status.get(RecipientStatus.FAILED, 0) + ticks.get(MessageStatus.FAILED, 0),
            "pending": ticks.get(MessageStatus.PENDING, 0), "replied": replied}


def broadcast_estimate_seconds(broadcast: Broadcast) -> float:
    queued = broadcast.recipients.filter(status=RecipientStatus.QUEUED).count()
    return governor.limits_for(broadcast.session).seconds_for(queued)
