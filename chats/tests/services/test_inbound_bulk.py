"""A batch's run of customers' messages applied together (chats/services/inbound_bulk.py): the same
rows as one by one, in a few statements, one publish."""

import time

from chats import services
from chats.models import Contact, Message, PendingMessageEvent

CHATS = ["62811000000%02d@c.us" % i for i in range(5)]


def received(chat_id, n, **extra):
    return {"wa_message_id": f"false_{chat_id}_{n}", "chat_id": chat_id, "from": chat_id, "from_name": f"Name {chat_id[:12]}",
            "to": "628000000001@c.us", "type": "text", "body": f"m{n}", "caption": None, "media": None,
            "reply_to": None, "timestamp": time.time() + n / 1000, "client_id": None, **extra}


def test_a_run_stores_each_message_once_with_unread_counts_and_last_messages_right(acme, published, monkeypatch):
    from chats import queue

    autoreplies = []
    monkeypatch.setattr(queue, "autoreply_after_commit", lambda message, **_facts: autoreplies.append(message.pk))
    items = [received(CHATS[n % 5], n) for n in range(20)]
    items.append(dict(items[3]))  # the same message again in the run

    sent = published(services.messages_apply_received, session=acme.session, items=items)

    assert Message.objects.filter(wa_message_id__startswith="false_6281100").count() == 20
    for index, chat_id in enumerate(CHATS):
        contact = Contact.objects.get(wa_id=chat_id)
        assert contact.unread_count == 4 and contact.push_name == f"Name {chat_id[:12]}"
        assert contact.last_message.wa_message_id == f"false_{chat_id}_{15 + index}"
    types = [event.type for event in sent]
    assert types == ["contact.created"] * 5 + ["message.new"] * 20 + ["message.received"] * 20 + ["chat.updated"] * 5
    assert [event.message["body"] for event in sent[5:25]] == [f"m{n}" for n in range(20)]
    assert [event.message for event in sent[25:45]] == [event.message for event in sent[5:25]]
    assert {event.chat["unread_count"] for event in sent[45:]} == {4}
    assert len(autoreplies) == 20

    # The same run again (the bridge resent what it never heard back about): nothing changes.
    again = published(services.messages_apply_received, session=acme.session, items=items)
    assert again == [] and Contact.objects.get(wa_id=CHATS[0]).unread_count == 4


def test_history_is_stored_without_auto_replies(acme, published, monkeypatch):
    from chats import queue

    autoreplies = []
    monkeypatch.setattr(queue, "autoreply_after_commit", lambda message, **_facts: autoreplies.append(message.pk))

    published(services.messages_apply_received, session=acme.session,
              items=[received(CHATS[0], n, history=True) for n in range(3)])

    assert Message.objects.filter(contact__wa_id=CHATS[0]).count() == 3 and autoreplies == []


def test_an_event_that_came_before_its_message_is_applied_when_the_run_stores_it(acme, published):
    first = received(CHATS[1], 1)
    services.message_apply_reaction(session=acme.session, data={"wa_message_id": first["wa_message_id"],
                                                                "from": CHATS[1], "emoji": "👍"})
    assert PendingMessageEvent.objects.filter(wa_message_id=first["wa_message_id"]).exists()

    sent = published(services.messages_apply_received, session=acme.session, items=[first, received(CHATS[1], 2)])

    message = Message.objects.get(wa_message_id=first["wa_message_id"])
    assert [r.emoji for r in message.reactions.all()] == ["👍"]
    assert not PendingMessageEvent.objects.filter(wa_message_id=first["wa_message_id"]).exists()
    assert sorted(event.type for event in sent).count("message.new") == 2


def test_a_run_takes_a_statement_per_fifty_messages_not_several_per_message(acme, django_assert_max_num_queries):
    for chat_id in CHATS:
        services.messages_apply_received(session=acme.session, items=[received(chat_id, 0)])  # the contacts exist
    items = [received(CHATS[n % 5], n) for n in range(1, 101)]

    # the contacts, an INSERT per 50 messages, the pending events, one UPDATE for every chat
    with django_assert_max_num_queries(1 + 2 + 1 + 1):
        services.messages_apply_received(session=acme.session, items=items)

    assert Message.objects.filter(wa_message_id__startswith="false_6281100").count() == 105


def test_messages_typed_on_the_phone_go_in_the_same_run_as_outbound_without_unread(acme, published):
    chat = CHATS[2]
    items = [received(chat, 1, history=True), {**received(chat, 2, history=True), "from": "628000000001@c.us",
                                               "to": chat, "from_name": None}]
    assert services.message_received_fits_bulk("message.created", items[1])
    assert not services.message_received_fits_bulk("message.created", {**items[1], "client_id": "ours"})

    published(services.messages_apply_received, session=acme.session, items=items, created=[False, True])

    contact = Contact.objects.get(wa_id=chat)
    assert list(contact.messages.order_by("id").values_list("direction", "status", "history")) == [
        ("in", "delivered", True), ("out", "pending", True)]
    assert contact.unread_count == 0 and contact.last_message.body == "m2" and contact.push_name == f"Name {chat[:12]}"
