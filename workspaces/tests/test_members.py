import pytest

from conftest import PASSWORD, host_client
from workspaces.models import Membership


def test_owner_adds_a_member_with_a_password(world, client_a):
    response = client_a.post("/api/v1/members/", {"email": "new@acme.test", "role": "admin", "password": PASSWORD},
                             content_type="application/json")

    assert response.status_code == 201
    assert response.json()["role"] == "admin"
    assert response.json()["invite_url"] is None
    assert host_client(world.ws_a).post("/login/", {"email": "new@acme.test", "password": PASSWORD}).status_code == 302


def test_owner_invites_a_new_person_who_sets_a_password(world, client_a):
    response = client_a.post("/api/v1/members/", {"email": "invitee@acme.test"}, content_type="application/json")
    invite_url = response.json()["invite_url"]
    assert invite_url.startswith("http://acme.localhost:8000/invite/")
    path = invite_url.split(":8000", 1)[1]
    guest = host_client(world.ws_a)

    assert guest.post(path, {"password": "weak"}).status_code == 400
    assert guest.post(path, {"password": "another-good-passphrase"}).status_code == 302
    assert guest.get("/api/v1/me/").json()["user"]["email"] == "invitee@acme.test"
    # used once
    assert host_client(world.ws_a).post(path, {"password": "another-good-passphrase"}).status_code == 400


def test_adding_an_existing_member_is_409(world, client_a):
    response = client_a.post("/api/v1/members/", {"email": "agent@acme.test"}, content_type="application/json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "member_exists"


def test_agents_cannot_manage_members(world):
    agent = host_client(world.ws_a, world.agent_a)
    response = agent.post("/api/v1/members/", {"email": "x@acme.test"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "owner_required"


def test_owner_changes_a_role_and_removes_a_member(world, client_a):
    agent = Membership.objects.get(user=world.agent_a, workspace=world.ws_a)

    assert client_a.patch(f"/api/v1/members/{agent.pk}/", {"role": "admin"}, content_type="application/json").json()["role"] == "admin"
    assert client_a.delete(f"/api/v1/members/{agent.pk}/").status_code == 204
    assert not Membership.objects.filter(pk=agent.pk).exists()


def test_the_last_owner_cannot_be_demoted_or_removed(world, client_a):
    owner = Membership.objects.get(user=world.owner_a, workspace=world.ws_a)

    demote = client_a.patch(f"/api/v1/members/{owner.pk}/", {"role": "agent"}, content_type="application/json")
    remove = client_a.delete(f"/api/v1/members/{owner.pk}/")

    assert demote.status_code == 409 and demote.json()["error"]["code"] == "last_owner"
    assert remove.status_code == 409 and remove.json()["error"]["code"] == "last_owner"
    assert Membership.objects.get(pk=owner.pk).role == "owner"


def test_an_owner_can_step_down_once_there_is_another_owner(world, client_a):
    agent = Membership.objects.get(user=world.agent_a, workspace=world.ws_a)
    owner = Membership.objects.get(user=world.owner_a, workspace=world.ws_a)
    client_a.patch(f"/api/v1/members/{agent.pk}/", {"role": "owner"}, content_type="application/json")

    assert client_a.patch(f"/api/v1/members/{owner.pk}/", {"role": "agent"}, content_type="application/json").status_code == 200


@pytest.mark.parametrize("body", [{"role": "emperor"}, {}, {"role": None}])
def test_bad_role_is_400(world, client_a, body):
    agent = Membership.objects.get(user=world.agent_a, workspace=world.ws_a)
    response = client_a.patch(f"/api/v1/members/{agent.pk}/", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_request"
