"""The team workflow on a chat: status, assignee, labels, system lines, reopening, auto-assignment."""

import datetime as dt

import pytest
from django.utils import timezone

from blazz.core.errors import DomainError
from chats import online, services
from chats.models import ChatStatus, Contact, Label, Message
from chats.tests.services.conftest import received


def system_lines(contact):
    return list(Message.objects.filter(contact=contact, type="system").order_by("id").values_list("body", flat=True))


def test_assigning_emits_chat_assigned_a_system_line_and_the_row(world, acme, published):
    sent = published(services.chat_update, contact=acme.contact, by=world.owner_a, assignee_id=world.agent_a.pk)

    assert [e.type for e in sent] == ["message.new", "chat.assigned", "chat.updated"]
    assigned = sent[1]
    assert assigned.assignee["id"] == world.agent_a.pk and assigned.by["id"] == world.owner_a.pk
    assert sent[2].chat["assignee"]["id"] == world.agent_a.pk
    assert system_lines(acme.contact) == ["owner@acme.test assigned this to agent@acme.test"]
    assert sent[0].message["type"] == "system" and sent[0].message["origin"] == "system"


def test_a_repeated_change_changes_nothing_and_emits_nothing(world, acme, published):
    services.chat_update(contact=acme.contact, by=world.owner_a, status=ChatStatus.RESOLVED)
    sent = published(services.chat_update, contact=acme.contact, by=world.owner_a, status=ChatStatus.RESOLVED)

    assert sent == [] and len(system_lines(acme.contact)) == 1


def test_a_system_line_does_not_move_the_chat_nor_count_as_unread(world, acme):
    before = Contact.objects.get(pk=acme.contact.pk)
    services.chat_update(contact=acme.contact, by=world.owner_a, status=ChatStatus.PENDING)
    after = Contact.objects.get(pk=acme.contact.pk)

    assert (after.last_message_id, after.last_message_at, after.unread_count) == (
        before.last_message_id, before.last_message_at, before.unread_count)
    assert after.status == ChatStatus.PENDING


def test_resolve_then_unassign_each_says_who(world, acme, published):
    services.chat_update(contact=acme.contact, by=world.owner_a, assignee_id=world.agent_a.pk)
    sent = published(services.chat_update, contact=acme.contact, by=world.agent_a, status=ChatStatus.RESOLVED,
                     assignee_id=None)

    assert [e.type for e in sent] == ["message.new", "chat.status", "message.new", "chat.assigned", "chat.updated"]
    assert (sent[1].status, sent[1].previous) == ("resolved", "open")
    assert system_lines(acme.contact)[1:] == ["agent@acme.test resolved this", "agent@acme.test unassigned this"]


def test_snooze_needs_a_future_time(world, acme):
    with pytest.raises(DomainError) as error:
        services.chat_update(contact=acme.contact, by=world.owner_a, status=ChatStatus.SNOOZED)
    assert error.value.code == "snooze_time_invalid"
    with pytest.raises(DomainError):
        services.chat_update(contact=acme.contact, status=ChatStatus.SNOOZED,
                             snoozed_until=timezone.now() - dt.timedelta(minutes=1))


def test_another_status_clears_the_snooze_time(world, acme):
    services.chat_update(contact=acme.contact, status=ChatStatus.SNOOZED,
                         snoozed_until=timezone.now() + dt.timedelta(hours=1))
    contact = services.chat_update(contact=acme.contact, status=ChatStatus.OPEN)

    assert (contact.status, contact.snoozed_until) == ("open", None)


def test_the_assignee_must_be_a_member_of_this_workspace(world, acme):
    with pytest.raises(DomainError) as error:
        services.chat_update(contact=acme.contact, assignee_id=world.agent_b.pk)
    assert error.value.code == "assignee_not_member"


def test_labels_are_set_as_a_whole_and_unknown_ones_refused(world, acme, published):
    vip, late = Label.objects.create(name="vip"), Label.objects.create(name="late")
    sent = published(services.chat_update, contact=acme.contact, label_ids=[vip.pk, late.pk])
    assert [e.type for e in sent] == ["chat.updated"]
    assert sorted(label["name"] for label in sent[0].chat["labels"]) == ["late", "vip"]
    assert published(services.chat_update, contact=acme.contact, label_ids=[late.pk, vip.pk]) == []

    with pytest.raises(DomainError) as error:
        services.chat_update(contact=acme.contact, label_ids=[vip.pk, 999999])
    assert error.value.code == "label_not_found"


def test_a_customer_message_reopens_a_resolved_chat(world, acme, published):
    services.chat_update(contact=acme.contact, by=world.agent_a, status=ChatStatus.RESOLVED)
    sent = published(services.message_apply_received, session=acme.session, data=received(acme, "in-1"))

    assert [e.type for e in sent] == ["message.new", "message.received", "chat.updated", "message.new", "chat.status",
                                      "chat.updated"]
    assert (sent[4].status, sent[4].previous, sent[4].by) == ("open", "resolved", None)
    assert Contact.objects.get(pk=acme.contact.pk).status == ChatStatus.OPEN
    assert system_lines(acme.contact)[-1] == "Reopened: the customer wrote"


def test_a_customer_message_on_an_open_chat_changes_no_status(world, acme, published):
    services.message_apply_received(session=acme.session, data=received(acme, "in-1"))
    sent = published(services.message_apply_received, session=acme.session, data=received(acme, "in-2"))

    assert [e.type for e in sent] == ["message.new", "message.received", "chat.updated"]


def test_beat_wakes_the_snoozes_whose_time_came_and_only_those(world, acme, published):
    services.chat_update(contact=acme.contact, status=ChatStatus.SNOOZED,
                         snoozed_until=timezone.now() + dt.timedelta(minutes=5))
    assert services.chats_wake_snoozed() == 0

    sent = published(services.chats_wake_snoozed, now=timezone.now() + dt.timedelta(minutes=6))

    assert [e.type for e in sent] == ["message.new", "chat.status", "chat.updated"]
    assert Contact.objects.get(pk=acme.contact.pk).status == ChatStatus.OPEN
    assert system_lines(acme.contact)[-1] == "Reopened: the snooze ended"


@pytest.fixture
def agents_online(world, monkeypatch):
    ids = set()
    monkeypatch.setattr(online, "user_ids", lambda schema: set(ids))
    return ids


def test_auto_assign_goes_round_robin_among_online_members_under_the_cap(world, acme, agents_online):
    services.inbox_settings_update(auto_assign=True, auto_assign_cap=1)
    agents_online |= {world.owner_a.pk, world.agent_a.pk, world.agent_b.pk}  # agent_b: another workspace's
    first = services.message_apply_received(session=acme.session, data=received(acme, "in-1"))
    other = services.contact_get_or_create(wa_id="6281111111111@c.us")
    second = services.message_apply_received(session=acme.session, data={
        **received(acme, "in-2"), "chat_id": other.wa_id, "from": other.wa_id})
    third_contact = services.contact_get_or_create(wa_id="6282222222222@c.us")
    services.message_apply_received(session=acme.session, data={
        **received(acme, "in-3"), "chat_id": third_contact.wa_id, "from": third_contact.wa_id})

    assignees = [Contact.objects.get(pk=pk).assignee_id for pk in (first.contact_id, second.contact_id,
                                                                    third_contact.pk)]
    assert sorted(assignees[:2]) == sorted([world.owner_a.pk, world.agent_a.pk])
    assert assignees[2] is None  # both at the cap of one open chat
    assert system_lines(acme.contact)[-1].startswith("Auto-assigned to ")


def test_auto_assign_off_or_nobody_online_leaves_the_chat_unassigned(world, acme, agents_online):
    agents_online.add(world.agent_a.pk)
    services.message_apply_received(session=acme.session, data=received(acme, "in-1"))
    assert Contact.objects.get(pk=acme.contact.pk).assignee_id is None

    services.inbox_settings_update(auto_assign=True)
    agents_online.clear()
    other = services.contact_get_or_create(wa_id="6281111111111@c.us")
    services.message_apply_received(session=acme.session, data={
        **received(acme, "in-2"), "chat_id": other.wa_id, "from": other.wa_id})
    assert Contact.objects.get(pk=other.pk).assignee_id is None


def test_a_label_deleted_leaves_every_chat_it_was_on(world, acme, published):
    vip = Label.objects.create(name="vip")
    services.chat_update(contact=acme.contact, label_ids=[vip.pk])
    sent = published(services.label_delete, label=vip)

    assert [e.type for e in sent] == ["chat.updated"] and sent[0].chat["labels"] == []


# --- private notes -----------------------------------------------------------------------------------


def note(acme, body, client_id="n1", by=None):
    return services.message_send(contact=acme.contact, client_id=client_id, sent_by=by,
                                 request=services.SendRequest(type="note", body=body))


def test_a_note_is_stored_for_agents_never_queued_and_does_not_move_the_chat(world, acme, published, monkeypatch):
    from chats import queue

    queued = []
    monkeypatch.setattr(queue, "message_send_after_commit", queued.append)
    before = Contact.objects.get(pk=acme.contact.pk)
    sent = published(note, acme=acme, body="Customer is VIP", by=world.agent_a)

    message = Message.objects.get(client_id="n1")
    assert (message.type, message.status, message.session_id, message.wa_message_id) == ("note", "sent", None, None)
    assert [e.type for e in sent] == ["message.new"] and queued == []
    after = Contact.objects.get(pk=acme.contact.pk)
    assert (after.last_message_id, after.last_message_at) == (before.last_message_id, before.last_message_at)
    again, created = note(acme, "Customer is VIP", by=world.agent_a)
    assert again.pk == message.pk and created is False


def test_an_at_mention_in_a_note_notifies_that_member(world, acme, published):
    sent = published(note, acme=acme, body="@agent please call them back, cc @nobody", by=world.owner_a)

    mentions = [e for e in sent if e.type == "note.mention"]
    assert [(e.user_id, e.by["id"]) for e in mentions] == [(world.agent_a.pk, world.owner_a.pk)]


def test_a_note_needs_text_only(world, acme):
    with pytest.raises(DomainError) as error:
        note(acme, "   ")
    assert error.value.code == "body_required"
