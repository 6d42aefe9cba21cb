"""POST /hooks/bridge/: signature, resolution, exactly-once application of every event type."""

from datetime import datetime, timedelta, timezone

import pytest
from django_tenants.utils import schema_context

from chats.models import Contact, Message, PendingMessageEvent, Reaction
from sessions_wa.models import WhatsAppSession
from webhooks.models import AppliedWebhook
from webhooks.tests.conftest import TEST_SECRET, received, signed


def count(schema, model, **filters):
    with schema_context(schema):
        return model.objects.filter(**filters).count()


def test_a_signed_message_received_is_stored_once(world, bridge_a):
    event = received(body="first words")

    first = bridge_a.post("message.received", event, webhook_id="evt_1")
    replay = bridge_a.post("message.received", event, webhook_id="evt_1")

    assert first.status_code == 200 and first.json() == {"ok": True, "duplicate": False}
    assert replay.status_code == 200 and replay.json()["duplicate"] is True
    with schema_context(world.ws_a.schema_name):
        message = Message.objects.get(wa_message_id=event["wa_message_id"])
        assert message.direction == "in" and message.body == "first words"
        assert message.contact.push_name == "Budi" and message.contact.unread_count == 1
        assert message.contact.phone == "+6281234567890"
        assert message.contact.last_message_id == message.pk


def test_the_same_message_under_another_webhook_id_is_not_duplicated(world, bridge_a):
    event = received()
    bridge_a.post("message.received", event)
    bridge_a.post("message.received", event)

    assert count(world.ws_a.schema_name, Message, wa_message_id=event["wa_message_id"]) == 1
    with schema_context(world.ws_a.schema_name):
        assert Contact.objects.get(wa_id=event["chat_id"]).unread_count == 1


@pytest.mark.parametrize("tamper", ["body", "signature", "secret", "old", "future", "missing"])
def test_a_bad_signature_is_401_and_stores_nothing(world, bridge_a, tamper):
    from conftest import host_client

    payload = {"type": "message.received", "session_id": bridge_a.session.pk, "workspace": world.ws_a.schema_name,
               "occurred_at": 0, "data": received()}
    at = datetime.now(tz=timezone.utc)
    if tamper == "old":
        at -= timedelta(minutes=6)
    if tamper == "future":
        at += timedelta(minutes=6)
    body, headers = signed(payload, at=at, secret=TEST_SECRET if tamper != "secret" else
                           "whsec_" + "A" * 43 + "=")
    if tamper == "body":
        body = body.replace("hello", "HELLO")
    if tamper == "signature":
        headers["HTTP_WEBHOOK_SIGNATURE"] = "v1,not-base64!"
    if tamper == "missing":
        headers.pop("HTTP_WEBHOOK_SIGNATURE")

    response = host_client().generic("POST", "/hooks/bridge/", body, content_type="application/json", **headers)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    assert count(world.ws_a.schema_name, Message) == 0
    assert count(world.ws_a.schema_name, AppliedWebhook) == 0


def test_unknown_workspace_session_and_type_are_4xx_with_a_code(world, bridge_a):
    assert bridge_a.post("message.received", received(), workspace="ws_nope").json()["error"]["code"] == "unknown_workspace"
    assert bridge_a.post("message.received", received(), workspace="public").status_code == 404
    response = bridge_a.post("message.received", received(), session_id="ws_acme.nope")
    assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_session"
    response = bridge_a.post("message.exploded", {"wa_message_id": "x"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "unknown_event_type"
    assert count(world.ws_a.schema_name, AppliedWebhook) == 0


def test_a_session_of_another_workspace_does_not_resolve(world, bridge_a):
    """The body names workspace B but a session of A: B has no such session."""
    response = bridge_a.post("message.received", received(), workspace=world.ws_b.schema_name)

    assert response.status_code == 404
    assert count(world.ws_b.schema_name, Message) == 0 and count(world.ws_a.schema_name, Message) == 0


@pytest.mark.parametrize("data", [
    {"wa_message_id": "x", "ack": "3"}, {"wa_message_id": "x", "ack": 9}, {"wa_message_id": "x", "ack": True},
    {"ack": 1}, {"wa_message_id": "x"},
])
def test_malformed_ack_is_422(world, bridge_a, data):
    """A well-formed envelope whose data breaks the type's contract (test_event_contract.py has the rest)."""
    response = bridge_a.post("message.ack", data)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_payload"


@pytest.mark.parametrize("body", ["not json", "[]", '{"type": "message.ack"}', '{"type": 1, "data": []}'])
def test_malformed_bodies_are_400(world, webhook_secret, body):
    from conftest import host_client

    _, headers = signed({})
    from standardwebhooks.webhooks import Webhook

    at = datetime.now(tz=timezone.utc)
    headers["HTTP_WEBHOOK_SIGNATURE"] = Webhook(TEST_SECRET).sign(headers["HTTP_WEBHOOK_ID"], at, body)
    headers["HTTP_WEBHOOK_TIMESTAMP"] = str(int(at.timestamp()))

    response = host_client().generic("POST", "/hooks/bridge/", body, content_type="application/json", **headers)

    assert response.status_code == 400


def test_get_is_405(db):
    from conftest import host_client

    assert host_client().get("/hooks/bridge/").status_code == 405


def test_session_events_move_the_session(world, bridge_a):
    bridge_a.post("session.qr", {"qr": "2@abc", "qr_data_url": "data:image/png;base64,AAAA"})
    with schema_context(world.ws_a.schema_name):
        session = WhatsAppSession.objects.get(pk=bridge_a.session.pk)
        assert (session.status, session.qr_raw) == ("qr", "2@abc")

    bridge_a.post("session.status", {"status": "connected", "phone": "628999", "reason": None})

    with schema_context(world.ws_a.schema_name):
        session = WhatsAppSession.objects.get(pk=bridge_a.session.pk)
        assert (session.status, session.phone, session.qr_raw) == ("connected", "+628999", "")


def test_an_unknown_session_status_is_422(world, bridge_a):
    response = bridge_a.post("session.status", {"status": "exploded", "phone": None, "reason": None})
    error = response.json()["error"]
    assert (response.status_code, error["code"], list(error["fields"])) == (422, "invalid_payload", ["data.status"])


def test_every_message_event_type_applies_once_even_when_replayed(world, bridge_a):
    schema = world.ws_a.schema_name
    inbound = received(body="original")
    wa_id = inbound["wa_message_id"]
    bridge_a.post("message.received", inbound)
    steps = [
        ("message.reaction", {"wa_message_id": wa_id, "from": inbound["chat_id"], "emoji": "👍"}),
        ("message.edited", {"wa_message_id": wa_id, "body": "edited text"}),
        ("message.revoked", {"wa_message_id": wa_id}),
        ("chat.typing", {"chat_id": inbound["chat_id"], "from": inbound["chat_id"], "state": "typing"}),
        ("contact.presence", {"chat_id": inbound["chat_id"], "online": True, "last_seen": None}),
    ]
    for index, (type_, data) in enumerate(steps):
        for _ in range(3):
            assert bridge_a.post(type_, data, webhook_id=f"evt_step_{index}").status_code == 200

    with schema_context(schema):
        message = Message.objects.get(wa_message_id=wa_id)
        assert message.body == "edited text" and [e["body"] for e in message.edits] == ["original"]
        assert message.revoked and message.revoked_at
        assert list(Reaction.objects.filter(message=message).values_list("emoji", flat=True)) == ["👍"]
        assert message.contact.online is True
        assert AppliedWebhook.objects.filter(webhook_id__startswith="evt_step_").count() == len(steps)


def test_events_about_an_unknown_message_wait_for_it(world, bridge_a):
    schema = world.ws_a.schema_name
    inbound = received(body="late")
    bridge_a.post("message.reaction", {"wa_message_id": inbound["wa_message_id"], "from": inbound["chat_id"],
                                       "emoji": "❤️"})
    bridge_a.post("message.edited", {"wa_message_id": inbound["wa_message_id"], "body": "later"})
    assert count(schema, PendingMessageEvent) == 2

    bridge_a.post("message.received", inbound)

    with schema_context(schema):
        message = Message.objects.get(wa_message_id=inbound["wa_message_id"])
        assert message.body == "later"
        assert message.reactions.get().emoji == "❤️"
        assert PendingMessageEvent.objects.count() == 0


def test_a_message_typed_on_the_phone_is_stored_as_outbound(world, bridge_a):
    data = received(body="from my phone", from_name=None)
    data["from"], data["to"] = "628000000001@c.us", data["chat_id"]

    bridge_a.post("message.created", data)

    with schema_context(world.ws_a.schema_name):
        message = Message.objects.get(wa_message_id=data["wa_message_id"])
        assert (message.direction, message.status, message.client_id) == ("out", "pending", None)
        assert message.contact.unread_count == 0


def test_a_message_known_under_another_webhook_id_changes_nothing_and_leaves_no_file_behind(world, bridge_a):
    from chats.models import MediaFile

    inbound = received(body="", type="image", media={"id": "m-1", "mimetype": "image/jpeg", "filename": "a.jpg",
                                                     "size": 10})
    for _ in range(2):  # two deliveries, two webhook-ids
        assert bridge_a.post("message.received", inbound).json() == {"ok": True, "duplicate": False}

    with schema_context(world.ws_a.schema_name):
        message = Message.objects.get(wa_message_id=inbound["wa_message_id"])
        assert MediaFile.objects.count() == 1 and message.media_id is not None
        assert message.contact.unread_count == 1


def test_a_status_reason_keeps_its_code_and_an_unknown_code_reads_unknown(world, bridge_a):
    bridge_a.post("session.status", {"status": "failed", "phone": None, "reason": "net::ERR_NAME_NOT_RESOLVED",
                                     "reason_code": "network_unreachable"})
    with schema_context(world.ws_a.schema_name):
        session = WhatsAppSession.objects.get(pk=bridge_a.session.pk)
        assert (session.status, session.reason_code) == ("failed", "network_unreachable")

    bridge_a.post("session.status", {"status": "connected", "phone": "628999", "reason": None})
    with schema_context(world.ws_a.schema_name):
        assert WhatsAppSession.objects.get(pk=bridge_a.session.pk).reason_code == ""


def test_a_pairing_code_is_kept_while_waiting_for_a_scan_only(world, bridge_a):
    bridge_a.post("session.qr", {"qr": "2@abc", "qr_data_url": None})
    bridge_a.post("session.pairing_code", {"code": "ABCD1234"})
    with schema_context(world.ws_a.schema_name):
        assert WhatsAppSession.objects.get(pk=bridge_a.session.pk).pairing_code == "ABCD1234"

    bridge_a.post("session.status", {"status": "connected", "phone": "628999", "reason": None})
    bridge_a.post("session.pairing_code", {"code": "ZZZZ9999"})  # late: the number is linked already
    with schema_context(world.ws_a.schema_name):
        assert WhatsAppSession.objects.get(pk=bridge_a.session.pk).pairing_code == ""
