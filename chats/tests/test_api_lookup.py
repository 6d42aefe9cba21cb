"""The CRM's lookups: GET /messages/{id}/, /messages/?client_id= and ?wa_message_id=, and
?updated_since= on chats, contacts and messages (every UPDATE path moves updated_at)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from chats import services
from chats.models import Message
from conftest import host_client


@pytest.fixture
def thread(world):
    from sessions_wa.models import SessionStatus, WhatsAppSession

    with schema_context(world.ws_a.schema_name):
        session = WhatsAppSession.objects.create(id="ws_acme.look", engine="sandbox", status=SessionStatus.CONNECTED,
                                                 phone="+628000000009")
        services.message_apply_received(session=session, data={
            "wa_message_id": "wa-look-1", "chat_id": "6281299990001@c.us", "from": "6281299990001@c.us",
            "from_name": "Sari", "to": "628000000009@c.us", "type": "text", "body": "hello", "timestamp": 1_700_000_000})
        message = Message.objects.get(wa_message_id="wa-look-1")
        Message.objects.filter(pk=message.pk).update(client_id="crm-look-1")
        yield message


def test_a_message_is_found_by_id_client_id_and_wa_message_id(world, thread):
    client = host_client(world.ws_a, world.agent_a)

    assert client.get(f"/api/v1/messages/{thread.pk}/").json()["body"] == "hello"
    assert [m["id"] for m in client.get("/api/v1/messages/?client_id=crm-look-1").json()["results"]] == [thread.pk]
    assert [m["id"] for m in client.get("/api/v1/messages/?wa_message_id=wa-look-1").json()["results"]] == [thread.pk]
    assert client.get("/api/v1/messages/?client_id=nope").json()["results"] == []
    missing = client.get("/api/v1/messages/999999999/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "message_not_found"


def test_another_workspace_cannot_read_the_message(world, thread):
    globex = host_client(world.ws_b, world.agent_b)

    assert globex.get(f"/api/v1/messages/{thread.pk}/").status_code == 404
    assert globex.get("/api/v1/messages/?wa_message_id=wa-look-1").json()["results"] == []


def test_updated_since_returns_what_changed_whichever_path_wrote_it(world, thread):
    client = host_client(world.ws_a, world.agent_a)
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    assert client.get("/api/v1/messages/", {"updated_since": later}).json()["results"] == []
    assert client.get("/api/v1/chats/", {"updated_since": later}).json()["results"] == []

    with schema_context(world.ws_a.schema_name), connection.cursor() as cursor:
        # A raw statement, as chats/store.py writes: the trigger moves updated_at anyway.
        cursor.execute("UPDATE chats_contact SET unread_count = 0 WHERE id = %s", [thread.contact_id])
        cursor.execute("UPDATE chats_message SET body = body WHERE id = %s", [thread.pk])
        cursor.execute("SELECT now()")
        now = cursor.fetchone()[0]
    since = (now - timedelta(seconds=1)).isoformat()

    assert [c["id"] for c in client.get("/api/v1/chats/", {"updated_since": since}).json()["results"]] == [thread.contact_id]
    assert thread.contact_id in [c["id"] for c in client.get("/api/v1/contacts/", {"updated_since": since}).json()["results"]]
    assert [m["id"] for m in client.get("/api/v1/messages/", {"updated_since": since}).json()["results"]] == [thread.pk]
    bad = client.get("/api/v1/messages/", {"updated_since": "yesterday"})
    assert bad.status_code == 400 and "updated_since" in bad.json()["error"]["fields"]
