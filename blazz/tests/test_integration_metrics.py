"""/metrics from the real stack (daphne processes, a Celery worker, the bridge): what a send and a
customer's message do to the counters, and who may scrape them."""

import uuid

import httpx
import pytest

from blazz.dev.realstack import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

CUSTOMER = "+6281100000077"


def total(samples: dict, name: str, **labels) -> float:
    """The sum of `name`'s samples whose labels include `labels` (other labels: any)."""
    return sum(value for (sample_name, *pairs), value in samples.items()
               if sample_name == name and set(labels.items()) <= set(pairs))


def test_a_send_and_a_customer_message_move_the_web_worker_and_bridge_counters(stack, stack_a):
    before = stack.metrics()
    bridge_before = stack.metrics(bridge=True)
    with stack_a.api() as api:
        contact = api.post("/api/v1/contacts/", json={"phone": CUSTOMER}).json()
        sent = api.post(f"/api/v1/contacts/{contact['id']}/messages/",
                        json={"client_id": f"m-{uuid.uuid4()}", "body": "counted"})
    assert sent.status_code == 201, sent.text
    with stack.bridge_http() as bridge:
        assert bridge.post(f"/sandbox/sessions/{stack_a.session.id}/inbound",
                           json={"from": CUSTOMER, "body": "counted back"}).status_code < 300

    def moved():
        now = stack.metrics()
        return all(total(now, name, **labels) > total(before, name, **labels) for name, labels in (
            ("blazz_messages_total", {"direction": "out", "type": "text"}),   # daphne
            ("blazz_messages_total", {"direction": "in", "type": "text"}),    # daphne, the webhook
            ("blazz_sends_total", {"outcome": "done"}),                       # the Celery worker
            ("blazz_message_status_total", {"status": "sent"}),
            ("blazz_send_to_sent_seconds_count", {}),
            ("blazz_bridge_webhook_apply_seconds_count", {"kind": "event"}),
            ("blazz_bridge_webhook_events_total", {"result": "applied"}),
        )) and now

    after = wait_until(moved, 20, 0.3, "the counters to move after a send and a customer message")
    assert ("blazz_celery_queue_depth", ("queue", "celery")) in after
    assert total(after, "blazz_messages_total", direction="out", type="text") >= 1
    bridge_after = stack.metrics(bridge=True)
    assert total(bridge_after, "blazz_bridge_sends_total", outcome="sent") > total(
        bridge_before, "blazz_bridge_sends_total", outcome="sent")
    assert total(bridge_after, "blazz_bridge_sessions", status="connected") >= 1
    assert ("blazz_bridge_dead_letters",) != () and any(key[0] == "blazz_bridge_dead_letters" for key in bridge_after)


def test_an_open_socket_is_counted_and_its_frames_timed(stack, stack_a):
    import json
    import socket as sockets

    from websockets.sync.client import connect

    before = stack.metrics()
    # Python does not resolve *.localhost: the URI names the workspace host, the TCP connection goes to 127.0.0.1.
    tcp = sockets.create_connection(("127.0.0.1", stack.web_port), timeout=10)
    with connect(f"ws://{stack_a.host}:{stack.web_port}/ws/inbox/?api_key={stack_a.api_key}", sock=tcp) as socket:
        assert json.loads(socket.recv(timeout=10))["type"] == "hello"
        wait_until(lambda: total(stack.metrics(), "blazz_sockets") > total(before, "blazz_sockets"), 10, 0.2,
                   "the socket to be counted")
        with stack.bridge_http() as bridge:
            bridge.post(f"/sandbox/sessions/{stack_a.session.id}/inbound", json={"from": CUSTOMER, "body": "framed"})
        wait_until(lambda: "framed" in socket.recv(timeout=10), 15, message="the message's frame")
        wait_until(lambda: total(stack.metrics(), "blazz_event_to_frame_seconds_count") >
                   total(before, "blazz_event_to_frame_seconds_count"), 10, 0.2, "the frame to be timed")
    wait_until(lambda: total(stack.metrics(), "blazz_sockets") == total(before, "blazz_sockets"), 10, 0.2,
               "the closed socket to be uncounted")


def test_metrics_want_the_metrics_token(stack):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {stack.bridge_token}"}):
        web = httpx.get(f"{stack.web_url}/metrics", headers={"Host": "localhost", **headers})
        bridge = httpx.get(f"{stack.bridge_url}/metrics", headers=headers)
        assert web.status_code == 401 and web.json()["error"]["code"] == "unauthorized"
        assert bridge.status_code == 401
