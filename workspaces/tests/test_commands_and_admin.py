from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_exists

from conftest import PASSWORD, host_client
from workspaces.models import Membership, Workspace


def test_create_workspace_command_does_what_signup_does(db):
    out = StringIO()

    call_command("create_workspace", "--slug", "initech", "--name", "Initech", "--owner-email", "boss@initech.test",
                 "--owner-password", "a-long-enough-passphrase", stdout=out)

    workspace = Workspace.objects.get(slug="initech")
    assert schema_exists(workspace.schema_name)
    assert Membership.objects.get(workspace=workspace).role == "owner"
    assert "initech.localhost" in out.getvalue()


def test_create_workspace_command_refuses_a_reserved_slug(db):
    with pytest.raises(CommandError, match="slug_reserved"):
        call_command("create_workspace", "--slug", "www", "--name", "W", "--owner-email", "w@w.test",
                     "--owner-password", "a-long-enough-passphrase")


def create_workspace(*args) -> str:
    out = StringIO()
    call_command("create_workspace", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(("slug", "name"), [("Not A Slug!", "Initech"), ("www", "Initech"), ("initech", "")])
def test_create_workspace_command_that_fails_validation_creates_no_account(db, slug, name):
    with pytest.raises(CommandError):
        create_workspace("--slug", slug, "--name", name, "--owner-email", "boss@initech.test",
                         "--owner-password", "a-long-enough-passphrase")

    assert not get_user_model().objects.filter(username="boss@initech.test").exists()


def test_create_workspace_command_that_fails_leaves_an_existing_owner_s_password_alone(world):
    with pytest.raises(CommandError, match="slug_taken"):
        create_workspace("--slug", "globex", "--name", "Again", "--owner-email", "owner@acme.test",
                         "--owner-password", "a-brand-new-passphrase")

    world.owner_a.refresh_from_db()
    assert world.owner_a.check_password(PASSWORD)


def test_create_workspace_command_refuses_a_weak_password_for_an_existing_owner(world):
    with pytest.raises(CommandError, match="weak_password"):
        create_workspace("--slug", "initech", "--name", "Initech", "--owner-email", "owner@acme.test",
                         "--owner-password", "123")

    world.owner_a.refresh_from_db()
    assert world.owner_a.check_password(PASSWORD)
    assert not Workspace.objects.filter(slug="initech").exists()


def test_create_workspace_command_that_fails_while_writing_leaves_no_account(db, monkeypatch):
    from workspaces import services

    def explode(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services.Domain.objects, "create", explode)

    with pytest.raises(RuntimeError):
        create_workspace("--slug", "initech", "--name", "Initech", "--owner-email", "boss@initech.test")

    assert not get_user_model().objects.filter(username="boss@initech.test").exists()
    assert not schema_exists("ws_initech")


def test_create_workspace_command_gives_a_new_owner_without_password_an_invite_link(db):
    out = create_workspace("--slug", "initech", "--name", "Initech", "--owner-email", "boss@initech.test")

    link = next(line for line in out.splitlines() if "/invite/" in line)
    assert link.startswith("http://initech.localhost:8000/invite/")
    workspace = Workspace.objects.get(slug="initech")
    guest = host_client(workspace)
    assert guest.post(link.split(":8000", 1)[1], {"password": "the-owner-chose-this"}).status_code == 302
    assert guest.get("/api/v1/me/").json()["role"] == "owner"


def test_create_workspace_command_reuses_an_existing_owner_without_touching_the_password(world):
    out = create_workspace("--slug", "initech", "--name", "Initech", "--owner-email", "owner@acme.test")

    assert "/invite/" not in out  # they have a password
    world.owner_a.refresh_from_db()
    assert world.owner_a.check_password(PASSWORD)
    assert Membership.objects.get(workspace__slug="initech").user == world.owner_a


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    demo = Workspace.objects.get(slug="demo")
    user = get_user_model().objects.get(username="demo@example.com")
    assert user.check_password("demo")
    assert Membership.objects.filter(workspace=demo).count() == 1


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root@blazz.test", "root@blazz.test", "a-long-enough-passphrase")


def test_public_admin_lists_workspaces_with_member_counts(world, superuser):
    admin = host_client(None, superuser)

    page = admin.get("/admin/workspaces/workspace/")

    assert page.status_code == 200
    assert b"acme.localhost" in page.content and b"globex.localhost" in page.content
    assert b">2<" in page.content  # acme: owner and agent


def test_api_key_admin_shows_the_prefix_never_the_hash(world, superuser, api_key_a):
    from workspaces.models import ApiKey

    key = ApiKey.objects.get(workspace=world.ws_a)
    page = host_client(None, superuser).get(f"/admin/workspaces/apikey/{key.pk}/change/")

    assert key.prefix.encode() in page.content
    assert key.key_hash.encode() not in page.content and api_key_a.encode() not in page.content


def test_suspending_a_workspace_closes_its_host(world, superuser, client_a, api_key_a):
    admin = host_client(None, superuser)

    admin.post("/admin/workspaces/workspace/", {"action": "suspend", "_selected_action": [world.ws_a.pk]})

    world.ws_a.refresh_from_db()
    assert world.ws_a.is_suspended
    assert client_a.get("/").status_code == 403
    assert client_a.get("/api/v1/me/").json()["error"]["code"] == "workspace_suspended"
    assert host_client(world.ws_a, HTTP_AUTHORIZATION=f"Bearer {api_key_a}").get("/api/v1/me/").status_code == 403
    assert host_client(world.ws_b, world.owner_b).get("/api/v1/me/").status_code == 200

    admin.post("/admin/workspaces/workspace/", {"action": "resume", "_selected_action": [world.ws_a.pk]})
    assert client_a.get("/api/v1/me/").status_code == 200


def test_tenant_admin_on_a_workspace_host_is_for_superusers(world, superuser):
    assert host_client(world.ws_a, superuser).get("/admin/").status_code == 200
    assert host_client(world.ws_a, world.owner_a).get("/admin/").status_code == 302  # to the admin login
