"""The bridge's message events, and the events a new message publishes."""

from chats import services
from chats.models import Message, PendingMessageEvent
from chats.services import publish
from chats.tests.services.conftest import received, send, sent_with_wa_id


def test_an_ack_before_its_message_is_kept_and_applied_when_it_appears(acme):
    services.message_apply_ack(session=acme.session, data={"wa_message_id": "wa-early", "ack": 2})
    assert PendingMessageEvent.objects.filter(wa_message_id="wa-early").count() == 1

    sent_with_wa_id(acme, "wa-early")

    assert Message.objects.get(wa_message_id="wa-early").status == "delivered"
    assert not PendingMessageEvent.objects.exists()


def test_message_created_with_our_client_id_links_the_message(acme):
    message, _ = send(acme)

    services.message_apply_created(session=acme.session, data={
        "wa_message_id": "wa-linked", "chat_id": acme.contact.wa_id, "to": acme.contact.wa_id, "type": "text",
        "body": "hi", "client_id": "c1", "timestamp": 1})

    assert Message.objects.get(pk=message.pk).wa_message_id == "wa-linked"
    assert Message.objects.count() == 1


def test_acks_that_came_before_the_link_apply_after_it(acme):
    """The bridge's acks can overtake our link of a failed message: kept, then applied in order."""
    message, _ = send(acme)
    services.message_mark_failed(message_id=message.pk, reason="Interrupted mid-send; it may have been delivered.")
    services.message_apply_ack(session=acme.session, data={"wa_message_id": "wa-late", "ack": 2})

    services.message_link_wa_id(message_id=message.pk, wa_message_id="wa-late")

    assert Message.objects.get(pk=message.pk).status == "delivered"


def fresh(message_id):
    from chats.serializers import chat_data, message_data

    message = Message.objects.get(pk=message_id)
    return message_data(publish.message_for_event(message_id)), chat_data(publish.contact_for_event(message.contact_id))


def test_a_new_messages_events_equal_a_fresh_read_of_what_was_committed(acme, published):
    """message.new and chat.updated are built from the message as written (not read back): they
    must still be what a later read returns, unread count and quoted message included."""
    first = services.message_apply_received(session=acme.session, data=received(acme, "wa-in-1"))
    frames = published(services.message_apply_received, session=acme.session,
                       data=received(acme, "wa-in-2", reply_to="wa-in-1"))

    message = Message.objects.get(wa_message_id="wa-in-2")
    assert [f.type for f in frames] == ["message.new", "message.received", "chat.updated"]
    assert (frames[0].message, frames[2].chat) == fresh(message.pk) and frames[1].message == frames[0].message
    assert frames[2].chat["unread_count"] == 2 and frames[0].message["reply_to"]["id"] == first.pk

    sent_frames = published(send, acme=acme, client_id="c-ev", body="answer")
    sent = Message.objects.get(client_id="c-ev")
    assert [f.type for f in sent_frames] == ["message.new", "message.sent", "chat.updated"]
    assert (sent_frames[1].message, sent_frames[2].chat) == fresh(sent.pk)


def test_a_new_message_with_events_waiting_for_it_is_read_back_before_publishing(acme, published):
    """A reaction that arrived before its message is applied in the same transaction: the message's
    events are then built from the committed row, and the reaction's own event follows."""
    services.message_apply_reaction(session=acme.session, data={"wa_message_id": "wa-early", "emoji": "👍",
                                                                 "from": acme.contact.wa_id})
    frames = published(services.message_apply_received, session=acme.session, data=received(acme, "wa-early"))

    message = Message.objects.get(wa_message_id="wa-early")
    assert [f.type for f in frames] == ["message.new", "message.received", "chat.updated", "message.reaction"]
    assert (frames[0].message, frames[2].chat) == fresh(message.pk)
    assert [r["emoji"] for r in frames[0].message["reactions"]] == ["👍"]


def test_an_ack_publishes_the_chat_row_only_while_its_message_is_the_last(acme, published):
    message = sent_with_wa_id(acme, "wa-tick")
    frames = published(services.message_apply_ack, session=acme.session, data={"wa_message_id": "wa-tick", "ack": 1})
    assert [f.type for f in frames] == ["message.status", "chat.updated"]
    assert frames[1].chat["last_message"]["status"] == "sent"

    services.message_apply_received(session=acme.session, data=received(acme, "wa-after"))
    frames = published(services.message_apply_ack, session=acme.session, data={"wa_message_id": "wa-tick", "ack": 2})
    assert [f.type for f in frames] == ["message.status"]
    assert Message.objects.get(pk=message.pk).status == "delivered"


def test_a_customers_message_is_marked_as_theirs(acme):
    message = services.message_apply_received(session=acme.session, data=received(acme, "wa-origin-1"))

    assert message.origin == "customer"
