from io import StringIO

from django.core.management import call_command

from conftest import host_client
from workspaces.models import ApiKey


def test_create_api_key_command_prints_a_working_key_stored_only_as_a_hash(world):
    out = StringIO()

    call_command("create_api_key", "--workspace", "acme", "--name", "crm", stdout=out)

    raw = out.getvalue().strip()
    key = ApiKey.objects.get(workspace=world.ws_a, name="crm")
    assert raw.startswith(key.prefix + "_")
    assert raw not in (key.key_hash, key.prefix)
    assert not ApiKey.objects.filter(key_hash=raw).exists()
    assert host_client(world.ws_a, HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me/").status_code == 200


def test_api_key_records_last_use(world, api_key_a):
    key = ApiKey.objects.get(workspace=world.ws_a)
    assert key.last_used_at is None

    host_client(world.ws_a, HTTP_AUTHORIZATION=f"Bearer {api_key_a}").get("/api/v1/me/")

    key.refresh_from_db()
    assert key.last_used_at is not None


def test_revoked_key_is_refused(world, client_a, api_key_a):
    key = ApiKey.objects.get(workspace=world.ws_a)

    assert client_a.delete(f"/api/v1/api-keys/{key.pk}/").json()["revoked_at"] is not None
    assert host_client(world.ws_a, HTTP_AUTHORIZATION=f"Bearer {api_key_a}").get("/api/v1/me/").status_code == 401


def test_api_key_api_shows_the_key_once(world, client_a):
    created = client_a.post("/api/v1/api-keys/", {"name": "hubspot", "scopes": ["read", "send"]},
                            content_type="application/json").json()
    listed = client_a.get("/api/v1/api-keys/").json()

    assert created["key"].startswith(created["prefix"])
    assert all("key" not in row and "key_hash" not in row for row in listed)
    assert [row["prefix"] for row in listed] == [created["prefix"]]


def test_agents_cannot_create_keys(world):
    response = host_client(world.ws_a, world.agent_a).post("/api/v1/api-keys/", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403


def test_create_api_key_for_unknown_workspace_fails_clearly(db):
    import pytest
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no workspace"):
        call_command("create_api_key", "--workspace", "nope", "--name", "x")


def test_the_bearer_scheme_is_case_insensitive(world, api_key_a):
    for scheme in ("Bearer", "bearer", "BEARER"):
        response = host_client(world.ws_a, HTTP_AUTHORIZATION=f"{scheme} {api_key_a}").get("/api/v1/me/")
        assert response.status_code == 200, scheme


def test_an_api_key_cannot_list_create_or_revoke_api_keys(world, api_key_a):
    key = ApiKey.objects.get(workspace=world.ws_a)
    crm = host_client(world.ws_a, HTTP_AUTHORIZATION=f"Bearer {api_key_a}")

    answers = [crm.get("/api/v1/api-keys/"),
               crm.post("/api/v1/api-keys/", {"name": "minted"}, content_type="application/json"),
               crm.delete(f"/api/v1/api-keys/{key.pk}/")]

    for response in answers:
        assert response.status_code == 403 and response.json()["error"]["code"] == "session_required"
    assert list(ApiKey.objects.filter(workspace=world.ws_a).values_list("name", "revoked_at")) == [("crm", None)]


def test_an_admin_with_a_session_manages_api_keys(world):
    from workspaces.models import Membership

    Membership.objects.filter(user=world.agent_a, workspace=world.ws_a).update(role="admin")
    admin = host_client(world.ws_a, world.agent_a)

    created = admin.post("/api/v1/api-keys/", {"name": "zapier", "scopes": ["manage"]}, content_type="application/json")

    assert created.status_code == 201
    assert ApiKey.objects.get(pk=created.json()["id"]).created_by == world.agent_a
    assert admin.delete(f"/api/v1/api-keys/{created.json()['id']}/").status_code == 200
