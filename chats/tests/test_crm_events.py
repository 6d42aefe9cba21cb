"""The CRM's event names (blazz/core/events.py): message.received, message.sent, contact.created,
contact.updated, contact.deleted, written to the event log with the change, read back from
`GET /api/v1/events/` in the envelope the webhooks carry, and accepted as webhook filters; never
seen from the other workspace."""

import uuid

import pytest
from django_tenants.utils import schema_context

from blazz.core import events
from chats import services
from conftest import host_client
from sessions_wa.models import SessionStatus, WhatsAppSession


@pytest.fixture
def session_a(world):
    with schema_context(world.ws_a.schema_name):
        return WhatsAppSession.objects.create(id="ws_acme.crm", engine="sandbox", status=SessionStatus.CONNECTED,
                                              phone="+628000000007")


def logged(client, *types):
    page = client.get("/api/v1/events/", {"after_seq": 0, "limit": 1000, "types": ",".join(types)})
    assert page.status_code == 200, page.content
    return page.json()["events"]


def test_the_crm_names_are_logged_events_of_the_one_catalogue():
    for name in ("message.received", "message.sent", "message.updated", "message.revoked", "message.reaction",
                 "message.status", "contact.created", "contact.updated", "contact.deleted", "session.status"):
        assert name in events.ADVANCING, name


def test_a_crm_s_contact_and_message_are_contact_created_and_message_sent(
        world, session_a, api_key_a, client_a, django_capture_on_commit_callbacks):
    crm = host_client(world.ws_a, HTTP_AUTHORIZATION=f"Bearer {api_key_a}")
    with django_capture_on_commit_callbacks(execute=True):
        contact = crm.post("/api/v1/contacts/", {"phone": "+6281200000777", "name": "Sari"},
                           content_type="application/json").json()
    with django_capture_on_commit_callbacks(execute=True):
        sent = crm.post(f"/api/v1/contacts/{contact['id']}/messages/", {"client_id": str(uuid.uuid4()), "body": "Hi"},
                        content_type="application/json").json()

    created = logged(client_a, "contact.created")
    assert [e["data"]["contact"]["id"] for e in created] == [contact["id"]]
    assert created[0]["data"]["contact"]["name"] == "Sari" and "last_message" not in created[0]["data"]["contact"]
    found = logged(client_a, "message.sent", "message.new", "message.received")
    assert [e["type"] for e in found] == ["message.new", "message.sent"]
    assert found[1]["data"]["message"] == found[0]["data"]["message"]
    assert found[1]["data"]["message"]["id"] == sent["id"] and found[1]["data"]["message"]["origin"] == "api"
    envelope = found[1]
    assert set(envelope) == {"id", "type", "workspace", "seq", "occurred_at", "data"}
    assert envelope["id"].startswith("evt_") and envelope["workspace"] == world.ws_a.schema_name


def test_a_customer_s_first_message_is_contact_created_and_message_received(
        world, session_a, client_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), schema_context(world.ws_a.schema_name):
        services.message_apply_received(session=session_a, data={
            "wa_message_id": f"in-{uuid.uuid4()}", "chat_id": "6281200000888@c.us", "from_name": "Dewi",
            "type": "text", "body": "Halo", "timestamp": 1764000000})

    assert [e["data"]["contact"]["wa_id"] for e in logged(client_a, "contact.created")] == ["6281200000888@c.us"]
    received = logged(client_a, "message.received", "message.sent")
    assert [(e["type"], e["data"]["message"]["body"]) for e in received] == [("message.received", "Halo")]
    assert received[0]["data"]["message"]["direction"] == "in"


def test_a_note_is_neither_sent_nor_received(world, session_a, client_a, django_capture_on_commit_callbacks):
    contact = client_a.post("/api/v1/contacts/", {"phone": "+6281200000999"}, content_type="application/json").json()
    with django_capture_on_commit_callbacks(execute=True):
        note = client_a.post(f"/api/v1/contacts/{contact['id']}/messages/",
                             {"client_id": str(uuid.uuid4()), "type": "note", "body": "private"},
                             content_type="application/json")
    assert note.status_code == 201, note.content
    assert logged(client_a, "message.sent", "message.received") == []


def test_changing_and_deleting_a_contact_are_contact_updated_and_contact_deleted(
        world, session_a, client_a, django_capture_on_commit_callbacks):
    contact = client_a.post("/api/v1/contacts/", {"phone": "+6281200000555"}, content_type="application/json").json()
    with django_capture_on_commit_callbacks(execute=True):
        client_a.patch(f"/api/v1/contacts/{contact['id']}/", {"name": "Budi", "tags": ["vip"]},
                       content_type="application/json")
    with django_capture_on_commit_callbacks(execute=True):
        assert client_a.delete(f"/api/v1/contacts/{contact['id']}/").status_code == 204

    updated = logged(client_a, "contact.updated")
    assert [(e["data"]["contact"]["name"], e["data"]["contact"]["tags"]) for e in updated] == [("Budi", ["vip"])]
    assert [e["data"] for e in logged(client_a, "contact.deleted")] == [{"contact_id": contact["id"]}]


def test_webhook_endpoints_take_the_crm_names_as_filters(world, client_a, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    made = client_a.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/hook", "events": [
        "message.received", "message.sent", "contact.created", "contact.updated", "contact.deleted"]},
        content_type="application/json")
    assert made.status_code == 201, made.content
    assert client_a.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/hook", "events": ["contact.exploded"]},
                         content_type="application/json").status_code == 400


def test_the_other_workspace_never_reads_these_events(world, session_a, client_b, api_key_b,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        host_client(world.ws_a, world.owner_a).post("/api/v1/contacts/", {"phone": "+6281200000444"},
                                                   content_type="application/json")
    b_key = host_client(world.ws_b, HTTP_AUTHORIZATION=f"Bearer {api_key_b}")
    assert logged(client_b, "contact.created") == [] and logged(b_key, "contact.created") == []
