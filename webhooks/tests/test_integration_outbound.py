"""Outgoing webhooks with real parts: daphne, the Celery worker (consuming the webhooks queue),
the bridge with the sandbox, PostgreSQL, Redis, and a real HTTP receiver on 127.0.0.1 that
verifies every request with the standardwebhooks package, as a CRM would."""

import itertools
import json
import uuid

import pytest
from standardwebhooks.webhooks import Webhook

from blazz.dev.realstack import wait_until
from webhooks.tests.receiver import Receiver

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

TIMEOUT = 30
_phones = itertools.count(1)


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


@pytest.fixture
def endpoint(stack_a, receiver):
    with stack_a.admin() as api:
        made = api.post("/api/v1/webhooks/", json={"url": receiver.url, "events": ["message.new"]})
    assert made.status_code == 201, made.text
    yield made.json()
    with stack_a.admin() as api:
        api.delete(f"/api/v1/webhooks/{made.json()['id']}/")


def inbound(stack, ws, body: str, phone: str):
    with stack.bridge_http() as bridge:
        response = bridge.post(f"/sandbox/sessions/{ws.session.id}/inbound", json={"from": phone, "body": body})
        assert response.status_code < 300, response.text


def bodies(receiver, tag, status=200):
    return [e["data"]["message"]["body"] for e in receiver.envelopes(status)
            if e["type"] == "message.new" and tag in e["data"]["message"]["body"]]


def verified(receiver, secret):
    """Every request the receiver got verifies with the endpoint's secret; their envelopes."""
    for request in receiver.requests:
        Webhook(secret).verify(request["body"], request["headers"])  # raises when it does not
        envelope = json.loads(request["body"])
        assert request["headers"]["webhook-id"] == envelope["id"]
        assert set(envelope) == {"id", "type", "workspace", "seq", "occurred_at", "data"}
    return receiver.envelopes(None)


def test_an_event_reaches_the_crm_signed_with_the_event_id_and_survives_a_receiver_outage_in_order(
        stack, stack_a, receiver, endpoint):
    tag, phone = uuid.uuid4().hex[:8], f"62811077{next(_phones):05d}"

    inbound(stack, stack_a, f"{tag} one", phone)
    wait_until(lambda: bodies(receiver, tag) == [f"{tag} one"], TIMEOUT, 0.05, "the first delivery")

    receiver.answer = 503  # the CRM is down: retried on the (shrunk) schedule, in order
    for n in range(3):
        inbound(stack, stack_a, f"{tag} down {n}", phone)
    wait_until(lambda: len(bodies(receiver, tag, 503)) >= 2, TIMEOUT, 0.05, "failed attempts")
    receiver.answer = 200
    expected = [f"{tag} one"] + [f"{tag} down {n}" for n in range(3)]
    wait_until(lambda: bodies(receiver, tag) == expected, TIMEOUT, 0.05, "every event after the outage")

    envelopes = verified(receiver, endpoint["secret"])
    delivered = receiver.envelopes(200)
    seqs = [e["seq"] for e in delivered]
    assert seqs == sorted(seqs) and len(set(e["id"] for e in delivered)) == len(delivered)  # in order, once
    assert all(e["workspace"] == stack_a.schema for e in envelopes)
    retried = [e["id"] for e in receiver.envelopes(503)]
    assert retried and set(retried) <= {e["id"] for e in delivered}  # the same webhook-id across retries

    def first_retried_settled():  # the receiver has its 200 a moment before the worker records it
        with stack_a.admin() as api:
            log = api.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries/").json()["results"]
        found = next(d for d in log if d["event_id"] == retried[0])
        return found if found["status"] != "pending" else None
    first_retried = wait_until(first_retried_settled, TIMEOUT, 0.1, "the retried delivery recorded")
    assert first_retried["status"] == "succeeded"
    codes = [a["status_code"] for a in first_retried["attempts"]]
    assert codes[-1] == 200 and 503 in codes
    failed_attempt = next(a for a in first_retried["attempts"] if a["status_code"] == 503)
    assert len(failed_attempt["response"]) == 1024 and failed_attempt["latency_ms"] is not None


def test_410_gone_disables_the_endpoint_with_the_reason_and_a_test_event_and_replay_work(
        stack, stack_a, receiver, endpoint):
    tag, phone = uuid.uuid4().hex[:8], f"62811078{next(_phones):05d}"
    with stack_a.admin() as api:
        tested = api.post(f"/api/v1/webhooks/{endpoint['id']}/test/").json()
    assert tested["status"] == "succeeded" and tested["type"] == "webhook.test"
    assert [e["type"] for e in verified(receiver, endpoint["secret"])] == ["webhook.test"]

    receiver.answer = 410
    inbound(stack, stack_a, f"{tag} gone", phone)

    def disabled():
        with stack_a.admin() as api:
            found = api.get(f"/api/v1/webhooks/{endpoint['id']}/").json()
        return found if not found["enabled"] else None

    found = wait_until(disabled, TIMEOUT, 0.1, "the endpoint disabled")
    assert "410" in found["disabled_reason"]
    with stack_a.admin() as api:
        failed = api.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries/", params={"status": "failed"}).json()["results"]
        assert [d["status"] for d in failed] == ["failed"]
        receiver.answer = 200
        replayed = api.post(f"/api/v1/webhook-deliveries/{failed[0]['id']}/replay/").json()
    assert replayed["status"] == "succeeded" and bodies(receiver, tag) == [f"{tag} gone"]


def test_another_workspaces_events_never_reach_this_endpoint(stack, stack_a, stack_b, receiver, endpoint):
    tag = uuid.uuid4().hex[:8]
    inbound(stack, stack_b, f"{tag} globex", f"62811079{next(_phones):05d}")
    inbound(stack, stack_a, f"{tag} acme", f"62811079{next(_phones):05d}")

    wait_until(lambda: bodies(receiver, tag), TIMEOUT, 0.05, "acme's event")
    # Events of one workspace are delivered in order; B's was sent first and never came.
    assert bodies(receiver, tag) == [f"{tag} acme"]
