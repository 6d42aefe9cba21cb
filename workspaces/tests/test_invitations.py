"""Accounts are global: no workspace's owner may choose an account's password or join an existing
account to their workspace without that person (issue: B's owner took over accounts A added later)."""

import pytest
from django.contrib.auth import get_user_model

from conftest import PASSWORD, host_client
from workspaces.models import Invitation, Membership

User = get_user_model()
B_CHOSEN = "chosen-by-globex-owner-42"


def _invite(client, email, **extra):
    response = client.post("/api/v1/members/", {"email": email, **extra}, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def _path(invite_url: str) -> str:
    return invite_url.split(":8000", 1)[1]


@pytest.fixture
def client_b(world):
    return host_client(world.ws_b, world.owner_b)


def test_an_owner_cannot_create_an_account_another_workspace_adds_later(world, client_a, client_b):
    # B's owner invites newhire and accepts the link themselves, choosing the password
    b_invite = _invite(client_b, "newhire@acme.test")
    assert host_client(world.ws_b).post(_path(b_invite["invite_url"]),
                                        {"name": "Not Newhire", "password": B_CHOSEN}).status_code == 302

    # A's owner adds the same email: an invitation, not a membership
    a_invite = _invite(client_a, "newhire@acme.test")
    assert not Membership.objects.filter(workspace=world.ws_a, user__username="newhire@acme.test").exists()

    # B's password opens nothing on A's host, neither by login nor through A's link
    login = host_client(world.ws_a).post("/login/", {"email": "newhire@acme.test", "password": B_CHOSEN})
    assert login.status_code == 403
    take = host_client(world.ws_a).post(_path(a_invite["invite_url"]), {"name": "Mallory", "password": "x-" + B_CHOSEN})
    assert take.status_code == 401  # the link asks for the existing account's password, not a new one
    assert User.objects.get(username="newhire@acme.test").check_password(B_CHOSEN)
    assert not Membership.objects.filter(workspace=world.ws_a, user__username="newhire@acme.test").exists()


def test_the_owner_s_answer_is_the_same_whether_or_not_the_email_has_an_account(world, client_a):
    existing = _invite(client_a, "owner@globex.test")  # has an account (B's owner)
    new = _invite(client_a, "nobody-yet@acme.test")

    def shape(body):
        return {key: type(value) for key, value in body.items() if key not in ("id",)}

    assert shape(existing) == shape(new)
    assert set(existing) == {"id", "email", "role", "created_at", "expires_at", "invite_url"}
    assert existing["invite_url"] and new["invite_url"]
    assert not Membership.objects.filter(workspace=world.ws_a, user=world.owner_b).exists()


def test_an_existing_account_accepts_with_its_own_password(world, client_a):
    invite = _invite(client_a, "owner@globex.test", role="admin")
    guest = host_client(world.ws_a)

    assert guest.post(_path(invite["invite_url"]), {"password": "wrong-password-here"}).status_code == 401
    assert guest.post(_path(invite["invite_url"]), {"password": PASSWORD}).status_code == 302

    assert Membership.objects.get(workspace=world.ws_a, user=world.owner_b).role == "admin"
    assert guest.get("/api/v1/me/").json()["user"]["email"] == "owner@globex.test"


def test_a_renewed_invitation_voids_the_older_link_and_a_revoked_one_every_link(world, client_a):
    first = _invite(client_a, "twice@acme.test")
    second = _invite(client_a, "twice@acme.test")
    assert first["id"] == second["id"]
    assert host_client(world.ws_a).get(_path(first["invite_url"])).status_code == 400
    assert host_client(world.ws_a).get(_path(second["invite_url"])).status_code == 200

    assert client_a.delete(f"/api/v1/invitations/{second['id']}/").status_code == 204
    assert host_client(world.ws_a).get(_path(second["invite_url"])).status_code == 400
    assert client_a.delete(f"/api/v1/invitations/{second['id']}/").json()["error"]["code"] == "invitation_not_found"


def test_an_expired_link_is_refused(world, client_a):
    from django.utils import timezone

    invite = _invite(client_a, "late@acme.test")
    Invitation.objects.filter(pk=invite["id"]).update(expires_at=timezone.now())

    response = host_client(world.ws_a).post(_path(invite["invite_url"]), {"name": "Late", "password": "a-good-passphrase-1"})
    assert response.status_code == 400
    assert not User.objects.filter(username="late@acme.test").exists()


def test_pending_invitations_are_listed_for_the_workspace_only(world, client_a, client_b):
    _invite(client_a, "listed@acme.test")

    assert [i["email"] for i in client_a.get("/api/v1/invitations/").json()] == ["listed@acme.test"]
    assert client_b.get("/api/v1/invitations/").json() == []
    invitation = Invitation.objects.get(email="listed@acme.test")
    assert client_b.delete(f"/api/v1/invitations/{invitation.pk}/").status_code == 404


def test_an_agent_cannot_invite_or_revoke(world, client_a):
    invite = _invite(client_a, "someone@acme.test")
    agent = host_client(world.ws_a, world.agent_a)

    assert agent.post("/api/v1/members/", {"email": "x@acme.test"}, content_type="application/json").status_code == 403
    assert agent.delete(f"/api/v1/invitations/{invite['id']}/").status_code == 403
