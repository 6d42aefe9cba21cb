import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_exists

from workspaces.models import Domain, Membership, Role, Workspace

User = get_user_model()
GOOD = {"email": "Founder@NewCo.test", "password": "a-long-enough-passphrase", "slug": "newco", "name": "NewCo"}


def snapshot():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'ws_%%'")
        schemas = cursor.fetchone()[0]
    return (User.objects.count(), Workspace.objects.count(), Domain.objects.count(),
            Membership.objects.count(), schemas)


def test_signup_creates_user_workspace_schema_domain_and_owner(public_client):
    response = public_client.post("/signup/", GOOD)

    assert response.status_code == 302
    assert response["Location"].startswith("http://newco.localhost:8000/auth/handoff/?token=")
    workspace = Workspace.objects.get(slug="newco")
    assert workspace.schema_name == "ws_newco"
    assert schema_exists("ws_newco")
    assert Domain.objects.get(tenant=workspace).domain == "newco.localhost"
    user = User.objects.get(username="founder@newco.test")
    assert Membership.objects.get(user=user, workspace=workspace).role == Role.OWNER


def test_signup_handoff_logs_the_owner_in_on_the_workspace_host(public_client):
    from conftest import host_client

    location = public_client.post("/signup/", GOOD)["Location"]
    workspace_client = host_client(Workspace.objects.get(slug="newco"))
    path = location.split("newco.localhost:8000", 1)[1]

    response = workspace_client.get(path)

    assert response.status_code == 302 and response["Location"] == "/"
    assert workspace_client.get("/api/v1/me/").json()["role"] == "owner"
    # the token is single-use
    assert host_client(Workspace.objects.get(slug="newco")).get(path)["Location"] == "/login/"


def test_signup_api_answers_201_with_the_workspace(public_client):
    response = public_client.post("/api/v1/signup/", GOOD, content_type="application/json")

    assert response.status_code == 201
    assert response.json()["host"] == "newco.localhost"


@pytest.mark.parametrize(
    "change, status, code, field",
    [
        ({"slug": "acme"}, 409, "slug_taken", "slug"),
        ({"slug": "www"}, 400, "slug_reserved", "slug"),
        ({"slug": "api"}, 400, "slug_reserved", "slug"),
        ({"slug": "admin"}, 400, "slug_reserved", "slug"),
        ({"slug": "public"}, 400, "slug_reserved", "slug"),
        ({"slug": "Not A Slug!"}, 400, "slug_invalid", "slug"),
        ({"slug": "a"}, 400, "slug_invalid", "slug"),
        ({"email": "not-an-email"}, 400, "email_invalid", "email"),
        ({"email": "owner@acme.test"}, 409, "email_taken", "email"),
        ({"password": "123"}, 400, "weak_password", "password"),
        ({"password": "password"}, 400, "weak_password", "password"),
        ({"name": "x" * 101}, 400, "name_invalid", "name"),
        ({"name": "   "}, 400, "name_invalid", "name"),
    ],
)
def test_signup_bad_input_is_a_4xx_with_the_error_shape_and_creates_nothing(world, public_client, change, status, code, field):
    before = snapshot()

    response = public_client.post("/api/v1/signup/", {**GOOD, **change}, content_type="application/json")

    assert response.status_code == status
    body = response.json()
    assert body["error"]["code"] == code
    assert field in body["error"]["fields"]
    assert snapshot() == before


def test_signup_form_shows_errors_and_creates_nothing(world, public_client):
    before = snapshot()

    response = public_client.post("/signup/", {**GOOD, "slug": "www"})

    assert response.status_code == 400
    assert b"reserved" in response.content
    assert snapshot() == before


def test_signup_missing_fields_is_400(public_client):
    response = public_client.post("/api/v1/signup/", {"email": "x@y.test"}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert set(response.json()["error"]["fields"]) >= {"password", "slug", "name"}


def test_signup_that_fails_midway_leaves_no_orphan_schema_or_user(world, public_client, monkeypatch):
    from workspaces import services

    def explode(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services.Domain.objects, "create", explode)
    before = snapshot()

    with pytest.raises(RuntimeError):
        services.signup(**GOOD)

    assert snapshot() == before
    assert not schema_exists("ws_newco")
