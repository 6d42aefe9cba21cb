"""Opt-out: a contact who writes a stop keyword (AUTOMATION_OPT_OUT_KEYWORDS: STOP, BERHENTI,
UNSUBSCRIBE) is left out of later broadcasts; agents see and change it on the contact. Replies to
the contact's own messages are not affected."""

from __future__ import annotations

from django.conf import settings

from chats.automation.models import OptOut
from chats.automation.services.matching import normalise
from chats.models import Contact


def is_stop_keyword(text: str) -> bool:
    words = {normalise(k) for k in settings.AUTOMATION_OPT_OUT_KEYWORDS}
    return normalise(text).strip(" .!") in words


def optout_set(*, contact: Contact, opted_out: bool, reason: str = "") -> bool:
    """Idempotent; returns whether the contact is opted out now."""
    if opted_out:
        OptOut.objects.get_or_create(contact=contact, defaults={"reason": reason[:200]})
    else:
        OptOut.objects.filter(contact=contact).delete()
    return opted_out


def optout_get(contact: Contact) -> OptOut | None:
    return OptOut.objects.filter(contact=contact).first()
