"""The endpoint pump (webhooks/outbound/delivery.py) in process against a real HTTP receiver on
127.0.0.1: order, batch recording, a failure holding back later events, the lease (one pump per
endpoint), and no transaction left open while it calls the receiver."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone
from django_tenants.utils import schema_context
from standardwebhooks.webhooks import Webhook

from blazz.core import eventlog
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.outbound import delivery, endpoints
from webhooks.tests.receiver import Receiver


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


@pytest.fixture
def acme(transactional_db, world, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.WEBHOOK_RETRY_SCHEDULE = [60]
    schema = world.ws_a.schema_name
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{schema}".webhooks_eventlog')
        cursor.execute(f'DELETE FROM "{schema}".webhooks_eventcounter')
    with schema_context(schema):
        yield schema


def log_events(schema, count, kind="message.new"):
    now = timezone.now()
    with transaction.atomic():
        return eventlog.append(schema, [(eventlog.new_event_id(), kind, now, {"n": n}) for n in range(count)])


def make_endpoint(receiver, events=("*",)):
    return WebhookEndpoint.objects.create(url=receiver.url, events=list(events), secret=endpoints.new_secret())


def test_the_pump_delivers_a_page_in_seq_order_signed_and_records_each_delivery_in_batches(
        acme, receiver, django_assert_max_num_queries):
    endpoint = make_endpoint(receiver)
    seqs = log_events(acme, 60)

    # Queries per pump: a handful per batch of RECORD_EVERY deliveries, not a few per delivery.
    with django_assert_max_num_queries(20):
        assert delivery.endpoint_pump(endpoint_id=endpoint.pk) is None

    got = receiver.envelopes()
    assert [e["seq"] for e in got] == seqs
    for request in receiver.requests:
        Webhook(endpoint.secret).verify(request["body"], request["headers"])
    endpoint.refresh_from_db()
    assert endpoint.delivered_seq == seqs[-1]
    rows = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert rows.count() == 60 and set(rows.values_list("status", flat=True)) == {"succeeded"}
    assert {r.event_id for r in rows} == {e["id"] for e in got}


def test_a_failed_event_holds_back_the_later_ones_and_goes_again_with_the_same_webhook_id(acme, receiver):
    endpoint = make_endpoint(receiver)
    seqs = log_events(acme, 5)
    receiver.answer = 503

    delay = delivery.endpoint_pump(endpoint_id=endpoint.pk)

    assert 48 <= delay <= 72  # the schedule's first retry, with jitter
    assert [e["seq"] for e in receiver.envelopes(503)] == [seqs[0]]
    endpoint.refresh_from_db()
    assert endpoint.delivered_seq == 0 and endpoint.next_attempt_at is not None
    assert delivery.endpoint_pump(endpoint_id=endpoint.pk) is None  # not due yet: nothing sent
    assert len(receiver.requests) == 1

    receiver.answer = 200
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(next_attempt_at=timezone.now())
    delivery.endpoint_pump(endpoint_id=endpoint.pk)

    assert [e["seq"] for e in receiver.envelopes()] == seqs
    assert receiver.envelopes(503)[0]["id"] == receiver.envelopes()[0]["id"]
    first = WebhookDelivery.objects.get(endpoint=endpoint, seq=seqs[0])
    assert first.status == "succeeded" and [a["status_code"] for a in first.attempts] == [503, 200]


def test_only_one_pump_holds_an_endpoint_at_a_time(acme, receiver):
    endpoint = make_endpoint(receiver)
    log_events(acme, 3)
    held, release, answers = threading.Event(), threading.Event(), []

    def other_worker():
        try:
            with schema_context(acme), delivery._lease(acme, endpoint.pk) as ok:
                answers.append(ok)
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert held.wait(10) and answers == [True]
    try:
        assert delivery.endpoint_pump(endpoint_id=endpoint.pk) == delivery.BUSY
        assert receiver.requests == []
    finally:
        release.set()
        thread.join(10)
    assert delivery.endpoint_pump(endpoint_id=endpoint.pk) is None
    assert len(receiver.envelopes()) == 3


def test_the_pump_calls_the_receiver_outside_any_transaction(acme, receiver, monkeypatch):
    endpoint = make_endpoint(receiver)
    log_events(acme, 2)
    in_transaction = []
    real_send = delivery.send

    def watching_send(*args, **kwargs):
        in_transaction.append(connection.in_atomic_block)
        return real_send(*args, **kwargs)

    monkeypatch.setattr(delivery, "send", watching_send)
    delivery.endpoint_pump(endpoint_id=endpoint.pk)
    assert in_transaction == [False, False]


def test_an_endpoint_filter_sends_only_the_events_it_names(acme, receiver):
    endpoint = make_endpoint(receiver, events=["message.status"])
    log_events(acme, 2, kind="message.new")
    wanted = log_events(acme, 2, kind="message.status")

    delivery.endpoint_pump(endpoint_id=endpoint.pk)

    assert [(e["type"], e["seq"]) for e in receiver.envelopes()] == [("message.status", s) for s in wanted]
