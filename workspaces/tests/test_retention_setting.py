"""The workspace's retention (`retention_days`) in the REST API: read by every member, set by owners
and admins, null keeps everything."""

from conftest import host_client
from workspaces.models import Workspace


def test_owners_set_retention_and_members_read_it(world, client_a):
    assert client_a.get("/api/v1/me/").json()["workspace"]["retention_days"] is None

    done = client_a.patch("/api/v1/workspace/preferences/", {"retention_days": 30}, content_type="application/json")

    assert done.status_code == 200 and done.json()["retention_days"] == 30
    assert Workspace.objects.get(pk=world.ws_a.pk).retention_days == 30
    assert host_client(world.ws_a, world.agent_a).get("/api/v1/me/").json()["workspace"]["retention_days"] == 30
    off = client_a.patch("/api/v1/workspace/preferences/", {"retention_days": None}, content_type="application/json")
    assert off.status_code == 200 and off.json()["retention_days"] is None


def test_a_retention_out_of_range_is_a_400_naming_the_field(client_a):
    for value in (0, -1, "soon", 100000):
        response = client_a.patch("/api/v1/workspace/preferences/", {"retention_days": value},
                                  content_type="application/json")
        assert response.status_code == 400 and "retention_days" in response.json()["error"]["fields"]


def test_agents_and_the_other_workspace_cannot_change_retention(world):
    for client in (host_client(world.ws_a, world.agent_a), host_client(world.ws_a, world.owner_b)):
        response = client.patch("/api/v1/workspace/preferences/", {"retention_days": 1}, content_type="application/json")
        assert response.status_code in (401, 403)
    assert Workspace.objects.get(pk=world.ws_a.pk).retention_days is None
    assert Workspace.objects.get(pk=world.ws_b.pk).retention_days is None
