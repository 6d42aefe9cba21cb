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


def test_an_invite_opened_on_another_workspace_s_host_sets_no_password(world, client_a):
    from django.contrib.auth import get_user_model

    invite_url = client_a.post("/api/v1/members/", {"email": "invitee@acme.test"},
                               content_type="application/json").json()["invite_url"]
    path = invite_url.split(":8000", 1)[1]

    response = host_client(world.ws_b).post(path, {"password": "another-good-passphrase"})

    assert response.status_code == 400 and b"another workspace" in response.content
    invitee = get_user_model().objects.get(username="invitee@acme.test")
    assert not invitee.has_usable_password()  # the invite still works on its own host
    assert host_client(world.ws_a).post(path, {"password": "another-good-passphrase"}).status_code == 302


def test_two_concurrent_adds_of_one_new_email_give_one_member_and_a_409(world, django_db_blocker):
    """Both adds find no account, then both insert: the second waits on the first's unique index,
    and used to end in an IntegrityError (a 500)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.contrib.auth import get_user_model
    from django.db import connections

    from blazz.core.errors import Conflict
    from workspaces import services

    User = get_user_model()
    email = "raced@acme.test"
    both_looked = threading.Barrier(2, timeout=10)
    create_user = User.objects.create_user

    def create_user_after_both_looked(*args, **kwargs):
        both_looked.wait()
        return create_user(*args, **kwargs)

    def add():
        try:
            return services.member_add(workspace=world.ws_a, actor=world.owner_a, email=email)
        except Conflict as exc:
            return exc
        finally:
            connections.close_all()

    User.objects.create_user = create_user_after_both_looked
    try:
        with ThreadPoolExecutor(2) as pool:  # connections of their own: what they write is committed
            results = list(pool.map(lambda _: add(), range(2)))
    finally:
        User.objects.create_user = create_user

        def clean_up():
            try:
                Membership.objects.filter(user__username=email).delete()
                # Raw: the ORM's cascade would look for the tenant tables (assignees) in public.
                User.objects.filter(username=email)._raw_delete(using="default")
            finally:
                connections.close_all()

        with ThreadPoolExecutor(1) as pool:
            pool.submit(clean_up).result()

    added = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(added) == 1 and added[0][1] is not None  # the one who created the account gets the invite
    assert len(refused) == 1 and (refused[0].code, refused[0].status_code) == ("member_exists", 409)
