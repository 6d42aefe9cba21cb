import pytest
from django.contrib.auth import get_user_model

from conftest import PASSWORD, host_client
from workspaces.models import Membership


def test_adding_a_member_with_a_password_is_refused(world, client_a):
    response = client_a.post("/api/v1/members/", {"email": "new@acme.test", "role": "admin", "password": PASSWORD},
                             content_type="application/json")

    assert response.status_code == 400 and "password" in response.json()["error"]["fields"]
    assert not get_user_model().objects.filter(username="new@acme.test").exists()


def test_owner_invites_a_new_person_who_sets_a_password_and_a_name(world, client_a, mailoutbox,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post("/api/v1/members/", {"email": "Invitee@acme.test", "role": "admin"},
                                 content_type="application/json")
    assert response.status_code == 201
    invite_url = response.json()["invite_url"]
    assert invite_url.startswith("http://acme.localhost:8000/invite/")
    assert response.json()["email"] == "invitee@acme.test" and "name" not in response.json()
    assert [m.to for m in mailoutbox] == [["invitee@acme.test"]] and invite_url in mailoutbox[0].body
    path = invite_url.split(":8000", 1)[1]
    guest = host_client(world.ws_a)
    assert not Membership.objects.filter(workspace=world.ws_a, user__username="invitee@acme.test").exists()

    assert guest.post(path, {"name": "Ina", "password": "weak"}).status_code == 400
    assert guest.post(path, {"name": "", "password": "another-good-passphrase"}).status_code == 400
    assert guest.post(path, {"name": "Ina Invitee", "password": "another-good-passphrase"}).status_code == 302
    me = guest.get("/api/v1/me/").json()
    assert (me["user"]["email"], me["user"]["name"], me["role"]) == ("invitee@acme.test", "Ina Invitee", "admin")
    # used once
    assert host_client(world.ws_a).post(path, {"name": "X", "password": "another-good-passphrase"}).status_code == 400


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


def test_a_patch_without_a_role_changes_nothing(world, client_a):
    agent = Membership.objects.get(user=world.agent_a, workspace=world.ws_a)
    response = client_a.patch(f"/api/v1/members/{agent.pk}/", {}, content_type="application/json")
    assert response.status_code == 200 and response.json()["role"] == "agent"


@pytest.mark.parametrize("body", [{"role": "emperor"}, {"role": None}])
def test_bad_role_is_400(world, client_a, body):
    agent = Membership.objects.get(user=world.agent_a, workspace=world.ws_a)
    response = client_a.patch(f"/api/v1/members/{agent.pk}/", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_request"


def test_an_invite_opened_on_another_workspace_s_host_sets_no_password(world, client_a):
    invite_url = client_a.post("/api/v1/members/", {"email": "invitee@acme.test"},
                               content_type="application/json").json()["invite_url"]
    path = invite_url.split(":8000", 1)[1]

    response = host_client(world.ws_b).post(path, {"name": "Ina", "password": "another-good-passphrase"})

    assert response.status_code == 400 and b"another workspace" in response.content
    assert not get_user_model().objects.filter(username="invitee@acme.test").exists()
    assert host_client(world.ws_a).post(path, {"name": "Ina", "password": "another-good-passphrase"}).status_code == 302


def test_two_concurrent_invites_of_one_email_give_one_pending_invitation(world, django_db_blocker):
    """Both find no pending invitation, then both insert: the partial unique index decides and the
    second renews the first's row (no 500, no second invitation)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    from workspaces import invitations
    from workspaces.models import Invitation

    email = "raced@acme.test"

    def invite():
        try:
            return invitations.member_invite(workspace=world.ws_a, actor=world.owner_a, email=email)
        finally:
            connections.close_all()

    try:
        with ThreadPoolExecutor(2) as pool:  # connections of their own: what they write is committed
            results = list(pool.map(lambda _: invite(), range(2)))
        pending = list(Invitation.objects.filter(workspace=world.ws_a, email=email, accepted_at=None))
    finally:
        def clean_up():
            try:
                Invitation.objects.filter(email=email).delete()
            finally:
                connections.close_all()

        with ThreadPoolExecutor(1) as pool:
            pool.submit(clean_up).result()

    assert len(results) == 2 and len(pending) == 1
