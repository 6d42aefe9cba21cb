"""Endpoints that opt out of seq order (`ordered: false`, webhooks/outbound/unordered.py): every
event goes out on its own, so a failing one holds back nothing; an ordered endpoint still holds
the later ones back. A real HTTP receiver on 127.0.0.1; the Celery hand-offs are run in place."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context
from standardwebhooks.webhooks import Webhook

from blazz.core import eventlog
from webhooks.models import WebhookDelivery
from webhooks.outbound import delivery, endpoints, unordered
from webhooks.tests.receiver import Receiver


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.WEBHOOK_RETRY_SCHEDULE = [5.0, 5.0]
    running = Receiver()
    yield running
    running.close()


@pytest.fixture
def queued(monkeypatch):
    found = []
    monkeypatch.setattr(unordered, "queue_attempt", lambda delivery_id, countdown=0: found.append(delivery_id))
    return found


def log_events(schema, *bodies):
    with transaction.atomic():
        return eventlog.append(schema, [(eventlog.new_event_id(), "message.received", timezone.now(), {"body": b})
                                        for b in bodies])


def answered(receiver, status):
    return [e["data"]["body"] for e in receiver.envelopes(status)]


def test_an_unordered_endpoint_delivers_a_later_event_while_an_earlier_one_waits_for_its_retry(
        world, receiver, queued, django_capture_on_commit_callbacks):
    schema = world.ws_a.schema_name
    with schema_context(schema):
        endpoint = endpoints.endpoint_create(url=receiver.url, events=["*"], ordered=False)
        log_events(schema, "first", "second")
        with django_capture_on_commit_callbacks(execute=True):
            assert delivery.endpoint_pump(endpoint_id=endpoint.pk) is None
        first, second = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("seq")
        assert queued == [first.pk, second.pk] and {first.status, second.status} == {"pending"}
        endpoint.refresh_from_db()
        assert endpoint.delivered_seq == second.seq  # handed out: the cursor is past both

        receiver.answer = 503
        assert 4 <= delivery.delivery_attempt(delivery_id=first.pk) <= 6  # its own retry, on the schedule
        receiver.answer = 200
        assert delivery.delivery_attempt(delivery_id=second.pk) is None
        assert answered(receiver, 200) == ["second"] and answered(receiver, 503) == ["first"]
        assert delivery.delivery_attempt(delivery_id=first.pk) is None  # not due yet: nothing sent
        assert len(receiver.requests) == 2

        WebhookDelivery.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        assert list(unordered.due_deliveries()) == [first.pk]
        assert delivery.delivery_attempt(delivery_id=first.pk) is None
        first.refresh_from_db()
        assert first.status == "succeeded" and [a["status_code"] for a in first.attempts] == [503, 200]
        assert answered(receiver, 200) == ["second", "first"]
        sent = receiver.requests[-1]
        Webhook(endpoint.secret).verify(sent["body"], sent["headers"])
        assert sent["headers"]["webhook-id"] == first.event_id


def test_an_unordered_event_whose_retries_run_out_is_failed_and_410_disables(
        world, receiver, queued, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_RETRY_SCHEDULE = []
    schema = world.ws_a.schema_name
    with schema_context(schema):
        endpoint = endpoints.endpoint_create(url=receiver.url, events=["*"], ordered=False)
        log_events(schema, "lost", "gone")
        with django_capture_on_commit_callbacks(execute=True):
            delivery.endpoint_pump(endpoint_id=endpoint.pk)
        lost, gone = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("seq")
        receiver.answer = 500
        assert delivery.delivery_attempt(delivery_id=lost.pk) is None
        receiver.answer = 410
        assert delivery.delivery_attempt(delivery_id=gone.pk) is None
        assert [d.status for d in WebhookDelivery.objects.filter(endpoint=endpoint).order_by("seq")] == ["failed"] * 2
        endpoint.refresh_from_db()
        assert not endpoint.enabled and "410" in endpoint.disabled_reason


def test_an_ordered_endpoint_still_holds_later_events_behind_a_failing_one(world, receiver):
    schema = world.ws_a.schema_name
    with schema_context(schema):
        endpoint = endpoints.endpoint_create(url=receiver.url, events=["*"])
        log_events(schema, "first", "second")
        receiver.answer = 503
        assert delivery.endpoint_pump(endpoint_id=endpoint.pk) > 0
        assert answered(receiver, None) == ["first"]


def test_the_api_takes_and_shows_ordered(client_a, settings):
    admin_a = client_a
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    made = admin_a.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/h", "ordered": False},
                        content_type="application/json").json()
    assert made["ordered"] is False
    patched = admin_a.patch(f"/api/v1/webhooks/{made['id']}/", {"ordered": True}, content_type="application/json")
    assert patched.json()["ordered"] is True
    assert admin_a.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/h"},
                        content_type="application/json").json()["ordered"] is True


def test_the_other_workspace_s_unordered_endpoint_gets_none_of_these_events(world, receiver, queued):
    with schema_context(world.ws_b.schema_name):
        theirs = endpoints.endpoint_create(url=receiver.url, events=["*"], ordered=False)
    with schema_context(world.ws_a.schema_name):
        log_events(world.ws_a.schema_name, "acme only")
    with schema_context(world.ws_b.schema_name):
        delivery.endpoint_pump(endpoint_id=theirs.pk)
        assert not WebhookDelivery.objects.exists() and queued == []
    assert receiver.requests == []
