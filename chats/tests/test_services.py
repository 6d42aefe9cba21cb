"""The status machine and the send path's rules, service by service (no processes)."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from blazz.errors import DomainError
from chats import services
from chats.models import Contact, Message, PendingMessageEvent
from sessions_wa.models import SessionStatus, WhatsAppSession


@pytest.fixture
def acme(world):
    with schema_context(world.ws_a.schema_name):
        session = WhatsAppSession.objects.create(id="ws_acme.s", engine="sandbox", status=SessionStatus.CONNECTED,
                                                 phone="+628000000001")
        contact, _ = services.contact_create(phone="+62 812-3456-7890")
        yield type("Acme", (), {"session": session, "contact": contact})


def send(acme, client_id="c1", body="hi", **kw):
    return services.message_send(contact=acme.contact, client_id=client_id,
                                 request=services.SendRequest(type=kw.pop("type", "text"), body=body, **kw))


def sent_with_wa_id(acme, wa_id="wa-1"):
    message, _ = send(acme)
    services.message_link_wa_id(message_id=message.pk, wa_message_id=wa_id)
    return message


def ack(acme, wa_id, value):
    services.message_apply_ack(session=acme.session, data={"wa_message_id": wa_id, "ack": value})
    return Message.objects.get(wa_message_id=wa_id)


def test_contact_create_normalises_the_phone_and_is_idempotent(acme):
    assert (acme.contact.phone, acme.contact.wa_id) == ("+6281234567890", "6281234567890@c.us")
    again, created = services.contact_create(phone="006281234567890")
    assert again.pk == acme.contact.pk and created is False


@pytest.mark.parametrize("phone", ["", "abc", "+12", "0812345678", "1" * 16])
def test_contact_create_refuses_a_bad_phone(acme, phone):
    with pytest.raises(DomainError) as error:
        services.contact_create(phone=phone)
    assert error.value.code == "phone_invalid"


def test_message_send_stores_a_pending_message_and_moves_the_chat(acme):
    message, created = send(acme)

    assert created and message.status == "pending" and message.direction == "out"
    contact = Contact.objects.get(pk=acme.contact.pk)
    assert contact.last_message_id == message.pk and contact.session_id == acme.session.pk


def test_message_send_same_client_id_returns_the_same_message(acme):
    first, _ = send(acme)
    second, created = send(acme)
    assert second.pk == first.pk and created is False


def test_message_send_different_body_under_a_used_client_id_is_409(acme):
    send(acme)
    with pytest.raises(DomainError) as error:
        send(acme, body="something else")
    assert (error.value.code, error.value.status_code) == ("client_id_conflict", 409)


@pytest.mark.parametrize("kwargs, code", [
    ({"body": "   "}, "body_required"),
    ({"type": "image", "body": ""}, "media_required"),
    ({"type": "revoked"}, "type_invalid"),
    ({"type": "location", "location": {"latitude": 100, "longitude": 0}}, "invalid_request"),
    ({"type": "contact", "contact_card": {"name": "x"}}, "invalid_request"),
    ({"reply_to_id": 999999}, "reply_to_not_found"),
    ({"type": "image", "media_id": "00000000-0000-0000-0000-000000000000"}, "media_not_found"),
])
def test_message_send_refuses_bad_requests(acme, kwargs, code):
    with pytest.raises(DomainError) as error:
        send(acme, **kwargs)
    assert error.value.code == code
    assert not Message.objects.exists()


def test_message_send_through_a_disconnected_session_is_409(acme):
    WhatsAppSession.objects.filter(pk=acme.session.pk).update(status=SessionStatus.DISCONNECTED)
    with pytest.raises(DomainError) as error:
        send(acme)
    assert (error.value.code, error.value.status_code) == ("session_not_connected", 409)


def test_ack_moves_the_status_forward_and_fills_earlier_ticks(acme):
    sent_with_wa_id(acme)

    message = ack(acme, "wa-1", 3)

    assert message.status == "read"
    assert message.sent_at and message.delivered_at and message.read_at


def test_message_apply_ack_never_moves_status_backwards(acme):
    sent_with_wa_id(acme)
    ack(acme, "wa-1", 3)

    for late in (1, 2, 0, 3, -1):
        assert ack(acme, "wa-1", late).status == "read"


def test_acks_out_of_order_end_at_the_highest(acme):
    sent_with_wa_id(acme)
    for value in (2, 1, 4, 3):
        ack(acme, "wa-1", value)
    assert Message.objects.get(wa_message_id="wa-1").status == "played"


def test_an_ack_before_its_message_is_kept_and_applied_when_it_appears(acme):
    services.message_apply_ack(session=acme.session, data={"wa_message_id": "wa-early", "ack": 2})
    assert PendingMessageEvent.objects.filter(wa_message_id="wa-early").count() == 1

    sent_with_wa_id(acme, "wa-early")

    assert Message.objects.get(wa_message_id="wa-early").status == "delivered"
    assert not PendingMessageEvent.objects.exists()


def test_error_ack_fails_a_pending_message_but_not_a_delivered_one(acme):
    sent_with_wa_id(acme, "wa-e")
    assert ack(acme, "wa-e", -1).status == "failed"

    other, _ = send(acme, client_id="c2", body="two")
    services.message_link_wa_id(message_id=other.pk, wa_message_id="wa-f")
    ack(acme, "wa-f", 2)
    assert ack(acme, "wa-f", -1).status == "delivered"


def test_retry_only_from_failed(acme):
    message, _ = send(acme)
    with pytest.raises(DomainError) as error:
        services.message_retry(message=message)
    assert error.value.code == "not_failed"

    services.message_mark_failed(message_id=message.pk, reason="bridge down")
    retried = services.message_retry(message=Message.objects.get(pk=message.pk))

    assert retried.status == "pending" and retried.failure_reason == ""


def test_deliver_records_the_bridges_answer_and_is_idempotent(acme, monkeypatch):
    calls = []

    def fake_send(session_id, payload):
        calls.append(payload)
        return {"wa_message_id": "wa-from-bridge", "client_id": payload["client_id"], "timestamp": 1}

    monkeypatch.setattr(services.bridge, "message_send", fake_send)
    message, _ = send(acme)

    assert services.message_deliver(message_id=message.pk)[0] == "done"
    assert services.message_deliver(message_id=message.pk) == ("done", "moved on")
    assert len(calls) == 1 and calls[0]["to"] == "6281234567890@c.us" and calls[0]["client_id"] == "c1"
    assert Message.objects.get(pk=message.pk).wa_message_id == "wa-from-bridge"


def test_deliver_asks_for_a_retry_while_the_bridge_is_away_and_fails_on_refusal(acme, monkeypatch):
    def unavailable(*args):
        raise services.bridge.BridgeUnavailable("connection refused")

    monkeypatch.setattr(services.bridge, "message_send", unavailable)
    message, _ = send(acme)
    assert services.message_deliver(message_id=message.pk)[0] == "retry"

    def refused(*args):
        raise services.bridge.BridgeError(502, "send_failed", "number not on WhatsApp")

    monkeypatch.setattr(services.bridge, "message_send", refused)
    assert services.message_deliver(message_id=message.pk)[0] == "failed"
    message = Message.objects.get(pk=message.pk)
    assert message.status == "failed" and "not on WhatsApp" in message.failure_reason


def test_message_created_with_our_client_id_links_the_message(acme):
    message, _ = send(acme)

    services.message_apply_created(session=acme.session, data={
        "wa_message_id": "wa-linked", "chat_id": acme.contact.wa_id, "to": acme.contact.wa_id, "type": "text",
        "body": "hi", "client_id": "c1", "timestamp": 1})

    assert Message.objects.get(pk=message.pk).wa_message_id == "wa-linked"
    assert Message.objects.count() == 1


def test_mark_read_clears_unread(acme, monkeypatch):
    seen = []
    monkeypatch.setattr(services.bridge, "chat_seen", lambda session_id, chat_id: seen.append(chat_id))
    Contact.objects.filter(pk=acme.contact.pk).update(unread_count=3, session=acme.session)

    services.contact_mark_read(contact=Contact.objects.get(pk=acme.contact.pk))

    assert Contact.objects.get(pk=acme.contact.pk).unread_count == 0
    assert seen == [acme.contact.wa_id]


def test_message_apply_ack_never_moves_failed_back_to_pending(acme):
    """ACK_PENDING after ACK_ERROR (or after our own failure verdict) changes nothing: only an
    explicit retry moves failed -> pending."""
    sent_with_wa_id(acme, "wa-failed")
    failed = ack(acme, "wa-failed", -1)
    assert failed.status == "failed"

    again = ack(acme, "wa-failed", 0)

    assert (again.status, again.failure_reason, again.failed_at) == ("failed", failed.failure_reason, failed.failed_at)


def test_a_real_tick_after_a_failure_moves_the_message_forward(acme):
    """WhatsApp's own later word wins: a message it reports sent was sent."""
    sent_with_wa_id(acme, "wa-f3")
    ack(acme, "wa-f3", -1)

    message = ack(acme, "wa-f3", 2)

    assert (message.status, message.failure_reason, message.failed_at) == ("delivered", "", None)
    assert message.sent_at and message.delivered_at


def test_message_created_for_a_message_failed_mid_send_shows_what_whatsapp_has(acme, monkeypatch):
    """The bridge was interrupted mid-send (we marked it failed: "it may have been delivered"),
    then reports the message exists (message.created with our client_id, before any of its
    acks). Status follows WhatsApp: pending (its clock, ACK_PENDING) with the failure cleared,
    not failed and not yet sent; its acks then move it on; nothing is sent twice."""
    def interrupted(session_id, payload):
        raise services.bridge.BridgeError(409, "send_outcome_unknown", "interrupted")

    monkeypatch.setattr(services.bridge, "message_send", interrupted)
    message, _ = send(acme)
    assert services.message_deliver(message_id=message.pk)[0] == "failed"
    assert Message.objects.get(pk=message.pk).status == "failed"

    services.message_apply_created(session=acme.session, data={
        "wa_message_id": "wa-mid", "chat_id": acme.contact.wa_id, "type": "text", "body": "hi", "client_id": "c1",
        "timestamp": 1})

    linked = Message.objects.get(pk=message.pk)
    assert (linked.wa_message_id, linked.status, linked.failure_reason, linked.failed_at) == ("wa-mid", "pending", "", None)
    assert services.message_deliver(message_id=message.pk) == ("done", "moved on")
    assert ack(acme, "wa-mid", 0).status == "pending"
    assert ack(acme, "wa-mid", 1).status == "sent"


def test_acks_that_came_before_the_link_apply_after_it(acme):
    """The bridge's acks can overtake our link of a failed message: kept, then applied in order."""
    message, _ = send(acme)
    services.message_mark_failed(message_id=message.pk, reason="Interrupted mid-send; it may have been delivered.")
    services.message_apply_ack(session=acme.session, data={"wa_message_id": "wa-late", "ack": 2})

    services.message_link_wa_id(message_id=message.pk, wa_message_id="wa-late")

    assert Message.objects.get(pk=message.pk).status == "delivered"


# --- the stuck-message sweep ------------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch, django_capture_on_commit_callbacks):
    """The message ids handed to message_send_task, as the sweep's commit queues them."""
    from chats import tasks

    ids = []
    monkeypatch.setattr(tasks.message_send_task, "delay", ids.append)

    def sweep(older_than=dt.timedelta(minutes=5)):
        ids.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.messages_requeue_stuck(older_than=older_than)
        return sorted(ids)

    return sweep


def age(message, **fields):
    """Move a message's times into the past: {field: minutes ago}."""
    now = timezone.now()
    Message.objects.filter(pk=message.pk).update(**{f: now - dt.timedelta(minutes=m) for f, m in fields.items()})


def test_requeue_stuck_leaves_a_retried_old_message_to_its_new_task(acme, queued):
    message, _ = send(acme)
    services.message_mark_failed(message_id=message.pk, reason="bridge down")
    age(message, created_at=60, send_queued_at=60, send_attempted_at=50)

    services.message_retry(message=Message.objects.get(pk=message.pk))

    assert queued() == []


def test_requeue_stuck_leaves_a_message_still_backing_off_to_its_task(acme, queued):
    message, _ = send(acme)
    age(message, created_at=60, send_queued_at=60)
    Message.objects.filter(pk=message.pk).update(send_attempted_at=timezone.now() - dt.timedelta(minutes=1))

    assert queued() == []


def test_requeue_stuck_queues_a_message_nothing_touched_for_the_window_once(acme, queued):
    message, _ = send(acme)
    age(message, created_at=60, send_queued_at=60, send_attempted_at=55)

    assert queued() == [message.pk]
    assert queued() == []  # requeued just now: its new task has the window again
    age(message, send_queued_at=60)
    assert queued() == [message.pk]


def test_requeue_stuck_leaves_messages_that_moved_on(acme, queued):
    failed, _ = send(acme, client_id="f")
    services.message_mark_failed(message_id=failed.pk, reason="x")
    linked = sent_with_wa_id(acme, "wa-q")
    for message in (failed, linked):
        age(message, created_at=60, send_queued_at=60)

    assert queued() == []


def test_message_deliver_records_its_attempt(acme, monkeypatch):
    monkeypatch.setattr(services.bridge, "message_send", lambda *a: (_ for _ in ()).throw(
        services.bridge.BridgeUnavailable("down")))
    message, _ = send(acme)
    assert message.send_queued_at is not None and message.send_attempted_at is None

    services.message_deliver(message_id=message.pk)

    message = Message.objects.get(pk=message.pk)
    assert message.send_attempts == 1 and message.send_attempted_at is not None


def test_the_sweep_task_waits_the_send_tasks_whole_retry_window(settings, monkeypatch):
    from chats import tasks

    settings.MESSAGE_SEND_MAX_RETRIES, settings.MESSAGE_SEND_BACKOFF_CAP_SECONDS = 8, 60.0
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300}
    seen = []
    monkeypatch.setattr(services, "messages_requeue_stuck", lambda *, older_than: seen.append(older_than) or 0)

    tasks.messages_requeue_stuck_task()

    backoffs = (2 + 4 + 8 + 16 + 32 + 60 + 60 + 60) * 1.2
    assert seen == [dt.timedelta(seconds=backoffs + 9 * tasks.SEND_TIME_LIMIT_SECONDS + 300)]


# --- the events a new message publishes --------------------------------------------------------------


@pytest.fixture
def published(monkeypatch, django_capture_on_commit_callbacks):
    """Run a service, commit, and return the events it published, in order."""
    from chats import events

    frames = []
    monkeypatch.setattr(events, "publish_now", lambda schema, *sent: frames.extend(sent))

    def run(fn, **kwargs):
        frames.clear()
        with django_capture_on_commit_callbacks(execute=True):
            fn(**kwargs)
        return list(frames)

    return run


def received(acme, wa_id, **data):
    return {"wa_message_id": wa_id, "chat_id": acme.contact.wa_id, "from": acme.contact.wa_id, "from_name": "Ana",
            "type": "text", "body": "hello", "timestamp": timezone.now().timestamp(), **data}


def fresh(message_id):
    from chats.serializers import chat_data, message_data

    message = Message.objects.get(pk=message_id)
    return message_data(services._message_for_event(message_id)), chat_data(services._contact_for_event(message.contact_id))


def test_a_new_messages_events_equal_a_fresh_read_of_what_was_committed(acme, published):
    """message.new and chat.updated are built from the message as written (not read back): they
    must still be what a later read returns, unread count and quoted message included."""
    first = services.message_apply_received(session=acme.session, data=received(acme, "wa-in-1"))
    frames = published(services.message_apply_received, session=acme.session,
                       data=received(acme, "wa-in-2", reply_to="wa-in-1"))

    message = Message.objects.get(wa_message_id="wa-in-2")
    assert [f.type for f in frames] == ["message.new", "chat.updated"]
    assert (frames[0].message, frames[1].chat) == fresh(message.pk)
    assert frames[1].chat["unread_count"] == 2 and frames[0].message["reply_to"]["id"] == first.pk

    sent_frames = published(send, acme=acme, client_id="c-ev", body="answer")
    sent = Message.objects.get(client_id="c-ev")
    assert (sent_frames[0].message, sent_frames[1].chat) == fresh(sent.pk)


def test_a_new_message_with_events_waiting_for_it_is_read_back_before_publishing(acme, published):
    """A reaction that arrived before its message is applied in the same transaction: the message's
    events are then built from the committed row, and the reaction's own event follows."""
    services.message_apply_reaction(session=acme.session, data={"wa_message_id": "wa-early", "emoji": "👍",
                                                                 "from": acme.contact.wa_id})
    frames = published(services.message_apply_received, session=acme.session, data=received(acme, "wa-early"))

    message = Message.objects.get(wa_message_id="wa-early")
    assert [f.type for f in frames] == ["message.new", "chat.updated", "message.reaction"]
    assert (frames[0].message, frames[1].chat) == fresh(message.pk)
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
