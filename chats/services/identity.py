"""LID identities (docs/bridge.md "LID identities"): WhatsApp addresses some customers by a LID
(`<digits>@lid`) instead of their phone id (`<digits>@c.us`). A contact keeps both: `wa_id` (the
phone id, or the LID while the phone is unknown) and `lid`. When WhatsApp tells us both ids (a
`contact.identity` event, or a message carrying `chat_lid` and `chat_phone_id`), they become one
contact: a contact keyed by the LID alone takes the phone id, or, when the phone's contact exists
too, is merged into it (messages, labels, notes, everything pointing at it). Either id then finds
the contact (chats.store.contact_by_wa_id), and a send goes to its wa_id (the bridge takes both)."""

from __future__ import annotations

from django.db import transaction

from blazz.core import events
from blazz.core.publisher import publish_on_commit
from chats.models import Contact, Message
from chats.phones import phone_from_chat_id
from chats.services.contacts import contact_get_or_create
from chats.services.publish import publish_chat, schema
from sessions_wa.models import WhatsAppSession

LID_SUFFIX, PHONE_SUFFIX = "@lid", "@c.us"


def chat_ids(data: dict) -> tuple[str | None, str | None]:
    """(phone id, LID) of a message event's chat, each None when unknown."""
    chat_id = data.get("chat_id") or ""
    phone_id = data.get("chat_phone_id") or (chat_id if chat_id.endswith(PHONE_SUFFIX) else None)
    lid = data.get("chat_lid") or (chat_id if chat_id.endswith(LID_SUFFIX) else None)
    return phone_id, lid


def contact_for_chat(*, data: dict, push_name: str = "", session: WhatsAppSession | None = None) -> Contact:
    """The contact of a message event's chat, mapping its LID to its phone when the event names both."""
    phone_id, lid = chat_ids(data)
    if phone_id and lid:
        return contact_map_identity(lid=lid, phone_id=phone_id, push_name=push_name, session=session)
    return contact_get_or_create(wa_id=data["chat_id"], push_name=push_name, session=session)


def contact_map_identity(*, lid: str, phone_id: str, push_name: str = "",
                         session: WhatsAppSession | None = None) -> Contact:
    """`lid` and `phone_id` are one person: their one contact, merged from two when both existed.
    Idempotent. Emits: contact.merged and chat.updated when two became one."""
    with transaction.atomic():
        by_phone = Contact.objects.select_for_update().filter(wa_id=phone_id).first()
        by_lid = (Contact.objects.select_for_update().filter(wa_id=lid) | Contact.objects.select_for_update()
                  .filter(lid=lid)).exclude(pk=getattr(by_phone, "pk", None)).first()
        if by_phone is None and by_lid is None:
            contact = contact_get_or_create(wa_id=phone_id, push_name=push_name, session=session)
            Contact.objects.filter(pk=contact.pk).update(lid=lid)
            contact.lid = lid
            return contact
        if by_phone is None:  # known by the LID only: it learns its phone
            by_lid.wa_id, by_lid.phone, by_lid.lid = phone_id, phone_from_chat_id(phone_id), lid
            by_lid.save(update_fields=["wa_id", "phone", "lid", "updated_at"])
            publish_chat(by_lid.pk)
            return by_lid
        if by_lid is not None:
            _merge(by_lid, into=by_phone)
        if by_phone.lid != lid:
            by_phone.lid = lid
            by_phone.save(update_fields=["lid", "updated_at"])
        return by_phone


def _merge(source: Contact, *, into: Contact) -> None:
    """Everything of `source` moves to `into`, then `source` goes. The caller holds both rows locked."""
    source_id = source.pk
    for relation in Contact._meta.related_objects:
        if relation.many_to_many or relation.related_model is Contact:
            continue
        relation.related_model.objects.filter(**{relation.field.name: source}).update(**{relation.field.name: into})
    into.labels.add(*source.labels.all())
    into.unread_count += source.unread_count
    into.tags = list(dict.fromkeys([*into.tags, *source.tags]))
    into.custom_fields = {**source.custom_fields, **into.custom_fields}
    into.name = into.name or source.name
    into.push_name = into.push_name or source.push_name
    into.assignee_id = into.assignee_id or source.assignee_id
    newest = Message.objects.filter(contact=into).order_by("-timestamp", "-id").first()
    into.last_message, into.last_message_at = newest, getattr(newest, "timestamp", None)
    Contact.objects.filter(pk=source_id).update(lid=None, last_message=None)
    source.delete()
    into.save()
    publish_on_commit(schema(), events.ContactMerged(contact_id=source_id, into_contact_id=into.pk))
    publish_chat(into.pk)
