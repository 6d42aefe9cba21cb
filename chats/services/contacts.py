"""Contacts: found or made from a WhatsApp id or a phone number, and what agents and CRMs change
on them."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from blazz.core.errors import DomainError, NotFound
from chats import store
from chats.errors import ChatErrorCode
from chats.models import Contact
from chats.phones import normalise_phone, phone_from_chat_id
from chats.services.fields import custom_values_clean
from chats.services.publish import publish_chat
from chats.services.team import chat_update
from sessions_wa.models import WhatsAppSession
from sessions_wa.selectors import session_default


def contact_get_or_create(*, wa_id: str, push_name: str = "", session: WhatsAppSession | None = None) -> Contact:
    """The contact with this WhatsApp id, created when new (safe under concurrent first messages)."""
    contact = store.contact_by_wa_id(wa_id)
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
                wa_id=wa_id, phone=e164, name=(name or "").strip()[:200],
                custom_fields=custom_values_clean(custom_fields or {}),
                tags=tags or [], session=session_default(),
            )
    except IntegrityError:
        return Contact.objects.get(wa_id=wa_id), False
    return contact, True


def contact_update(*, contact: Contact, name: str | None = None, custom_fields: dict | None = None,
                   tags: list | None = None, assignee_id: int | None = None, assignee_set: bool = False,
                   by=None) -> Contact:
    """Emits: chat.updated (and chat.assigned through chats/services/team.py when the assignee
    changes)."""
    with transaction.atomic():
        if assignee_set:
            chat_update(contact=locked_contact(contact.pk), by=by, assignee_id=assignee_id)
        contact = locked_contact(contact.pk)
        if name is not None:
            contact.name = name.strip()[:200]
        if custom_fields is not None:
            contact.custom_fields = custom_values_clean(custom_fields)
        if tags is not None:
            contact.tags = tags
        contact.save()
        publish_chat(contact.pk)
    return contact


def locked_contact(contact_id: int) -> Contact:
    """The contact's row, locked till the transaction ends; 404 when it is gone (deleted while the
    request that found it ran: the answer is the one a later request would get)."""
    contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(ChatErrorCode.CONTACT_NOT_FOUND, _("No such contact."))
    return contact


def contact_delete(*, contact: Contact) -> None:
    contact.delete()
