"""Three real bridge nodes (sandbox engine, own ports and data dirs, heartbeats on, the shared auth
store in Django) behind one daphne, Celery worker and beat: 30 sessions are placed evenly; after
`kill -9` of one node its sessions are connected on the others, a send made during the move
reaches its customer once, and the killed node, back, does not take its sessions again.

The stack here has a Redis of its own (its worker and beat must not share a broker with the
session's `stack`, whose worker keeps the short send window of the other tests)."""

from __future__ import annotations

import base64
import secrets
import shutil
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from blazz.dev.devservers import EmbeddedRedis
from blazz.dev.realstack import Process, Stack, database_url, free_port, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

NODE_TIMEOUT = "4"
OPTIONS = {"qr_scan_delay_ms": 0, "ack_delays_ms": {"sent": 40, "delivered": 80, "read": 140, "played": 180},
           "seed": 7}


class Cluster:
    def __init__(self, redis_url: str, base: Path):
        self.stack = Stack(
            database_url=database_url(connection.settings_dict), redis_url=redis_url,
            secret_key=settings.SECRET_KEY, bridge_token=settings.BRIDGE_TOKEN,
            webhook_secret=settings.BRIDGE_WEBHOOK_SECRET, beat=True, base_dir=base,
            env={"BRIDGE_NODE_TIMEOUT": NODE_TIMEOUT, "BRIDGE_FAILOVER_INTERVAL_SECONDS": "1",
                 "MESSAGE_SEND_MAX_RETRIES": "10", "MESSAGE_SEND_BACKOFF_CAP_SECONDS": "3",
                 "BRIDGE_HEARTBEAT_SECONDS": "1", "BRIDGE_AUTH_STORE": "remote", "BRIDGE_CAPACITY": "20"},
        )
        self.stack.env["INTERNAL_BASE_URL"] = self.stack.web_url
        for process in (self.stack.worker, self.stack.beat):
            process.argv[process.argv.index("-l") + 1] = "INFO"
        self.nodes = {}
        for name in ("n1", "n2", "n3"):
            port = free_port()
            self.nodes[name] = (f"http://127.0.0.1:{port}", Process(
                f"bridge-{name}", ["node", "bridge/src/server.js"],
                {**self.stack.env, "BRIDGE_NODE_ID": name, "BRIDGE_PORT": str(port),
                 "BRIDGE_PUBLIC_URL": f"http://127.0.0.1:{port}", "BRIDGE_DATA_DIR": str(base / f"bridge-{name}")},
                base))

    def start(self):
        self.stack.web.start()
        self.stack.worker.start()
        self.stack.beat.start()
        for _url, process in self.nodes.values():
            process.start()
        self.stack.wait_web(timeout=120)  # a loaded machine: daphne's first answer can take a while

    def stop(self):
        for _url, process in self.nodes.values():
            process.stop()
        self.stack.stop()

    def bridge(self, node: str):
        return httpx.Client(base_url=self.nodes[node][0], timeout=15,
                            headers={"Authorization": f"Bearer {settings.BRIDGE_TOKEN}"})


def _live_nodes():
    from sessions_wa.placement import live_nodes

    return set(live_nodes().values_list("id", flat=True))


def _sessions(schemas):
    from sessions_wa.models import WhatsAppSession

    found = {}
    for schema in schemas:
        with schema_context(schema):
            for session in WhatsAppSession.objects.filter(deleted_at__isnull=True):
                found[session.id] = session
    return found


def _placements(ids):
    from nodes.models import SessionPlacement

    return {p.session_id: p for p in SessionPlacement.objects.filter(session_id__in=ids)}


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker):
    settings.BRIDGE_TOKEN = settings.BRIDGE_TOKEN or secrets.token_urlsafe(24)
    settings.BRIDGE_WEBHOOK_SECRET = settings.BRIDGE_WEBHOOK_SECRET or "whsec_" + base64.b64encode(
        secrets.token_bytes(24)).decode()
    base = Path(tempfile.mkdtemp(prefix="blazz-nodes-"))
    redis = EmbeddedRedis(base)
    redis.start()
    running = Cluster(redis.url, base)
    previous_timeout = settings.BRIDGE_NODE_TIMEOUT
    settings.BRIDGE_NODE_TIMEOUT = float(NODE_TIMEOUT)
    with django_db_blocker.unblock():  # committed: the stack's processes see it
        try:
            running.start()
            running.tenants = _thirty_sessions()
            yield running
        finally:
            running.stop()
            redis.stop()
            shutil.rmtree(base, ignore_errors=True)
            settings.BRIDGE_NODE_TIMEOUT = previous_timeout
            from nodes.models import BridgeNode, SessionPlacement

            SessionPlacement.objects.filter(node__in=list(running.nodes)).update(active=False)
            BridgeNode.objects.filter(id__in=list(running.nodes)).delete()


def _thirty_sessions():
    """Two workspaces, 15 sandbox sessions each, created once the three nodes heartbeat."""
    from sessions_wa import services as sessions
    from workspaces import services as workspaces

    wait_until(lambda: _live_nodes() >= {"n1", "n2", "n3"}, 40, 0.2, "three nodes heartbeating")
    tenants = []
    for slug in ("nodesa", "nodesb"):
        owner = workspaces.user_get_or_create(email=f"owner@{slug}.test", password=None)
        workspace = workspaces.workspace_create(slug=slug, name=slug, owner=owner)
        workspace.max_sessions = 20  # 15 each: more than the plan's default cap
        workspace.save(update_fields=["max_sessions"])
        _key, api_key = workspaces.api_key_create(workspace=workspace, name="nodes")
        tenants.append((workspace, api_key))
    for index in range(30):
        with schema_context(tenants[index % 2][0].schema_name):
            sessions.session_create(engine="sandbox", name=f"n{index}", options=OPTIONS)
    return tenants


def test_placement_failover_and_fencing_with_three_nodes(cluster):
    from chats.models import Contact, Message

    tenants = cluster.tenants
    schemas = [workspace.schema_name for workspace, _key in tenants]
    ids = list(_sessions(schemas))
    placed = _placements(ids)
    assert Counter(p.node_id for p in placed.values()) == {"n1": 10, "n2": 10, "n3": 10}

    def all_connected():
        found = _sessions(schemas)
        return all(s.status == "connected" for s in found.values()) and found
    wait_until(all_connected, 60, 0.3, "30 sessions connected")
    assert all(s.node == placed[s.id].node_id for s in _sessions(schemas).values())

    # A customer of three of n2's sessions writes, so each has a contact on that session.
    victim = "n2"
    on_victim = sorted(sid for sid, p in placed.items() if p.node_id == victim)
    customers = {}
    with cluster.bridge(victim) as bridge:
        for number, session_id in enumerate(on_victim[:3]):
            phone = f"62811000009{number:02d}"
            answer = bridge.post(f"/sandbox/sessions/{session_id}/inbound", json={"from": phone, "body": "halo"})
            assert answer.status_code == 200, answer.text
            customers[session_id] = phone

    def contact_of(session_id):
        schema = placed[session_id].schema_name
        with schema_context(schema):
            return Contact.objects.filter(session_id=session_id, wa_id=f"{customers[session_id]}@c.us").first()
    contacts = {sid: wait_until(lambda sid=sid: contact_of(sid), 20, 0.2, "the contact") for sid in customers}

    cluster.nodes[victim][1].kill()
    killed_at = time.monotonic()
    client_ids = {}
    for session_id, contact in contacts.items():
        workspace, api_key = next(t for t in tenants if t[0].schema_name == placed[session_id].schema_name)
        client_ids[session_id] = f"c-{uuid.uuid4()}"
        with cluster.stack.http(workspace.host, Authorization=f"Bearer {api_key}") as api:
            response = api.post(f"/api/v1/contacts/{contact.pk}/messages/",
                                json={"client_id": client_ids[session_id], "body": "during the move"})
        assert response.status_code == 201, response.text

    def moved_and_connected():
        found = _sessions(schemas)
        now = _placements(on_victim)
        return all(now[sid].node_id != victim and now[sid].epoch == 1 and found[sid].status == "connected"
                   and found[sid].node == now[sid].node_id for sid in on_victim)
    wait_until(moved_and_connected, 60, 0.2, "the killed node's sessions connected elsewhere")
    failover_seconds = time.monotonic() - killed_at
    assert failover_seconds < 60
    after = _placements(ids)
    assert Counter(p.node_id for p in after.values()) == {"n1": 15, "n3": 15}

    # Each send made during the move reached its customer exactly once, on the session's new node.
    for session_id, client_id in client_ids.items():
        node = after[session_id].node_id

        def received(session_id=session_id, client_id=client_id, node=node):
            with cluster.bridge(node) as bridge:
                got = bridge.get(f"/sandbox/sessions/{session_id}/customers/{customers[session_id]}").json()
            return [m for m in got["received"] if m["client_id"] == client_id]
        assert len(wait_until(received, 40, 0.3, "the send made during the move")) == 1
        with schema_context(after[session_id].schema_name):
            # Linked to its WhatsApp id first (pending), then its ack moves it on: wait for the tick.
            message = wait_until(lambda client_id=client_id: Message.objects.filter(
                client_id=client_id, wa_message_id__isnull=False, status__in=("sent", "delivered", "read")).first(),
                20, 0.2, "the wa id and its tick")
            assert Message.objects.filter(client_id=client_id).count() == 1

    # The killed node comes back: Django answers it without the moved sessions, so it starts none.
    from nodes.models import BridgeNode

    before_back = BridgeNode.objects.get(pk=victim).last_heartbeat_at
    cluster.nodes[victim][1].start()
    wait_until(lambda: BridgeNode.objects.get(pk=victim).last_heartbeat_at != before_back, 30, 0.2, "its heartbeat")
    def holds():
        try:
            with cluster.bridge(victim) as bridge:
                return bridge.get("/sessions").json()["sessions"]
        except httpx.HTTPError:
            return None
    wait_until(lambda: holds() == [], 15, 0.2, "the old node back, holding nothing")
    assert all(s.status == "connected" for s in _sessions(schemas).values())
    from nodes.models import SessionAuth

    assert SessionAuth.objects.filter(session_id__in=ids).count() == 30
