import pytest
from django_tenants.utils import schema_context

from chats.automation.models import Template
from chats.models import Message

pytestmark = pytest.mark.django_db


def test_template_crud_lists_its_variables(client_a):
    created = client_a.post("/api/v1/templates/", {"name": "Welcome", "category": "greeting",
                                                   "body": "Hi {{contact.first_name}}, order {{1}} is ready"},
                            content_type="application/json")
    assert created.status_code == 201, created.content
    template = created.json()
    assert template["variables"] == ["contact.first_name", "1"]
    changed = client_a.patch(f"/api/v1/templates/{template['id']}/", {"fallbacks": {"contact.first_name": "there"}},
                             content_type="application/json")
    assert changed.status_code == 200 and changed.json()["fallbacks"] == {"contact.first_name": "there"}
    assert [t["name"] for t in client_a.get("/api/v1/templates/").json()] == ["Welcome"]
    assert client_a.delete(f"/api/v1/templates/{template['id']}/").status_code == 204
    assert client_a.get(f"/api/v1/templates/{template['id']}/").status_code == 404


def test_template_with_a_typo_in_a_variable_is_a_400_naming_it(client_a):
    response = client_a.post("/api/v1/templates/", {"name": "Bad", "body": "Hi {{contact.nmae}}"},
                             content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "template_variable_unknown"
    assert "contact.nmae" in str(response.json()["error"]["fields"])


def test_template_names_are_unique_ignoring_case(client_a):
    assert client_a.post("/api/v1/templates/", {"name": "Promo", "body": "x"}, content_type="application/json").status_code == 201
    again = client_a.post("/api/v1/templates/", {"name": "promo", "body": "y"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "template_name_taken"


def test_another_workspace_cannot_see_or_send_a_template(client_a, client_b, world):
    template = client_a.post("/api/v1/templates/", {"name": "Secret", "body": "x"}, content_type="application/json").json()
    assert client_b.get(f"/api/v1/templates/{template['id']}/").status_code == 404
    assert client_b.get("/api/v1/templates/").json() == []


def test_sending_by_template_renders_it_and_names_missing_variables(client_a, world):
    from sessions_wa.models import SessionStatus, WhatsAppSession

    with schema_context(world.ws_a.schema_name):
        WhatsAppSession.objects.create(id="ws_acme.tpl", engine="sandbox", status=SessionStatus.CONNECTED)
    contact = client_a.post("/api/v1/contacts/", {"phone": "+6281234500077", "name": "Siti Aminah"},
                            content_type="application/json").json()
    template = client_a.post("/api/v1/templates/", {"name": "Order", "body": "Hi {{contact.first_name}}, order {{1}}"},
                             content_type="application/json").json()
    url = f"/api/v1/contacts/{contact['id']}/messages/"
    missing = client_a.post(url, {"client_id": "t-1", "template_id": template["id"]}, content_type="application/json")
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "variables_missing"
    assert missing.json()["error"]["fields"] == {"variables": ["missing: 1"]}
    sent = client_a.post(url, {"client_id": "t-1", "template_id": template["id"], "variables": {"1": "#42"}},
                         content_type="application/json")
    assert sent.status_code == 201, sent.content
    assert sent.json()["body"] == "Hi Siti, order #42"
    again = client_a.post(url, {"client_id": "t-1", "template_id": template["id"], "variables": {"1": "#42"}},
                          content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == sent.json()["id"]
    unknown = client_a.post(url, {"client_id": "t-2", "template_id": 999999}, content_type="application/json")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "template_not_found"
    with schema_context(world.ws_a.schema_name):
        assert Message.objects.filter(client_id="t-1").count() == 1
        assert not Template.objects.filter(name="nothing").exists()


def test_template_preview_for_a_contact(client_a):
    contact = client_a.post("/api/v1/contacts/", {"phone": "+6281234500078", "name": "Andi"},
                            content_type="application/json").json()
    template = client_a.post("/api/v1/templates/", {"name": "P", "body": "Halo {{contact.name}} {{1}}",
                                                    "fallbacks": {"1": "!"}}, content_type="application/json").json()
    preview = client_a.post(f"/api/v1/templates/{template['id']}/preview/", {"contact_id": contact["id"]},
                            content_type="application/json")
    assert preview.status_code == 200 and preview.json()["text"] == "Halo Andi !"
