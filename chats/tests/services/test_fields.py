"""Custom contact fields: definitions, and a contact's values checked against their type; and the
facts each system line keeps so every viewer reads it in their language."""

import datetime as dt

import pytest
from django.utils import timezone

from blazz.core.errors import Conflict, DomainError
from chats import online, services
from chats.models import ChatStatus, Contact, CustomField, Message
from chats.services import fields
from chats.tests.services.conftest import received


def facts(contact):
    return list(Message.objects.filter(contact=contact, type="system").order_by("id")
                .values_list("system_data", flat=True))


def test_values_of_every_type_are_stored_as_their_type(acme):
    CustomField.objects.create(key="seats", name="Seats", type="number")
    CustomField.objects.create(key="since", name="Since", type="date")
    CustomField.objects.create(key="plan", name="Plan", type="choice", choices=["free", "pro"])

    contact = services.contact_update(contact=acme.contact, custom_fields={
        "seats": 2.5, "since": "2026-12-03", "plan": "free", "crm": [1, 2]})

    assert Contact.objects.get(pk=contact.pk).custom_fields == {"seats": 2.5, "since": "2026-12-03", "plan": "free",
                                                                "crm": [1, 2]}


def test_every_misfit_is_named_at_once(acme):
    CustomField.objects.create(key="seats", name="Seats", type="number")
    CustomField.objects.create(key="since", name="Since", type="date")

    with pytest.raises(DomainError) as error:
        services.contact_update(contact=acme.contact, custom_fields={"seats": "2", "since": 20261203})

    assert error.value.code == "custom_field_invalid"
    assert set(error.value.fields) == {"custom_fields.seats", "custom_fields.since"}
    assert Contact.objects.get(pk=acme.contact.pk).custom_fields == {}


def test_a_new_contact_by_phone_is_checked_too(acme):
    CustomField.objects.create(key="seats", name="Seats", type="number")

    with pytest.raises(DomainError):
        services.contact_create(phone="+6281299990000", custom_fields={"seats": "many"})


def test_a_choice_field_keeps_distinct_trimmed_choices_and_others_keep_none(acme):
    choice = fields.custom_field_save(CustomField(key="plan", name="Plan", type="choice", choices=[" free", "pro", ""]))
    text = fields.custom_field_save(CustomField(key="note", name="Note", type="text", choices=["ignored"]))

    assert (choice.choices, text.choices) == (["free", "pro"], [])
    with pytest.raises(DomainError):
        fields.custom_field_save(CustomField(key="dup", name="Dup", type="choice", choices=["a", "a"]))
    with pytest.raises(Conflict):
        fields.custom_field_save(CustomField(key="plan", name="Again", type="text"))


def test_lines_keep_their_facts_reopen_and_snooze_included(world, acme, monkeypatch):
    until = timezone.now() + dt.timedelta(hours=1)
    services.chat_update(contact=acme.contact, by=world.agent_a, status=ChatStatus.SNOOZED, snoozed_until=until)
    services.message_apply_received(session=acme.session, data=received(acme, "in-1"))
    services.inbox_settings_update(auto_assign=True)
    monkeypatch.setattr(online, "user_ids", lambda schema: {world.agent_a.pk})
    services.chat_update(contact=acme.contact, by=world.agent_a, status=ChatStatus.RESOLVED)
    services.message_apply_received(session=acme.session, data=received(acme, "in-2"))
    services.chat_update(contact=acme.contact, by=world.agent_a, assignee_id=world.agent_a.pk)

    assert facts(acme.contact) == [
        {"kind": "status", "status": "snoozed", "by": "agent@acme.test", "until": until.isoformat().replace("+00:00", "Z")},
        {"kind": "reopened", "reason": "customer"},
        {"kind": "status", "status": "resolved", "by": "agent@acme.test", "until": None},
        {"kind": "reopened", "reason": "customer"},
        {"kind": "auto_assigned", "by": "Blazz", "to": "agent@acme.test"},
    ]
