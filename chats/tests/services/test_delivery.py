"""Handing a message to the bridge, recording its WhatsApp id, and the stuck-message sweep."""

import datetime as dt

from django.utils import timezone

from chats import services
from chats.models import Message
from chats.tests.services.conftest import ack, age, send, sent_with_wa_id
from sessions_wa import bridge


def test_deliver_records_the_bridges_answer_and_is_idempotent(acme, monkeypatch):
    calls = []

    def fake_send(session_id, payload):
        calls.append(payload)
        return {"wa_message_id": "wa-from-bridge", "client_id": payload["client_id"], "timestamp": 1}

    monkeypatch.setattr(bridge, "message_send", fake_send)
    message, _ = send(acme)

    assert services.message_deliver(message_id=message.pk)[0] == "done"
    assert services.message_deliver(message_id=message.pk) == ("done", "moved on")
    assert len(calls) == 1 and calls[0]["to"] == "6281234567890@c.us" and calls[0]["client_id"] == "c1"
    assert Message.objects.get(pk=message.pk).wa_message_id == "wa-from-bridge"


def test_deliver_asks_for_a_retry_while_the_bridge_is_away_and_fails_on_refusal(acme, monkeypatch):
    def unavailable(*args):
        raise bridge.BridgeUnavailable("connection refused")

    monkeypatch.setattr(bridge, "message_send", unavailable)
    message, _ = send(acme)
    assert services.message_deliver(message_id=message.pk)[0] == "retry"

    def refused(*args):
        raise bridge.BridgeError(502, "send_failed", "number not on WhatsApp")

    monkeypatch.setattr(bridge, "message_send", refused)
    assert services.message_deliver(message_id=message.pk)[0] == "failed"
    message = Message.objects.get(pk=message.pk)
    assert message.status == "failed" and "not on WhatsApp" in message.failure_reason


def test_message_created_for_a_message_failed_mid_send_shows_what_whatsapp_has(acme, monkeypatch):
    """The bridge was interrupted mid-send (we marked it failed: "it may have been delivered"),
    then reports the message exists (message.created with our client_id, before any of its
    acks). Status follows WhatsApp: pending (its clock, ACK_PENDING) with the failure cleared,
    not failed and not yet sent; its acks then move it on; nothing is sent twice."""
    def interrupted(session_id, payload):
        raise bridge.BridgeError(409, "send_outcome_unknown", "interrupted")

    monkeypatch.setattr(bridge, "message_send", interrupted)
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


def test_requeue_stuck_leaves_a_retried_old_message_to_its_new_task(acme, queued):
    message, _ = send(acme)
    services.message_mark_failed(message_id=message.pk, reason="bridge down")
    age(message, created_at=60, send_queued_at=60, send_attempted_at=59)

    services.message_retry(message=Message.objects.get(pk=message.pk))

    assert queued() == []


def test_requeue_stuck_leaves_a_message_still_backing_off_to_its_task(acme, queued):
    message, _ = send(acme)
    age(message, created_at=60, send_attempted_at=1)
    services.message_send_retry_due(message_id=message.pk, countdown=50)

    assert queued() == []


def test_requeue_stuck_queues_a_send_whose_task_never_reached_the_bridge_within_a_minute_once(acme, queued):
    """Keyed on what the task did, not on the message's age: queued two minutes ago, no attempt."""
    message, _ = send(acme)
    assert queued() == []  # just queued: its task has a minute
    age(message, send_queued_at=2)

    assert queued() == [message.pk]
    assert queued() == []  # requeued just now: its new task has the minute again
    age(message, send_queued_at=2)
    assert queued() == [message.pk]


def test_requeue_stuck_queues_a_send_whose_retry_never_came(acme, queued):
    message, _ = send(acme)
    age(message, send_attempted_at=3)
    services.message_send_retry_due(message_id=message.pk, countdown=-120)  # due two minutes ago

    assert queued() == [message.pk]


def test_requeue_stuck_queues_a_send_whose_attempt_died_past_the_time_limit(acme, queued):
    message, _ = send(acme)
    age(message, send_queued_at=10, send_attempted_at=2)
    assert queued() == []  # may still be running (limit two minutes, plus one)

    age(message, send_queued_at=10, send_attempted_at=4)
    assert queued() == [message.pk]


def test_requeue_stuck_queues_a_send_that_could_not_be_queued_at_once(acme, queued):
    message, _ = send(acme)
    Message.objects.filter(pk=message.pk).update(send_queued_at=None)

    assert queued() == [message.pk]
    assert Message.objects.get(pk=message.pk).send_queued_at is not None


def test_requeue_stuck_leaves_messages_that_moved_on(acme, queued):
    failed, _ = send(acme, client_id="f")
    services.message_mark_failed(message_id=failed.pk, reason="x")
    linked = sent_with_wa_id(acme, "wa-q")
    for message in (failed, linked):
        age(message, created_at=60, send_queued_at=60)

    assert queued() == []


def test_message_deliver_records_its_attempt(acme, monkeypatch):
    monkeypatch.setattr(bridge, "message_send", lambda *a: (_ for _ in ()).throw(
        bridge.BridgeUnavailable("down")))
    message, _ = send(acme)
    assert message.send_queued_at is not None and message.send_attempted_at is None

    services.message_deliver(message_id=message.pk)

    message = Message.objects.get(pk=message.pk)
    assert message.send_attempts == 1 and message.send_attempted_at is not None


def test_a_send_task_that_meets_an_error_it_cannot_recover_from_fails_the_message(acme, monkeypatch):
    """Never left pending: whatever the task trips on that a retry cannot cure ends in `failed`
    with a reason the agent can read."""
    from chats import tasks
    from chats.services import delivery

    def broken_payload(message):
        raise ValueError("a row the bridge payload cannot be built from")

    monkeypatch.setattr(delivery, "_bridge_payload", broken_payload)
    message, _ = send(acme)

    assert tasks.message_send_task.run(message.pk) == "failed"
    message = Message.objects.get(pk=message.pk)
    assert message.status == "failed" and "internal error (ValueError)" in message.failure_reason


def test_a_send_task_retries_when_the_database_is_away_for_a_moment(acme, monkeypatch, settings):
    """An eager task runs its retries at once: with none allowed, it gives up as a retryable
    failure does ("Gave up after 1 attempts"), not as an unrecoverable one."""
    from django.db import OperationalError

    from chats import tasks

    def database_gone(*, message_id):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(tasks.services, "message_deliver", database_gone)
    settings.MESSAGE_SEND_MAX_RETRIES = 0
    message, _ = send(acme)

    assert tasks.message_send_task.run(message.pk) == "failed"
    assert Message.objects.get(pk=message.pk).failure_reason.startswith("Gave up after 1 attempts: OperationalError")
