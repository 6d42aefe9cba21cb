"""The team workflow on a chat: its status (THE conversation status machine), its assignee and its
labels, the thread's system lines that say who did what, snoozes that end, and round-robin
auto-assignment among the members online in the inbox.

Status: open, pending (waiting on the customer), resolved, snoozed (until `snoozed_until`). Any
status may follow any other; `snoozed` needs a time in the future and only `snoozed` keeps one.
A customer's message reopens a resolved or snoozed chat; beat reopens snoozes whose time passed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from blazz.core import events
from blazz.core.errors import Conflict, DomainError
from blazz.core.publisher import publish_on_commit
from chats import online
from chats.errors import ChatErrorCode as Code
from chats.models import ChatStatus, Contact, Direction, InboxSettings, Label, Message, MessageOrigin, SYSTEM
from chats.serializers import message_data, user_ref, without_reactions
from chats.services.publish import publish_chat, schema
from sessions_wa.contract import MessageStatus

UNSET: Any = object()
REOPENED_BY = {"customer": "Reopened: the customer wrote", "snooze": "Reopened: the snooze ended"}


def _name(user) -> str:
    return (user.get_full_name() or user.email) if user is not None else "Blazz"


def member_ids() -> set[int]:
    """The user ids of this workspace's members (the public schema's memberships)."""
    from workspaces.models import Membership

    return set(Membership.objects.filter(workspace__schema_name=schema()).values_list("user_id", flat=True))


def _member(user_id: int):
    from django.contrib.auth import get_user_model

    if user_id not in member_ids():
        raise DomainError(Code.ASSIGNEE_NOT_MEMBER, _("The assignee must be a member of this workspace."),
                          fields={"assignee_id": ["not a member"]})
    return get_user_model().objects.get(pk=user_id)


def mentioned_members(body: str) -> list:
    """The members a note names with @ (their email, or its part before the @)."""
    import re

    from django.contrib.auth import get_user_model

    words = {w.lower() for w in re.findall(r"@([\w.+-]+(?:@[\w.-]+)?)", body or "")}
    if not words:
        return []
    users = get_user_model().objects.filter(pk__in=member_ids())
    return [u for u in users if u.email.lower() in words or u.email.lower().split("@")[0] in words]


def _system_line(contact_id: int, body: str, by, data: dict) -> None:
    """A line in the thread ("Ana assigned this to Budi"): a message of type `system` that never
    leaves Blazz, nor moves the chat in the list. `body` is the English (exports, CRMs); `data`
    the facts each viewer's language renders ({kind, by, to, status, until, reason}). Emits:
    message.new."""
    message = Message.objects.create(
        contact_id=contact_id, direction=Direction.OUT, type=SYSTEM, origin=MessageOrigin.SYSTEM, body=body,
        system_data=data, status=MessageStatus.SENT, sent_by=by, timestamp=timezone.now())
    data = message_data(without_reactions(message))
    publish_on_commit(schema(), events.MessageNew(message=data))


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _apply_status(contact: Contact, status: str, snoozed_until: dt.datetime | None, by, *, reason: str = "") -> None:
    previous = contact.status
    if status == ChatStatus.SNOOZED:
        if snoozed_until is None or snoozed_until <= timezone.now():
            raise DomainError(Code.SNOOZE_TIME_INVALID, _("A snooze needs a time in the future."),
                              fields={"snoozed_until": ["a future time is required"]})
    else:
        snoozed_until = None
    if previous == status and contact.snoozed_until == snoozed_until:
        return
    contact.status, contact.snoozed_until = status, snoozed_until
    if reason:
        line, data = REOPENED_BY[reason], {"kind": "reopened", "reason": reason}
    else:
        verb = {ChatStatus.OPEN: "reopened this", ChatStatus.PENDING: "marked this pending",
                ChatStatus.RESOLVED: "resolved this",
                ChatStatus.SNOOZED: f"snoozed this until {snoozed_until:%Y-%m-%d %H:%M} UTC" if snoozed_until else ""}
        line = f"{_name(by)} {verb[status]}"
        data = {"kind": "status", "status": status, "by": _name(by), "until": _iso(snoozed_until)}
    _system_line(contact.pk, line, by, data)
    publish_on_commit(schema(), events.ChatStatusChanged(
        contact_id=contact.pk, status=status, previous=previous, snoozed_until=_iso(snoozed_until), by=user_ref(by)))


def _apply_assignee(contact: Contact, assignee, by, *, auto: bool = False) -> None:
    previous = contact.assignee_id
    new_id = assignee.pk if assignee is not None else None
    if previous == new_id:
        return
    contact.assignee_id = new_id
    if auto:
        kind, line = "auto_assigned", f"Auto-assigned to {_name(assignee)}"
    elif assignee is None:
        kind, line = "unassigned", f"{_name(by)} unassigned this"
    elif by is not None and by.pk == new_id:
        kind, line = "took", f"{_name(by)} took this"
    else:
        kind, line = "assigned", f"{_name(by)} assigned this to {_name(assignee)}"
    data = {"kind": kind, "by": _name(by), "to": _name(assignee) if assignee is not None else None}
    _system_line(contact.pk, line, by, data)
    publish_on_commit(schema(), events.ChatAssigned(contact_id=contact.pk, assignee=user_ref(assignee),
                                                    previous_assignee_id=previous, by=user_ref(by)))


def chat_update(*, contact: Contact, by=None, status: str | None = None, snoozed_until: dt.datetime | None = None,
                assignee_id: int | None = UNSET, label_ids: list[int] | None = None) -> Contact:
    """What an agent or a CRM changes on a conversation, in one transaction; a repeat changes
    nothing. Emits: chat.status, chat.assigned (each with its system line's message.new),
    chat.updated."""
    assignee = UNSET
    if assignee_id is not UNSET:
        assignee = _member(assignee_id) if assignee_id is not None else None
    labels = None
    if label_ids is not None:
        labels = list(Label.objects.filter(pk__in=set(label_ids)))
        if len(labels) != len(set(label_ids)):
            raise DomainError(Code.LABEL_NOT_FOUND, _("No such label."), fields={"label_ids": ["unknown label"]})
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        before = (locked.status, locked.snoozed_until, locked.assignee_id)
        if status is not None:
            _apply_status(locked, status, snoozed_until, by)
        if assignee is not UNSET:
            _apply_assignee(locked, assignee, by)
        if (locked.status, locked.snoozed_until, locked.assignee_id) != before:
            locked.save(update_fields=["status", "snoozed_until", "assignee", "updated_at"])
        labels_changed = labels is not None and {label.pk for label in labels} != set(
            locked.labels.values_list("pk", flat=True))
        if labels_changed:
            locked.labels.set(labels)
        if labels_changed or (locked.status, locked.snoozed_until, locked.assignee_id) != before:
            publish_chat(locked.pk)
    return locked


def chat_reopen(*, contact_id: int, reason: str, now: dt.datetime | None = None) -> bool:
    """A customer's message (`customer`) or beat (`snooze`) reopens a resolved or snoozed chat,
    inside the caller's transaction; then auto-assigns it if it has no assignee. Returns whether
    it reopened. Emits: chat.status and its system line, chat.updated."""
    contact = Contact.objects.select_for_update().get(pk=contact_id)
    allowed = (ChatStatus.RESOLVED, ChatStatus.SNOOZED) if reason == "customer" else (ChatStatus.SNOOZED,)
    if contact.status not in allowed or (reason == "snooze" and contact.snoozed_until > (now or timezone.now())):
        return False
    _apply_status(contact, ChatStatus.OPEN, None, None, reason=reason)
    if contact.assignee_id is None:
        _auto_assign(contact)
    contact.save(update_fields=["status", "snoozed_until", "assignee", "updated_at"])
    publish_chat(contact.pk)
    return True


def chat_auto_assign(*, contact_id: int) -> bool:
    """A new chat without an assignee, when the workspace assigns automatically (inside the
    caller's transaction). Emits: chat.assigned and its system line, chat.updated."""
    contact = Contact.objects.select_for_update().get(pk=contact_id)
    if contact.assignee_id is not None or not _auto_assign(contact):
        return False
    contact.save(update_fields=["assignee", "updated_at"])
    publish_chat(contact.pk)
    return True


def _auto_assign(contact: Contact) -> bool:
    """Round robin: the next member online in the inbox, after the last one chosen, among those
    under the cap of open chats. The settings row is locked, so concurrent chats take turns."""
    settings_row = inbox_settings(for_update=True)
    if not settings_row.auto_assign:
        return False
    candidates = sorted(online.user_ids(schema()) & member_ids())
    if not candidates:
        return False
    loads = dict(Contact.objects.filter(assignee_id__in=candidates, status=ChatStatus.OPEN)
                 .values_list("assignee_id").annotate(n=Count("id")))
    eligible = [uid for uid in candidates if loads.get(uid, 0) < settings_row.auto_assign_cap]
    if not eligible:
        return False
    last = settings_row.last_auto_assignee_id or 0
    chosen = next((uid for uid in eligible if uid > last), eligible[0])
    settings_row.last_auto_assignee_id = chosen
    settings_row.save(update_fields=["last_auto_assignee_id"])
    from django.contrib.auth import get_user_model

    _apply_assignee(contact, get_user_model().objects.get(pk=chosen), None, auto=True)
    return True


def chats_wake_snoozed(*, now: dt.datetime | None = None) -> int:
    """Beat: every snoozed chat whose time has come is open again. Returns how many."""
    now = now or timezone.now()
    ids = list(Contact.objects.filter(status=ChatStatus.SNOOZED, snoozed_until__lte=now).values_list("pk", flat=True))
    woken = 0
    for contact_id in ids:
        with transaction.atomic():
            woken += chat_reopen(contact_id=contact_id, reason="snooze", now=now)
    return woken


def label_save(label: Label) -> Label:
    """A new or renamed label (names are unique: 409 label_name_taken)."""
    try:
        with transaction.atomic():
            label.save()
    except IntegrityError:
        raise Conflict(Code.LABEL_NAME_TAKEN, _("A label with this name exists."), fields={"name": ["taken"]})
    return label


def label_delete(*, label: Label) -> None:
    """Off every chat it was on. Emits: chat.updated for each of them."""
    with transaction.atomic():
        contact_ids = list(label.contacts.values_list("pk", flat=True))
        label.delete()
        for contact_id in contact_ids:
            publish_chat(contact_id)


def inbox_settings(*, for_update: bool = False) -> InboxSettings:
    rows = InboxSettings.objects.select_for_update() if for_update else InboxSettings.objects
    row = rows.filter(pk=1).first()
    if row is None:
        row, _created = InboxSettings.objects.get_or_create(pk=1)
    return row


def inbox_settings_update(**values) -> InboxSettings:
    with transaction.atomic():
        row = inbox_settings(for_update=True)
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
    return row
