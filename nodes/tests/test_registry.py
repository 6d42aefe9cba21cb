"""The registry without processes: placement by headroom, failover and draining at the next epoch,
routing of bridge calls, the shared auth store, and /api/health/'s nodes."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from conftest import host_client
from nodes.models import BridgeNode, SessionAuth, SessionPlacement
from sessions_wa import bridge, failover, placement, services
from sessions_wa.models import WhatsAppSession

DEAD_URL = "http://127.0.0.1:9"  # the discard port: nothing listens, a call is refused at once


def node(node_id, *, capacity=10, age=0, draining=False):
    return BridgeNode.objects.create(id=node_id, url=f"{DEAD_URL}/{node_id}", capacity=capacity, draining=draining,
                                     last_heartbeat_at=timezone.now() - dt.timedelta(seconds=age))


def create_sessions(world, count):
    world.ws_a.max_sessions = max(world.ws_a.max_sessions, count + 5)  # more than the plan's default cap
    world.ws_a.save(update_fields=["max_sessions"])
    with schema_context(world.ws_a.schema_name):
        return [services.session_create(engine="sandbox") for _ in range(count)]


def test_new_sessions_go_to_the_node_with_most_headroom(world, settings):
    settings.BRIDGE_URL = DEAD_URL
    node("a", capacity=10), node("b", capacity=10), node("c", capacity=6)
    node("dead", capacity=100, age=3600)
    node("drained", capacity=100, draining=True)
    sessions = create_sessions(world, 12)
    placed = [SessionPlacement.objects.get(pk=s.pk).node_id for s in sessions]
    assert {n: placed.count(n) for n in set(placed)} == {"a": 5, "b": 5, "c": 2}
    assert [s.node for s in sessions] == placed  # the session shows its node


def test_without_live_nodes_a_session_is_unplaced_and_calls_go_to_bridge_url(world, settings):
    settings.BRIDGE_URL = "http://127.0.0.1:9/single"
    session = create_sessions(world, 1)[0]
    assert SessionPlacement.objects.get(pk=session.pk).node_id is None
    assert bridge.route(session.pk) == ("http://127.0.0.1:9/single", 0)
    assert bridge.route("ws_none.unknown") == ("http://127.0.0.1:9/single", None)


def test_a_dead_nodes_sessions_move_to_live_nodes_at_the_next_epoch(world, settings):
    settings.BRIDGE_URL = DEAD_URL
    node("a"), node("b")
    sessions = create_sessions(world, 4)
    BridgeNode.objects.filter(pk="a").update(last_heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    node("c")

    counts = failover.nodes_failover()

    assert counts == {"moved": 2, "stuck": 0}
    after = {p.session_id: p for p in SessionPlacement.objects.filter(session_id__in=[s.pk for s in sessions])}
    assert sorted(p.node_id for p in after.values()) == ["b", "b", "c", "c"]
    assert sorted(p.epoch for p in after.values()) == [0, 0, 1, 1]
    moved = [p for p in after.values() if p.epoch == 1]
    assert all(bridge.route(p.session_id) == (f"{DEAD_URL}/c", 1) for p in moved)
    with schema_context(world.ws_a.schema_name):
        for p in moved:
            row = WhatsAppSession.objects.get(pk=p.session_id)
            assert (row.node, row.status, row.reason) == ("c", "starting", failover.MOVING_REASON)
    assert failover.nodes_failover() == {"moved": 0, "stuck": 0}  # nothing left to move


def test_with_no_other_node_the_sessions_stay_and_a_draining_node_empties(world, settings):
    settings.BRIDGE_URL = DEAD_URL
    node("a")
    sessions = create_sessions(world, 2)
    BridgeNode.objects.filter(pk="a").update(draining=True)
    assert failover.nodes_failover() == {"moved": 0, "stuck": 2}
    node("b")
    assert failover.nodes_failover() == {"moved": 2, "stuck": 0}
    assert set(SessionPlacement.objects.filter(session_id__in=[s.pk for s in sessions])
               .values_list("node_id", flat=True)) == {"b"}


def test_a_logged_out_session_is_no_longer_placed(world, settings):
    settings.BRIDGE_URL = DEAD_URL
    node("a")
    session = create_sessions(world, 1)[0]
    with schema_context(world.ws_a.schema_name):
        services.session_logout(session=session)
    assert placement.node_heartbeat(node_id="a", data={
        "url": DEAD_URL, "capacity": 1, "rss_bytes": 1, "session_ids": [session.pk]}) == []


# --- the shared auth store ---------------------------------------------------------------------------

@pytest.fixture
def token(settings):
    settings.BRIDGE_TOKEN = "bridge-token"
    return {"HTTP_AUTHORIZATION": "Bearer bridge-token"}


def test_the_auth_store_keeps_opaque_bytes_per_session(world, token):
    client = host_client()
    url = f"/internal/bridge/auth/{world.ws_a.schema_name}.s1"
    assert client.get(url, **token).status_code == 404
    blob = bytes(range(256)) * 10
    stored = client.generic("PUT", url, blob, content_type="application/octet-stream", **token)
    assert stored.status_code == 200 and stored.json() == {"stored": True, "bytes": len(blob)}
    got = client.get(url, **token)
    assert got.status_code == 200 and got.content == blob
    client.generic("PUT", url, b"v2", content_type="application/octet-stream", **token)
    assert client.get(url, **token).content == b"v2"
    assert client.delete(url, **token).status_code == 200
    assert client.delete(url, **token).status_code == 404
    assert not SessionAuth.objects.exists()


def test_the_auth_store_needs_the_bridge_token_and_a_real_workspace(world, token, settings):
    client = host_client()
    url = f"/internal/bridge/auth/{world.ws_a.schema_name}.s1"
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}):
        response = client.get(url, **headers)
        assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    for session_id in ("ws_nope.s1", "public.s1", "x" * 65):
        response = client.generic("PUT", f"/internal/bridge/auth/{session_id}", b"x", **token)
        assert response.status_code == 404
    assert client.post(url, b"x", content_type="application/octet-stream", **token).status_code == 405
    settings.BRIDGE_AUTH_MAX_BYTES = 3
    response = client.generic("PUT", url, b"four", **token)
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"
    # A workspace host does not serve it.
    assert host_client(world.ws_a).get(url, **token).status_code in (302, 404)


def test_health_lists_the_nodes(world, monkeypatch):
    from blazz import health
    from blazz.health import check_bridge

    monkeypatch.setattr(health.connections, "close_all", lambda: None)  # the test's transaction stays open
    node("a", capacity=7)
    node("gone", age=3600)
    report = check_bridge()
    assert [n["id"] for n in report["nodes"]] == ["a", "gone"]
    first = report["nodes"][0]
    assert {"id", "url", "sessions", "rss_bytes", "last_heartbeat_at"} <= set(first)
    assert (first["live"], first["capacity"], report["nodes"][1]["live"]) == (True, 7, False)
    BridgeNode.objects.filter(pk="a").update(last_heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(RuntimeError, match="no bridge node"):
        check_bridge()
