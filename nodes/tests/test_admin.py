"""The nodes in the superusers' admin: listed with their load, drained by an action; a workspace
owner sees none of it."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from conftest import host_client
from nodes.models import BridgeNode, SessionPlacement


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root@blazz.test", "root@blazz.test", "a-long-enough-passphrase")


def test_the_admin_lists_nodes_and_drains_them(world, superuser):
    BridgeNode.objects.create(id="node-a", url="http://10.0.0.5:3001", capacity=40, rss_bytes=300 * 2**20,
                              last_heartbeat_at=timezone.now())
    SessionPlacement.objects.create(session_id=f"{world.ws_a.schema_name}.x", schema_name=world.ws_a.schema_name,
                                    node_id="node-a", engine="sandbox")
    admin = host_client(None, superuser)

    page = admin.get("/admin/nodes/bridgenode/")
    assert page.status_code == 200
    assert b"node-a" in page.content and b"http://10.0.0.5:3001" in page.content
    assert admin.get("/admin/nodes/sessionplacement/").status_code == 200

    admin.post("/admin/nodes/bridgenode/", {"action": "drain", "_selected_action": ["node-a"]})
    assert BridgeNode.objects.get(pk="node-a").draining is True
    admin.post("/admin/nodes/bridgenode/", {"action": "undrain", "_selected_action": ["node-a"]})
    assert BridgeNode.objects.get(pk="node-a").draining is False


def test_a_workspace_owner_cannot_see_the_nodes(world):
    BridgeNode.objects.create(id="node-a", url="http://10.0.0.5:3001", last_heartbeat_at=timezone.now())
    page = host_client(None, world.owner_a).get("/admin/nodes/bridgenode/")
    assert page.status_code == 302  # to the admin login: not staff
    assert host_client(world.ws_a, world.owner_a).get("/admin/nodes/bridgenode/").status_code in (302, 404)
