"""API key scopes (workspaces/scopes.py): `read`, `send`, `manage`, chosen at creation; 403
`insufficient_scope` beyond them; what is session-only stays closed to every key (403
`session_required`); keys made before scopes keep all three."""

import importlib
import uuid

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django_tenants.utils import schema_context

from conftest import host_client
from workspaces import scopes, services
from workspaces.models import ApiKey

# What each route's method needs from an API key: the policy, in one table that a change must touch.
POLICY = {
    "me/": "GET: any_key, PATCH: session_only",
    "me/preferences/": "PATCH: session_only",
    "workspace/preferences/": "PATCH: session_only",
    "members/": "GET: session_only, POST: session_only",
    "members/<int:member_id>/": "PATCH: session_only, DELETE: session_only",
    "invitations/": "GET: session_only",
    "invitations/<int:invitation_id>/": "DELETE: session_only",
    "api-keys/": "GET: session_only, POST: session_only",
    "api-keys/<int:key_id>/": "DELETE: session_only",
    "chats/": "GET: read",
    "chats/counts/": "GET: read",
    "chats/<int:contact_id>/": "GET: read, PATCH: manage",
    "labels/": "GET: read, POST: manage",
    "labels/<int:label_id>/": "PATCH: manage, DELETE: manage",
    "canned-replies/": "GET: read, POST: manage",
    "canned-replies/<int:reply_id>/": "PATCH: manage, DELETE: manage",
    "canned-replies/<int:reply_id>/render/": "GET: read",
    "inbox-settings/": "GET: read, PATCH: manage",
    "custom-fields/": "GET: read, POST: manage",
    "custom-fields/<int:field_id>/": "PATCH: manage, DELETE: manage",
    "contacts/": "GET: read, POST: send",
    "contacts/<int:contact_id>/": "GET: read, PATCH: manage, DELETE: session_only",
    "contacts/<int:contact_id>/messages/": "GET: read, POST: send",
    "contacts/<int:contact_id>/read/": "POST: send",
    "contacts/<int:contact_id>/export/": "GET: read",
    "contacts/<int:contact_id>/activity/": "GET: read",
    "contacts/<int:contact_id>/mute/": "PUT: session_only, DELETE: session_only",
    "mutes/": "GET: session_only",
    "messages/": "GET: read",
    "messages/search/": "GET: read",
    "messages/<int:message_id>/": "GET: read, PATCH: send, DELETE: send",
    "messages/<int:message_id>/retry/": "POST: send",
    "messages/<int:message_id>/forward/": "POST: send",
    "messages/<int:message_id>/reactions/": "POST: send",
    "media/": "POST: send",
    "media/<str:media_id>/": "GET: read",
    "sessions/": "GET: read, POST: session_only",
    "sessions/<str:session_id>/": "GET: read, DELETE: session_only",
    "sessions/<str:session_id>/pairing-code/": "POST: session_only",
    "templates/": "GET: read, POST: manage",
    "templates/<int:template_id>/": "GET: read, PATCH: manage, DELETE: manage",
    "templates/<int:template_id>/preview/": "POST: read",
    "business-hours/": "GET: read, PUT: manage",
    "automation-settings/": "GET: read, PUT: manage",
    "auto-replies/": "GET: read, POST: manage",
    "auto-replies/test/": "POST: read",
    "auto-replies/order/": "POST: manage",
    "auto-replies/<int:rule_id>/": "GET: read, PATCH: manage, DELETE: manage",
    "contacts/<int:contact_id>/scheduled/": "GET: read",
    "broadcasts/": "GET: read, POST: send",
    "broadcasts/<int:broadcast_id>/": "GET: read",
    "broadcasts/<int:broadcast_id>/recipients/": "GET: read",
    "broadcasts/<int:broadcast_id>/<str:action>/": "POST: send",
    "contacts/<int:contact_id>/opt-out/": "GET: read, PUT: manage",
    "sessions/<str:session_id>/send-limits/": "GET: read, PUT: session_only",
    "scheduled-messages/<int:scheduled_id>/": "GET: read, PATCH: send, DELETE: send",
    "events/": "GET: read",
    "webhooks/": "GET: session_only, POST: session_only",
    "webhooks/<int:webhook_id>/": "GET: session_only, PATCH: session_only, DELETE: session_only",
    "webhooks/<int:webhook_id>/secret/": "GET: session_only",
    "webhooks/<int:webhook_id>/rotate-secret/": "POST: session_only",
    "webhooks/<int:webhook_id>/test/": "POST: session_only",
    "webhooks/<int:webhook_id>/deliveries/": "GET: session_only",
    "webhooks/<int:webhook_id>/replay/": "POST: session_only",
    "webhook-deliveries/<int:delivery_id>/replay/": "POST: session_only",
}


def test_every_route_names_what_an_api_key_needs():
    from blazz.api_urls import urlpatterns

    found = {}
    for pattern in urlpatterns:
        view = pattern.callback.view_class
        needs = [f"{m.upper()}: {scopes.required(view, m.upper())}" for m in ("get", "post", "put", "patch", "delete")
                 if hasattr(view, m)]
        found[str(pattern.pattern)] = ", ".join(needs)
    assert found == POLICY


@pytest.fixture
def acme(world):
    from sessions_wa.models import SessionStatus, WhatsAppSession

    with schema_context(world.ws_a.schema_name):
        WhatsAppSession.objects.create(id="ws_acme.scopes", engine="sandbox", status=SessionStatus.CONNECTED,
                                       phone="+628000000009")
    contact = host_client(world.ws_a, world.owner_a).post(
        "/api/v1/contacts/", {"phone": "+6281200000001", "name": "Budi"}, content_type="application/json").json()
    return contact["id"]


def key_client(workspace, *chosen):
    _key, raw = services.api_key_create(workspace=workspace, name=f"key {'+'.join(chosen)}", scopes=chosen)
    return host_client(workspace, HTTP_AUTHORIZATION=f"Bearer {raw}")


def send(client, contact_id):
    return client.post(f"/api/v1/contacts/{contact_id}/messages/", {"client_id": str(uuid.uuid4()), "body": "hi"},
                       content_type="application/json")


def refused(response, code="insufficient_scope"):
    return response.status_code == 403 and response.json()["error"]["code"] == code


def test_a_read_key_reads_but_can_neither_send_nor_change(world, acme):
    reader = key_client(world.ws_a, "read")

    assert reader.get(f"/api/v1/contacts/{acme}/").status_code == 200
    assert reader.get("/api/v1/events/").status_code == 200
    assert refused(send(reader, acme))
    assert refused(reader.patch(f"/api/v1/contacts/{acme}/", {"name": "x"}, content_type="application/json"))
    assert "lacks" in send(reader, acme).json()["error"]["message"]


def test_a_send_key_sends_but_can_neither_read_nor_change(world, acme):
    sender = key_client(world.ws_a, "send")

    assert send(sender, acme).status_code == 201
    assert refused(sender.get(f"/api/v1/contacts/{acme}/messages/"))
    assert refused(sender.patch(f"/api/v1/contacts/{acme}/", {"name": "x"}, content_type="application/json"))
    assert sender.get("/api/v1/me/").status_code == 200  # any key may ask who it is


def test_a_manage_key_changes_records_but_cannot_send(world, acme):
    manager = key_client(world.ws_a, "manage")

    changed = manager.patch(f"/api/v1/contacts/{acme}/", {"name": "Budi S."}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["name"] == "Budi S."
    assert manager.post("/api/v1/labels/", {"name": "vip"}, content_type="application/json").status_code == 201
    assert refused(send(manager, acme))


@pytest.mark.parametrize("method,path,body", [
    ("delete", "/api/v1/contacts/{contact}/", None),
    ("delete", "/api/v1/contacts/{contact}/?erase=true", None),
    ("post", "/api/v1/sessions/", {"engine": "sandbox"}),
    ("delete", "/api/v1/sessions/ws_acme.scopes/", None),
    ("put", "/api/v1/sessions/ws_acme.scopes/send-limits/", {"per_minute": 1}),
    ("get", "/api/v1/webhooks/", None),
    ("post", "/api/v1/webhooks/", {"url": "http://127.0.0.1:9/", "events": ["*"]}),
    ("get", "/api/v1/members/", None),
    ("post", "/api/v1/members/", {"email": "new@acme.test"}),
    ("patch", "/api/v1/workspace/preferences/", {"language": "id"}),
])
def test_what_is_session_only_is_refused_to_a_key_with_every_scope(world, acme, method, path, body):
    full = key_client(world.ws_a, *scopes.ALL_SCOPES)
    kwargs = {"data": body, "content_type": "application/json"} if body is not None else {}

    response = getattr(full, method)(path.format(contact=acme), **kwargs)

    assert refused(response, "session_required")
    with schema_context(world.ws_a.schema_name):
        from chats.models import Contact
        from sessions_wa.models import WhatsAppSession

        assert Contact.objects.filter(pk=acme).exists()
        assert WhatsAppSession.objects.get(pk="ws_acme.scopes").status == "connected"


def test_keys_are_created_with_the_scopes_chosen_and_listed_with_them(world, client_a):
    created = client_a.post("/api/v1/api-keys/", {"name": "crm", "scopes": ["send", "read", "send"]},
                            content_type="application/json")
    assert created.status_code == 201 and created.json()["scopes"] == ["read", "send"]
    assert [row["scopes"] for row in client_a.get("/api/v1/api-keys/").json()] == [["read", "send"]]

    for bad in ([], ["admin"], None):
        body = {"name": "crm"} if bad is None else {"name": "crm", "scopes": bad}
        answer = client_a.post("/api/v1/api-keys/", body, content_type="application/json")
        assert answer.status_code == 400 and "scopes" in answer.json()["error"]["fields"]


def test_the_command_takes_scopes_and_defaults_to_all(world, capsys):
    call_command("create_api_key", "--workspace", "acme", "--name", "ro", "--scopes", "read")
    call_command("create_api_key", "--workspace", "acme", "--name", "all")
    assert ApiKey.objects.get(name="ro").scopes == ["read"]
    assert ApiKey.objects.get(name="all").scopes == ["read", "send", "manage"]


def test_keys_made_before_scopes_keep_every_scope(world):
    services.api_key_create(workspace=world.ws_a, name="old", scopes=["read"])
    ApiKey.objects.filter(name="old").update(scopes=[])  # as the column's default left it
    migration = importlib.import_module("workspaces.migrations.0011_api_key_scopes")

    migration.existing_keys_keep_everything(django_apps, None)

    assert ApiKey.objects.get(name="old").scopes == list(scopes.ALL_SCOPES)


def test_the_other_workspace_s_keys_get_nothing_here_whatever_their_scopes(world, acme):
    b_full = key_client(world.ws_b, *scopes.ALL_SCOPES)
    _key, raw_b = services.api_key_create(workspace=world.ws_b, name="b on a")
    b_on_a = host_client(world.ws_a, HTTP_AUTHORIZATION=f"Bearer {raw_b}")

    assert b_on_a.get(f"/api/v1/contacts/{acme}/").status_code == 401
    assert send(b_on_a, acme).status_code == 401
    # On its own host, B's key with every scope finds no A contact to read, change or write to.
    assert b_full.get(f"/api/v1/contacts/{acme}/").status_code == 404
    assert b_full.patch(f"/api/v1/contacts/{acme}/", {"name": "x"}, content_type="application/json").status_code == 404
    assert send(b_full, acme).status_code == 404
    with schema_context(world.ws_a.schema_name):
        from chats.models import Contact, Message

        assert Contact.objects.get(pk=acme).name == "Budi" and not Message.objects.filter(contact_id=acme).exists()
