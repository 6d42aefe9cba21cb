"""The send and receive paths with the real pieces: daphne, a Celery worker, the bridge
(sandbox engine), PostgreSQL and Redis, all as processes."""

import uuid

import pytest
from django_tenants.utils import schema_context

from blazz.dev.realstack import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

CUSTOMER = "+6281100000001"


def new_contact(ws, phone=CUSTOMER):
    with ws.api() as api:
        response = api.post("/api/v1/contacts/", json={"phone": phone})
        assert response.status_code in (200, 201), response.text
        return response.json()


def message_status(ws, message_id):
    with ws.api() as api:
        for message in api.get(f"/api/v1/contacts/{ws.contact_id}/messages/").json()["results"]:
            if message["id"] == message_id:
                return message
    return None


def get_message(ws, contact_id, message_id):
    with ws.api() as api:
        results = api.get(f"/api/v1/contacts/{contact_id}/messages/", params={"page_size": 100}).json()["results"]
    return next((m for m in results if m["id"] == message_id), None)


def test_api_send_reaches_the_customer_and_ticks_come_back_to_read(stack, stack_a):
    contact = new_contact(stack_a)
    client_id = f"c-{uuid.uuid4()}"

    with stack_a.api() as api:
        response = api.post(f"/api/v1/contacts/{contact['id']}/messages/", json={"client_id": client_id, "body": "Hi!"})
    assert response.status_code == 201, response.text
    message = response.json()
    assert message["status"] == "pending"

    def customer_has_it():
        received = stack.customer(stack_a.session.id, CUSTOMER)["received"]
        return [m for m in received if m["client_id"] == client_id]

    got = wait_until(customer_has_it, 15, message="the sandbox customer to receive the message")
    assert len(got) == 1 and got[0]["body"] == "Hi!"
    final = wait_until(lambda: (m := get_message(stack_a, contact["id"], message["id"])) and m["status"] == "read" and m,
                       15, message="status read")
    assert final["wa_message_id"] == got[0]["wa_message_id"]
    assert final["sent_at"] and final["delivered_at"] and final["read_at"]


def test_same_client_id_twice_is_one_message(stack, stack_a):
    contact = new_contact(stack_a, "+6281100000002")
    body = {"client_id": f"c-{uuid.uuid4()}", "body": "once"}
    with stack_a.api() as api:
        first = api.post(f"/api/v1/contacts/{contact['id']}/messages/", json=body)
        second = api.post(f"/api/v1/contacts/{contact['id']}/messages/", json=body)
        conflict = api.post(f"/api/v1/contacts/{contact['id']}/messages/", json={**body, "body": "twice"})

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "client_id_conflict"
    wait_until(lambda: get_message(stack_a, contact["id"], first.json()["id"])["status"] == "read", 15)
    received = stack.customer(stack_a.session.id, "+6281100000002")["received"]
    assert [m["body"] for m in received if m["client_id"] == body["client_id"]] == ["once"]


def test_a_customer_message_lands_in_its_workspace_once(stack, stack_a, stack_b):
    from chats.models import Message

    text = f"hello from a customer {uuid.uuid4()}"
    with stack.bridge_http() as bridge:
        response = bridge.post(f"/sandbox/sessions/{stack_a.session.id}/inbound",
                               json={"from": "6281100000003", "name": "Citra", "body": text})
    assert response.status_code in (200, 201), response.text
    wa_id = response.json()["wa_message_id"]

    def stored():
        with schema_context(stack_a.schema):
            return list(Message.objects.filter(wa_message_id=wa_id).values_list("body", "direction"))

    assert wait_until(stored, 10, message="the inbound message in workspace A") == [(text, "in")]
    with schema_context(stack_b.schema):
        assert not Message.objects.filter(body=text).exists()
    with stack_a.api() as api:
        chats = api.get("/api/v1/chats/", params={"q": "Citra"}).json()["results"]
    assert chats[0]["push_name"] == "Citra" and chats[0]["unread_count"] >= 1
    assert chats[0]["last_message"]["body"] == text


def test_location_contact_card_quoted_reply_and_voice_reach_the_customer(stack, stack_a):
    """Each kind of content the API sends, through the worker and the bridge to the sandbox customer,
    with the bridge's message.created and acks for each applied back."""
    from chats.models import Message

    phone = "+6281100000011"
    contact = new_contact(stack_a, phone)
    with stack.bridge_http() as bridge:
        asked = bridge.post(f"/sandbox/sessions/{stack_a.session.id}/inbound",
                            json={"from": phone.lstrip("+"), "name": "Dewi", "body": "where is your shop?"})
    assert asked.status_code in (200, 201), asked.text
    quoted_wa_id = asked.json()["wa_message_id"]

    def quoted_id():
        with schema_context(stack_a.schema):
            return Message.objects.filter(wa_message_id=quoted_wa_id).values_list("pk", flat=True).first()

    quoted = wait_until(quoted_id, 10, message="the customer's question stored")
    voice = b"OggS\x00\x02" + b"\x00" * 20 + b"OpusHead" + b"\x01" * 64
    location = {"latitude": -6.2088, "longitude": 106.8456, "name": "Blazz shop", "address": "Jl. Sudirman 1"}
    with stack_a.api() as api:
        media = api.post("/api/v1/media/", files={"file": ("note.ogg", voice, "audio/ogg")})
        assert media.status_code == 201, media.text
        bodies = {
            "location": {"type": "location", "location": location, "reply_to": quoted},
            "contact": {"type": "contact", "contact_card": {"name": "Ana Sales", "phone": "+62 812-0000-1111"}},
            "reply": {"type": "text", "body": "Here, see the pin", "reply_to": quoted},
            "voice": {"type": "voice", "media_id": media.json()["id"]},
        }
        sent = {}
        for kind, body in bodies.items():
            response = api.post(f"/api/v1/contacts/{contact['id']}/messages/",
                                json={"client_id": f"c-{kind}-{uuid.uuid4()}", **body})
            assert response.status_code == 201, response.text
            sent[kind] = response.json()

    def customer_got_all():
        by_client_id = {m["client_id"]: m for m in stack.customer(stack_a.session.id, phone)["received"]}
        got = {kind: by_client_id.get(message["client_id"]) for kind, message in sent.items()}
        return got if all(got.values()) else None

    got = wait_until(customer_got_all, 20, message="the customer to receive all four")
    assert got["location"]["type"] == "location" and got["location"]["location"] == location
    assert got["location"]["reply_to"] == quoted_wa_id
    assert got["contact"]["type"] == "contact"
    assert got["contact"]["contact"]["name"] == "Ana Sales" and got["contact"]["contact"]["phone"] == "6281200001111"
    assert "waid=6281200001111" in got["contact"]["contact"]["vcard"]
    assert (got["reply"]["body"], got["reply"]["reply_to"]) == ("Here, see the pin", quoted_wa_id)
    assert got["voice"]["type"] == "voice" and got["voice"]["media"]["mimetype"] == "audio/ogg"
    assert got["voice"]["media"]["size"] == len(voice)
    for kind, message in sent.items():  # every message.created and ack came back and applied
        final = wait_until(lambda: (m := get_message(stack_a, contact["id"], message["id"]))
                           and m["status"] in ("read", "played") and m, 20, message=f"{kind} read")
        assert final["wa_message_id"] == got[kind]["wa_message_id"]


def test_the_worker_keeps_its_database_connections_between_sends(stack, stack_a):
    """Celery's Django fixup used to close the worker's whole connection pool around every task:
    each send opened new PostgreSQL connections (most of the task's cost and the server's).
    `pg_stat_database.sessions` counts every connection ever made to the database."""
    from django.db import connection

    def sessions_made():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # statistics are read once per transaction
            cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
            return cursor.fetchone()[0]

    contact = new_contact(stack_a, "+6281100000077")
    sends = 12
    before = sessions_made()
    with stack_a.api() as api:
        ids = [api.post(f"/api/v1/contacts/{contact['id']}/messages/",
                        json={"client_id": f"c-{uuid.uuid4()}", "body": f"pooled {i}"}).json()["id"] for i in range(sends)]
    wait_until(lambda: all((m := get_message(stack_a, contact["id"], i)) and m["status"] == "read" for i in ids), 30,
               message="every send read")

    assert sessions_made() - before < sends  # it was at least two per send
