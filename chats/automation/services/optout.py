"""Opt-out: a contact who writes one of the workspace's stop keywords (services/config.py) is left
out of later broadcasts; agents see and change it on the contact. Replies to the contact's own
messages are not affected."""

from __future__ import annotations

from chats.automation.models import OptOut
from chats.models import Contact


def optout_set(*, contact: Contact, opted_out: bool, reason: str = "") -> bool:
    """Idempotent; returns whether the contact is opted out now."""
    if opted_out:
        OptOut.objects.get_or_create(contact=contact, defaults={"reason": reason[:200]})
    else:
        OptOut.objects.filter(contact=contact).delete()
    return opted_out


def optout_get(contact: Contact) -> OptOut | None:
    return OptOut.objects.filter(contact=contact).first()
