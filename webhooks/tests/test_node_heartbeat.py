"""node.heartbeat on /hooks/bridge/: the registry records the node and answers its desired
sessions; an old owner's session statuses are recorded but not applied."""

import time

import pytest
from django_tenants.utils import schema_context

from conftest import host_client
from nodes.models import BridgeNode, SessionPlacement
from sessions_wa.models import WhatsAppSession
from webhooks.tests.conftest import signed


def beat(node_id="n1", session_ids=(), **data):
    payload = {"type": "node.heartbeat", "node_id": node_id, "occurred_at": time.time(), "data": {
        "url": f"http://127.0.0.1:9/{node_id}", "capacity": 10, "memory_budget_bytes": None, "rss_bytes": 123,
        "sessions": {"connected": len(session_ids)}, "session_ids": list(session_ids), "outbox_depth": 2,
        "dead_letters": 0, **data}}
    body, headers = signed(payload)
    return host_client().generic("POST", "/hooks/bridge/", body, content_type="application/json", **headers)


def test_a_heartbeat_registers_the_node_and_answers_its_sessions(world, webhook_secret, session_a):
    SessionPlacement.objects.create(session_id=session_a.pk, schema_name=world.ws_a.schema_name, engine="sandbox",
                                    options={"seed": 1})
    response = beat("n1", session_ids=[session_a.pk])

    assert response.status_code == 200, response.content
    node = BridgeNode.objects.get(pk="n1")
    assert (node.url, node.capacity, node.rss_bytes, node.load["outbox_depth"]) == ("http://127.0.0.1:9/n1", 10, 123, 2)
    # An unplaced session the node holds is adopted where it runs.
    assert response.json()["sessions"] == [{"id": session_a.pk, "engine": "sandbox", "workspace": world.ws_a.schema_name,
                                            "options": {"seed": 1}, "epoch": 0}]
    assert SessionPlacement.objects.get(pk=session_a.pk).node_id == "n1"


def test_a_session_placed_on_another_node_is_not_listed_so_the_node_releases_it(world, webhook_secret, session_a):
    beat("n2")
    SessionPlacement.objects.create(session_id=session_a.pk, schema_name=world.ws_a.schema_name, engine="sandbox",
                                    node_id="n2", epoch=3)
    assert beat("n1", session_ids=[session_a.pk]).json()["sessions"] == []
    assert beat("n2").json()["sessions"][0]["epoch"] == 3


def test_a_session_without_a_placement_row_is_adopted_from_its_workspace(world, webhook_secret, session_a):
    response = beat("n1", session_ids=[session_a.pk, "ws_nowhere.x1", "public.x"])
    assert [s["id"] for s in response.json()["sessions"]] == [session_a.pk]
    assert SessionPlacement.objects.get(pk=session_a.pk).schema_name == world.ws_a.schema_name


@pytest.mark.parametrize("broken", [{"capacity": -1}, {"url": 5}, {"outbox_depth": "x"}, {"url": "a\u0000b"}])
def test_a_broken_heartbeat_is_a_422_naming_the_field(webhook_secret, db, broken):
    response = beat("n1", **broken)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_payload" and response.json()["error"]["fields"]
    assert not BridgeNode.objects.filter(pk="n1").exists()


def test_an_unsigned_heartbeat_is_refused(db):
    response = host_client().post("/hooks/bridge/", {"type": "node.heartbeat"}, content_type="application/json")
    assert response.status_code == 401


def test_an_old_owners_status_is_recorded_not_applied(world, webhook_secret, bridge_a, session_a):
    SessionPlacement.objects.create(session_id=session_a.pk, schema_name=world.ws_a.schema_name, engine="sandbox",
                                    epoch=2)

    def post(epoch, data, webhook_id):
        return bridge_a.post("session.status", data, webhook_id=webhook_id, epoch=epoch)

    assert post(1, {"status": "disconnected", "phone": None, "reason": "x"}, "evt_old").status_code == 200
    assert post(2, {"status": "disconnected", "phone": None, "reason": "released", "reason_code": "released"},
                "evt_rel").status_code == 200
    with schema_context(world.ws_a.schema_name):
        assert WhatsAppSession.objects.get(pk=session_a.pk).status == "connected"
    assert post(2, {"status": "disconnected", "phone": None, "reason": "lost"}, "evt_new").status_code == 200
    with schema_context(world.ws_a.schema_name):
        assert WhatsAppSession.objects.get(pk=session_a.pk).status == "disconnected"
    assert post(None, {"status": "connected", "phone": None, "reason": ""}, "evt_none").status_code == 200
    with schema_context(world.ws_a.schema_name):
        assert WhatsAppSession.objects.get(pk=session_a.pk).status == "connected"
