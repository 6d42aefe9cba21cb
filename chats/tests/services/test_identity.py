"""LID identities (chats/services/identity.py): one contact per person whichever id WhatsApp uses."""

import time

from chats import services
from chats.models import Contact, Label, Message

PHONE_ID, LID = "6281299990001@c.us", "201234567890123@lid"


def received(chat_id, n, **extra):
    return {"wa_message_id": f"false_{chat_id}_{n}", "chat_id": chat_id, "from": chat_id, "from_name": "Sari",
            "to": "628000000001@c.us", "type": "text", "body": f"m{n}", "caption": None, "media": None,
            "reply_to": None, "timestamp": time.time() + n, "client_id": None, **extra}


def test_a_mappable_lid_is_the_same_contact_and_chat(acme):
    services.message_apply_received(session=acme.session, data=received(PHONE_ID, 1))
    services.message_apply_received(session=acme.session, data=received(LID, 2, chat_phone_id=PHONE_ID, chat_lid=LID))
    services.message_apply_received(session=acme.session, data=received(LID, 3))  # the LID alone now finds them too

    contact = Contact.objects.get(wa_id=PHONE_ID)
    assert contact.lid == LID and Contact.objects.filter(phone=contact.phone).count() == 1
    assert list(contact.messages.order_by("id").values_list("body", flat=True)) == ["m1", "m2", "m3"]
    assert contact.unread_count == 3


def test_an_unmappable_lid_gets_its_own_contact_that_merges_once_the_phone_is_known(acme, published):
    services.message_apply_received(session=acme.session, data=received(PHONE_ID, 1))
    services.message_apply_received(session=acme.session, data=received(LID, 2))
    by_lid = Contact.objects.get(wa_id=LID)
    assert by_lid.phone == "" and Contact.objects.count() == 3  # acme's own contact, the phone's, the LID's
    label = Label.objects.create(name="VIP", color="#f00")
    by_lid.labels.add(label)
    note, _ = services.message_send(contact=by_lid, client_id="note-1",
                                    request=services.SendRequest(type="note", body="asked about the price"))

    sent = published(services.contact_apply_identity, session=acme.session, data={"lid": LID, "phone_id": PHONE_ID})

    contact = Contact.objects.get(wa_id=PHONE_ID)
    assert not Contact.objects.filter(pk=by_lid.pk).exists() and contact.lid == LID
    assert sorted(Message.objects.filter(contact=contact).values_list("body", flat=True)) == [
        "asked about the price", "m1", "m2"]
    assert list(contact.labels.all()) == [label] and contact.unread_count == 2
    assert contact.last_message.body == "m2"  # the newest of the merged messages (a note is no chat row)
    merged = [event for event in sent if event.type == "contact.merged"]
    assert [(e.contact_id, e.into_contact_id) for e in merged] == [(by_lid.pk, contact.pk)]
    assert any(event.type == "chat.updated" and event.chat["id"] == contact.pk for event in sent)

    # Told again: nothing changes.
    assert published(services.contact_apply_identity, session=acme.session,
                     data={"lid": LID, "phone_id": PHONE_ID}) == []


def test_a_contact_known_only_by_its_lid_learns_its_phone(acme):
    services.message_apply_received(session=acme.session, data=received(LID, 1))
    pk = Contact.objects.get(wa_id=LID).pk

    services.contact_apply_identity(session=acme.session, data={"lid": LID, "phone_id": PHONE_ID})

    contact = Contact.objects.get(pk=pk)
    assert (contact.wa_id, contact.lid, contact.phone) == (PHONE_ID, LID, "+6281299990001")


def test_history_adds_no_unread_and_chat_unread_sets_the_phones_count(acme, published, monkeypatch):
    from chats import queue

    autoreplies = []
    monkeypatch.setattr(queue, "autoreply_after_commit", lambda message, **_facts: autoreplies.append(message.pk))
    for n in range(3):
        services.message_apply_received(session=acme.session, data=received(PHONE_ID, n, history=True))
    contact = Contact.objects.get(wa_id=PHONE_ID)
    assert contact.unread_count == 0 and autoreplies == []
    assert all(contact.messages.values_list("history", flat=True))

    sent = published(services.chat_apply_unread, session=acme.session, data={"chat_id": PHONE_ID, "unread_count": 2})

    assert Contact.objects.get(pk=contact.pk).unread_count == 2
    assert [event.type for event in sent] == ["chat.updated"] and sent[0].chat["unread_count"] == 2
    assert sent[0].chat["last_message"]["history"] is True
