"""A batch of one session's events on /hooks/bridge/: in order, in one transaction, each once by
its own id; a refused event is answered `rejected` and undone alone."""

import time

from django_tenants.utils import schema_context

from chats.models import Contact, Message
from webhooks.models import AppliedWebhook
from webhooks.tests.conftest import received


def batch(bridge, events, **envelope):
    return bridge.post("batch", {"events": [
        {"id": event_id, "type": type_, "occurred_at": time.time(), "data": data} for event_id, type_, data in events]},
        **envelope)


def test_a_batch_is_applied_in_order_once_per_event(world, bridge_a):
    first, second = received(body="one"), received(body="two")
    events = [("evt_b1", "message.received", first), ("evt_b2", "message.received", second),
              ("evt_b3", "message.ack", {"wa_message_id": "true_x", "ack": 2})]

    response = batch(bridge_a, events)

    assert response.status_code == 200, response.content
    assert response.json()["results"] == [{"id": "evt_b1", "status": "applied"}, {"id": "evt_b2", "status": "applied"},
                                          {"id": "evt_b3", "status": "applied"}]
    with schema_context(world.ws_a.schema_name):
        bodies = list(Message.objects.order_by("id").values_list("body", flat=True))
        assert bodies == ["one", "two"]
        assert Contact.objects.get(wa_id="6281234567890@c.us").unread_count == 2
        assert AppliedWebhook.objects.filter(webhook_id__startswith="evt_b").count() == 3

    # Delivered again (the bridge lost the answer), and one of them alone: nothing changes.
    again = batch(bridge_a, events)
    assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 3
    assert bridge_a.post("message.received", first, webhook_id="evt_b1").json()["duplicate"] is True
    with schema_context(world.ws_a.schema_name):
        assert Message.objects.count() == 2
        assert Contact.objects.get(wa_id="6281234567890@c.us").unread_count == 2


def test_a_refused_event_is_rejected_alone(world, bridge_a):
    events = [("evt_r1", "message.received", received(body="kept")),
              ("evt_r2", "message.received", {**received(), "chat_id": 5}),
              ("evt_r3", "no.such.type", {}),
              ("evt_r4", "message.received", received(body="kept too"))]

    results = batch(bridge_a, events).json()["results"]

    assert [r["status"] for r in results] == ["applied", "rejected", "rejected", "applied"]
    assert results[1]["error"]["code"] == "invalid_payload" and "data.chat_id" in results[1]["error"]["fields"]
    assert results[2]["error"]["code"] == "unknown_event_type"
    with schema_context(world.ws_a.schema_name):
        assert sorted(Message.objects.values_list("body", flat=True)) == ["kept", "kept too"]
        assert not AppliedWebhook.objects.filter(webhook_id__in=["evt_r2", "evt_r3"]).exists()


def test_a_broken_batch_or_an_unknown_session_refuses_the_whole_post(world, bridge_a):
    assert bridge_a.post("batch", {"events": []}).status_code == 422  # minItems 1
    assert bridge_a.post("batch", {"events": [{"id": "x"}]}).status_code == 422
    response = batch(bridge_a, [("evt_u1", "message.received", received())], session_id=f"{world.ws_a.schema_name}.nope")
    assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_session"
    # Another workspace's session named under this workspace is unknown here too.
    response = batch(bridge_a, [("evt_u2", "message.received", received())], workspace=world.ws_b.schema_name)
    assert response.status_code == 404
    with schema_context(world.ws_a.schema_name):
        assert not Message.objects.exists()


def test_an_event_a_handler_refuses_is_undone_alone(world, bridge_a, monkeypatch):
    from blazz.core.errors import DomainError
    from webhooks.inbound import apply as single

    def refuse(session, data):
        raise DomainError("invalid_payload", "refused by its handler")

    monkeypatch.setitem(single.HANDLERS, "message.reaction", refuse)
    events = [("evt_h1", "message.received", received(body="before")),
              ("evt_h2", "message.reaction", {"wa_message_id": "true_x", "from": "6281234567890@c.us", "emoji": "👍"}),
              ("evt_h3", "message.received", received(body="after")),
              ("evt_h3", "message.received", received(body="the same id again"))]

    results = batch(bridge_a, events).json()["results"]

    assert [r["status"] for r in results] == ["applied", "rejected", "applied", "duplicate"]
    assert results[1]["error"]["message"] == "refused by its handler"
    with schema_context(world.ws_a.schema_name):
        assert sorted(Message.objects.values_list("body", flat=True)) == ["after", "before"]
        assert not AppliedWebhook.objects.filter(webhook_id="evt_h2").exists()
