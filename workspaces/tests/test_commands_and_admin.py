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
    assert guest.post(link.split(":8000", 1)[1], {"name": "Bill Lumbergh", "password": "the-owner-chose-this"}).status_code == 302
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


@pytest.mark.parametrize("language, greeting", [("id", "Selamat pagi, bisa kirim ke Bandung?"),
                                                 ("en", "Good morning, do you deliver to Bandung?")])
def test_the_demo_customers_speak_the_demo_workspace_s_language(db, language, greeting):
    from django_tenants.utils import schema_context

    from sessions_wa.models import WhatsAppSession

    call_command("seed_demo", "--language", language, stdout=StringIO())

    demo = Workspace.objects.get(slug="demo")
    assert demo.language == language
    with schema_context(demo.schema_name):
        options = WhatsAppSession.objects.get(id=f"{demo.schema_name}.demo").options
    # The sandbox's customers greet, reply and fill history in this language (bridge: sandbox/phrases.js).
    assert options["language"] == language
    assert greeting in [g["body"] for g in options["greetings"]]


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


# --- the admin keeps the rules the services keep ------------------------------------------------------


def workspace_change_data(workspace, **fields) -> dict:
    """The workspace admin's change form as a browser posts it, inlines included; `fields` overrides
    the workspace's own fields; membership rows as stored unless changed by the caller."""
    data = {"slug": workspace.slug, "name": workspace.name, "suspended_reason": "", "max_sessions": workspace.max_sessions,
            "country": workspace.country,
            **fields}
    for prefix, rows in (("domains", list(workspace.domains.all())),
                         ("memberships", list(Membership.objects.filter(workspace=workspace).order_by("pk")))):
        data.update({f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": len(rows),
                     f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000})
        for i, row in enumerate(rows):
            data[f"{prefix}-{i}-id"] = row.pk
            if prefix == "domains":
                data.update({f"{prefix}-{i}-tenant": workspace.pk, f"{prefix}-{i}-domain": row.domain})
                if row.is_primary:
                    data[f"{prefix}-{i}-is_primary"] = "on"
            else:
                data.update({f"{prefix}-{i}-workspace": workspace.pk, f"{prefix}-{i}-user": row.user_id,
                             f"{prefix}-{i}-role": row.role})
    return data


def membership_row(data: dict, user) -> str:
    """The form prefix of `user`'s membership row in `data`."""
    return next(key[: -len("-user")] for key, value in data.items()
                if key.startswith("memberships-") and key.endswith("-user") and value == user.pk)


def test_the_admin_cannot_change_a_workspace_s_slug(world, superuser):
    admin = host_client(None, superuser)
    url = f"/admin/workspaces/workspace/{world.ws_a.pk}/change/"

    response = admin.post(url, workspace_change_data(world.ws_a, slug="hijacked", name="Acme Renamed"))

    assert response.status_code == 302, response.content[:2000]
    world.ws_a.refresh_from_db()
    assert (world.ws_a.slug, world.ws_a.name) == ("acme", "Acme Renamed")  # the rest of the form saved
    assert host_client(world.ws_a, world.owner_a).get("/api/v1/me/").status_code == 200
    assert b'name="slug"' not in admin.get(url).content


@pytest.mark.parametrize("change", ["delete", "demote"])
def test_the_workspace_admin_keeps_the_last_owner(world, superuser, change):
    data = workspace_change_data(world.ws_a)
    row = membership_row(data, world.owner_a)
    if change == "delete":
        data[f"{row}-DELETE"] = "on"
    else:
        data[f"{row}-role"] = "agent"

    response = host_client(None, superuser).post(f"/admin/workspaces/workspace/{world.ws_a.pk}/change/", data)

    assert response.status_code == 200 and b"A workspace keeps at least one owner." in response.content
    assert Membership.objects.get(workspace=world.ws_a, user=world.owner_a).role == "owner"


def test_the_workspace_admin_hands_ownership_over_in_one_save(world, superuser):
    data = workspace_change_data(world.ws_a)
    data[f"{membership_row(data, world.owner_a)}-role"] = "agent"  # listed first: demoted first, were it in order
    data[f"{membership_row(data, world.agent_a)}-role"] = "owner"

    response = host_client(None, superuser).post(f"/admin/workspaces/workspace/{world.ws_a.pk}/change/", data)

    assert response.status_code == 302, response.content[:2000]
    roles = dict(Membership.objects.filter(workspace=world.ws_a).values_list("user__username", "role"))
    assert roles == {"owner@acme.test": "agent", "agent@acme.test": "owner"}


def test_the_workspace_admin_removes_a_member_who_is_not_the_last_owner(world, superuser):
    data = workspace_change_data(world.ws_a)
    data[f"{membership_row(data, world.agent_a)}-DELETE"] = "on"

    response = host_client(None, superuser).post(f"/admin/workspaces/workspace/{world.ws_a.pk}/change/", data)

    assert response.status_code == 302
    assert not Membership.objects.filter(workspace=world.ws_a, user=world.agent_a).exists()


def test_the_membership_admin_keeps_the_last_owner(world, superuser):
    admin = host_client(None, superuser)
    owner = Membership.objects.get(workspace=world.ws_a, user=world.owner_a)
    agent = Membership.objects.get(workspace=world.ws_a, user=world.agent_a)

    demoted = admin.post(f"/admin/workspaces/membership/{owner.pk}/change/", {"role": "agent"})
    deleted = admin.post(f"/admin/workspaces/membership/{owner.pk}/delete/", {"post": "yes"})
    bulk = admin.post("/admin/workspaces/membership/", {"action": "delete_selected", "post": "yes",
                                                        "_selected_action": [owner.pk, agent.pk]})

    assert demoted.status_code == 200 and b"A workspace keeps at least one owner." in demoted.content
    assert deleted.status_code == 302
    assert bulk.status_code == 302
    assert Membership.objects.get(pk=owner.pk).role == "owner"
    assert not Membership.objects.filter(pk=agent.pk).exists()  # the bulk delete took the agent


def test_the_membership_admin_changes_a_role_through_the_service(world, superuser):
    agent = Membership.objects.get(workspace=world.ws_a, user=world.agent_a)

    response = host_client(None, superuser).post(f"/admin/workspaces/membership/{agent.pk}/change/", {"role": "admin"})

    assert response.status_code == 302
    assert Membership.objects.get(pk=agent.pk).role == "admin"


def test_session_count_leaves_out_removed_sessions(world):
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from sessions_wa.models import WhatsAppSession
    from workspaces.admin import session_count

    with schema_context(world.ws_a.schema_name):
        WhatsAppSession.objects.create(id="ws_acme.live", engine="sandbox")
        WhatsAppSession.objects.create(id="ws_acme.gone", engine="sandbox", deleted_at=timezone.now())

    assert session_count(world.ws_a) == 1
