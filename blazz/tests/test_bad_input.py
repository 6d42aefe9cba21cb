"""Bad input is a 4xx in the one error shape, never a 500, and stores nothing.

PostgreSQL refuses a NUL (0x00) in text and `\\u0000` in jsonb (psycopg raises DataError), so input
that could carry one is validated before it reaches a query; a JSON body nested past what
`json.loads` can recurse into is a parse error, not a RecursionError.
"""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import schema_context

from chats.models import Contact
from sessions_wa.models import SessionStatus, WhatsAppSession

pytestmark = pytest.mark.django_db

DEEP_JSON = "[" * 100_000 + "]" * 100_000


def assert_invalid(response, field=None, status=400, code="invalid_request"):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    if field is not None:
        assert field in error["fields"], error
    return error


@pytest.fixture
def session_a(world):
    with schema_context(world.ws_a.schema_name):
        return WhatsAppSession.objects.create(id=f"{world.ws_a.schema_name}.bad", engine="sandbox",
                                              status=SessionStatus.CONNECTED, phone="+628000000001")


@pytest.fixture
def contact_id(client_a, session_a):
    return client_a.post("/api/v1/contacts/", {"phone": "+6281234567890", "name": "Budi"},
                         content_type="application/json").json()["id"]


def contacts(world):
    with schema_context(world.ws_a.schema_name):
        return list(Contact.objects.values_list("phone", "name", "custom_fields"))


# --- NUL in a query parameter or a path -------------------------------------------------------------


@pytest.mark.parametrize("path, q", [
    ("/api/v1/chats/", "\x00"), ("/api/v1/chats/", "Budi\x00"), ("/api/v1/contacts/", "\x00"),
    ("/api/v1/messages/search/", "a\x00"), ("/api/v1/messages/search/", "\x00 a"),
])
def test_a_nul_in_the_search_text_is_400_naming_q(client_a, path, q):
    assert_invalid(client_a.get(path, {"q": q}), field="q")


def test_search_text_without_a_nul_still_works(client_a, contact_id):
    assert client_a.get("/api/v1/contacts/", {"q": "Budi"}).json()["results"][0]["id"] == contact_id
    assert client_a.get("/api/v1/chats/", {"q": "Budi"}).status_code == 200
    assert client_a.get("/api/v1/messages/search/", {"q": "Budi"}).status_code == 200


@pytest.mark.parametrize("method", ["get", "delete"])
def test_a_nul_in_a_session_id_is_400_and_logs_nothing_out(world, client_a, session_a, method):
    response = getattr(client_a, method)("/api/v1/sessions/a%00b/")

    assert_invalid(response, field="session_id")
    with schema_context(world.ws_a.schema_name):
        assert WhatsAppSession.objects.get(pk=session_a.pk).status == SessionStatus.CONNECTED


# --- NUL (or a lone surrogate) inside JSON values -------------------------------------------------------


@pytest.mark.parametrize("custom_fields, field", [
    ({"note": "a\u0000b"}, "custom_fields.note"),
    ({"a\u0000": "x"}, "custom_fields"),
    ({"nested": {"deeper": ["ok", "bad\u0000"]}}, "custom_fields.nested.deeper.1"),
    ({"note": "\ud800"}, "custom_fields.note"),
])
def test_contact_create_refuses_a_nul_in_custom_fields_and_stores_nothing(world, client_a, session_a,
                                                                         custom_fields, field):
    body = json.dumps({"phone": "+6281234567891", "custom_fields": custom_fields})

    error = assert_invalid(client_a.post("/api/v1/contacts/", body, content_type="application/json"))

    assert any(key.startswith(field) for key in error["fields"]), error
    assert contacts(world) == []


def test_contact_update_refuses_a_nul_in_custom_fields_and_changes_nothing(world, client_a, contact_id):
    before = contacts(world)
    body = json.dumps({"name": "Changed", "custom_fields": {"crm": {"id": "7\u0000"}}})

    response = client_a.patch(f"/api/v1/contacts/{contact_id}/", body, content_type="application/json")

    assert_invalid(response, field="custom_fields.crm.id")
    assert contacts(world) == before


@pytest.mark.parametrize("body, field", [
    ({"phone": "+62812\u00003456789"}, "phone"),
    ({"phone": "+6281234567892", "name": "Bu\u0000di"}, "name"),
    ({"phone": "+6281234567892", "tags": ["vip\u0000"]}, "tags.0"),
])
def test_contact_create_refuses_a_nul_in_any_text_field(world, client_a, session_a, body, field):
    error = assert_invalid(client_a.post("/api/v1/contacts/", json.dumps(body), content_type="application/json"))

    assert any(key.startswith(field.split(".")[0]) for key in error["fields"]), error
    assert contacts(world) == []


def test_send_refuses_a_nul_in_its_fields(world, client_a, contact_id):
    for body in ({"client_id": "c-\u0000", "body": "hi"}, {"client_id": "c-1", "body": "h\u0000i"},
                 {"client_id": "c-2", "type": "location", "location": {"latitude": 1, "longitude": 2,
                                                                       "name": "\u0000"}}):
        response = client_a.post(f"/api/v1/contacts/{contact_id}/messages/", json.dumps(body),
                                 content_type="application/json")
        assert_invalid(response)
    with schema_context(world.ws_a.schema_name):
        assert not Contact.objects.get(pk=contact_id).messages.exists()


@pytest.mark.parametrize("options, field", [
    ({"seed": "4\u00002"}, "options.seed"), ({"k\u0000": 1}, "options"), ({"customers": [{"name": "\u0000"}]},
                                                                          "options.customers.0.name"),
])
def test_session_create_refuses_a_nul_in_options_and_stores_nothing(world, client_a, options, field):
    response = client_a.post("/api/v1/sessions/", json.dumps({"engine": "sandbox", "options": options}),
                             content_type="application/json")

    error = assert_invalid(response)
    assert any(key.startswith(field) for key in error["fields"]), error
    with schema_context(world.ws_a.schema_name):
        assert not WhatsAppSession.objects.exists()


# --- JSON nested too deeply ------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path", [
    ("post", "/api/v1/contacts/"), ("patch", "/api/v1/contacts/{contact}/"),
    ("post", "/api/v1/contacts/{contact}/messages/"), ("post", "/api/v1/sessions/"),
    ("post", "/api/v1/messages/1/reactions/"),
])
def test_json_nested_too_deeply_is_a_400_on_every_json_endpoint(world, client_a, contact_id, method, path):
    response = getattr(client_a, method)(path.format(contact=contact_id), DEEP_JSON, content_type="application/json")

    assert_invalid(response)
    assert len(contacts(world)) == 1


def test_json_nested_past_the_limit_but_parseable_is_refused_too(world, client_a, session_a):
    from blazz.core.parsers import MAX_JSON_DEPTH

    deep = {"phone": "+6281234567893", "custom_fields": {"a": json.loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)}}
    shallow = {"phone": "+6281234567893", "custom_fields": {"a": [[["fine"]]]}}

    assert_invalid(client_a.post("/api/v1/contacts/", json.dumps(deep), content_type="application/json"))
    assert contacts(world) == []
    assert client_a.post("/api/v1/contacts/", json.dumps(shallow), content_type="application/json").status_code == 201


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_constants_outside_the_standard_are_400(client_a, session_a, constant):
    body = '{"phone": "+6281234567894", "custom_fields": {"x": %s}}' % constant
    assert_invalid(client_a.post("/api/v1/contacts/", body, content_type="application/json"))


# --- the media upload's Content-Length --------------------------------------------------------------------


@pytest.mark.parametrize("length", ["abc", "12x", "-5", " "])
def test_a_malformed_content_length_on_the_media_upload_is_400(client_a, length):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")
    response = client_a.post("/api/v1/media/", {"file": upload}, CONTENT_LENGTH=length)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_request"

