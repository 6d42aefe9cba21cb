"""A signed event whose `data` breaks its type's contract (docs/bridge.md, DESIGN "Payload data per
type") is a 422 `invalid_payload` naming the bad fields: never a 500, nothing stored, and its
webhook-id not recorded, so the same event, fixed, can be delivered again (the bridge's dead-letter
retry keeps the webhook-id)."""

from datetime import datetime, timezone

import pytest
from django_tenants.utils import schema_context
from standardwebhooks.webhooks import Webhook

from chats.models import Contact, MediaFile, Message, PendingMessageEvent, Reaction
from conftest import host_client
from sessions_wa.models import WhatsAppSession
from webhooks.models import AppliedWebhook
from webhooks.tests.conftest import TEST_SECRET, received, signed

CHAT = "6281234567890@c.us"
WA = "false_6281234567890@c.us_3EB0AAAA"


def created(**extra):
    data = received(wa_id=WA.replace("false_", "true_"), from_name=None, **extra)
    data["from"], data["to"] = "628000000001@c.us", data["chat_id"]
    return data


# (event type, data, the field named in error.fields). One row per way the audit found to reach a
# 500, and the rest of each type's contract: missing, wrong type, too long for its column.
BAD_EVENTS = [
    ("session.qr", {}, "data.qr"),
    ("session.qr", {"qr": 5, "qr_data_url": None}, "data.qr"),
    ("session.qr", {"qr": "2@abc", "qr_data_url": ["x"]}, "data.qr_data_url"),
    ("session.qr", {"qr": "2@a\u0000bc", "qr_data_url": None}, "data.qr"),
    ("session.status", {"phone": None, "reason": None}, "data.status"),
    ("session.status", {"status": "exploded", "phone": None, "reason": None}, "data.status"),
    ("session.status", {"status": "connected", "phone": 628123, "reason": None}, "data.phone"),
    ("session.status", {"status": "connected", "phone": "6" * 40, "reason": None}, "data.phone"),
    ("session.status", {"status": "connected", "phone": "62-81", "reason": None}, "data.phone"),
    ("session.status", {"status": "failed", "phone": None, "reason": {"why": "x"}}, "data.reason"),
    ("message.received", {"wa_message_id": WA}, "data.chat_id"),
    ("message.received", received(wa_id=WA, chat_id=6281234567890), "data.chat_id"),
    ("message.received", received(wa_id=WA, chat_id="1" * 101), "data.chat_id"),
    ("message.received", received(wa_id=WA, chat_id="1" * 40 + "@c.us"), "data.chat_id"),
    ("message.received", received(wa_id=WA, from_name=["Budi"]), "data.from_name"),
    ("message.received", received(wa_id="w" * 201), "data.wa_message_id"),
    ("message.received", {**received(), "wa_message_id": ""}, "data.wa_message_id"),
    ("message.received", received(wa_id=WA, body=5), "data.body"),
    ("message.received", received(wa_id=WA, body="a\u0000b"), "data.body"),
    ("message.received", received(wa_id=WA, caption=False), "data.caption"),
    ("message.received", received(wa_id=WA, type=7), "data.type"),
    ("message.received", received(wa_id=WA, timestamp="yesterday"), "data.timestamp"),
    ("message.received", received(wa_id=WA, reply_to="r" * 201), "data.reply_to"),
    ("message.received", received(wa_id=WA, media="photo.jpg"), "data.media"),
    ("message.received", received(wa_id=WA, media={"id": "m1", "mimetype": "image/jpeg", "filename": "a.jpg",
                                                    "size": "big"}), "data.media.size"),
    ("message.received", received(wa_id=WA, media={"id": "m1", "mimetype": "image/jpeg", "filename": "a.jpg",
                                                    "size": -1}), "data.media.size"),
    ("message.received", received(wa_id=WA, media={"id": "m1", "mimetype": "image/jpeg", "filename": "a.jpg",
                                                    "size": 2 ** 70}), "data.media.size"),
    ("message.received", received(wa_id=WA, media={"id": "m" * 201, "mimetype": "image/jpeg", "filename": None,
                                                    "size": 1}), "data.media.id"),
    ("message.received", received(wa_id=WA, type="location", location="here"), "data.location"),
    ("message.received", received(wa_id=WA, type="location", location={"latitude": "x", "longitude": 1}),
     "data.location.latitude"),
    ("message.received", received(wa_id=WA, type="location", location={"latitude": 91, "longitude": 1}),
     "data.location.latitude"),
    ("message.received", received(wa_id=WA, type="contact", contact=["Ana"]), "data.contact"),
    ("message.received", received(wa_id=WA, type="contact", contact={"name": 1, "phone": None, "vcard": ""}),
     "data.contact.name"),
    ("message.created", {"wa_message_id": WA}, "data.chat_id"),
    ("message.created", created(client_id=42), "data.client_id"),
    ("message.created", created(client_id="c" * 101), "data.client_id"),
    ("message.created", created(chat_id=None), "data.chat_id"),
    ("message.ack", {"wa_message_id": WA, "ack": "3"}, "data.ack"),
    ("message.ack", {"wa_message_id": WA, "ack": 9}, "data.ack"),
    ("message.ack", {"wa_message_id": WA, "ack": True}, "data.ack"),
    ("message.ack", {"wa_message_id": WA, "ack": 2.0}, "data.ack"),
    ("message.ack", {"ack": 1}, "data.wa_message_id"),
    ("message.ack", {"wa_message_id": WA}, "data.ack"),
    ("message.ack", {"wa_message_id": 12, "ack": 1}, "data.wa_message_id"),
    ("message.reaction", {"wa_message_id": WA, "from": CHAT, "emoji": "x" * 33}, "data.emoji"),
    ("message.reaction", {"wa_message_id": WA, "from": CHAT, "emoji": None}, "data.emoji"),
    ("message.reaction", {"wa_message_id": WA, "from": 628, "emoji": "👍"}, "data.from"),
    ("message.reaction", {"wa_message_id": WA, "from": "f" * 101, "emoji": "👍"}, "data.from"),
    ("message.reaction", {"from": CHAT, "emoji": "👍"}, "data.wa_message_id"),
    ("message.edited", {"wa_message_id": WA, "body": 5}, "data.body"),
    ("message.edited", {"wa_message_id": WA}, "data.body"),
    ("message.edited", {"wa_message_id": "w" * 201, "body": "x"}, "data.wa_message_id"),
    ("message.revoked", {"wa_message_id": ["x"]}, "data.wa_message_id"),
    ("message.revoked", {}, "data.wa_message_id"),
    ("chat.typing", {"chat_id": 5, "from": CHAT, "state": "typing"}, "data.chat_id"),
    ("chat.typing", {"chat_id": CHAT, "from": CHAT, "state": "dancing"}, "data.state"),
    ("chat.typing", {"chat_id": CHAT, "from": CHAT}, "data.state"),
    ("contact.presence", {"chat_id": CHAT, "online": "yes", "last_seen": None}, "data.online"),
    ("contact.presence", {"chat_id": CHAT, "online": False, "last_seen": "noon"}, "data.last_seen"),
    ("contact.presence", {"online": True, "last_seen": None}, "data.chat_id"),
]


def stored(schema):
    with schema_context(schema):
        return {model.__name__: model.objects.count()
                for model in (AppliedWebhook, Contact, Message, MediaFile, PendingMessageEvent, Reaction)}


@pytest.mark.parametrize("type_, data, field", BAD_EVENTS, ids=[f"{t}-{f}-{i}" for i, (t, _, f) in enumerate(BAD_EVENTS)])
def test_an_event_breaking_its_contract_is_422_naming_the_field_and_stores_nothing(world, bridge_a, type_, data,
                                                                                  field):
    schema = world.ws_a.schema_name
    before = stored(schema)
    with schema_context(schema):
        session_before = WhatsAppSession.objects.values().get(pk=bridge_a.session.pk)

    response = bridge_a.post(type_, data, webhook_id="evt_bad")

    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_payload"
    assert field in error["fields"], error
    assert stored(schema) == before
    with schema_context(schema):
        assert WhatsAppSession.objects.values().get(pk=bridge_a.session.pk) == session_before


def test_a_rejected_event_can_be_delivered_again_under_its_webhook_id_once_fixed(world, bridge_a):
    """The webhook-id of a refused event is not recorded: a fixed bridge re-sends the same id."""
    bad = received(wa_id=WA, media={"id": "m1", "mimetype": "image/jpeg", "filename": "a.jpg", "size": "big"})
    assert bridge_a.post("message.received", bad, webhook_id="evt_fixme").status_code == 422

    fixed = bridge_a.post("message.received", {**bad, "media": None}, webhook_id="evt_fixme")

    assert fixed.status_code == 200 and fixed.json() == {"ok": True, "duplicate": False}
    with schema_context(world.ws_a.schema_name):
        assert Message.objects.filter(wa_message_id=WA).count() == 1


def test_every_nullable_field_the_bridge_sends_as_null_is_accepted(world, bridge_a):
    """The bridge sends every declared field, null where it has nothing (bridge/src/contract/)."""
    data = received(wa_id=WA, type="image", body="", caption=None, from_name=None, reply_to=None, client_id=None,
                    media={"id": None, "mimetype": None, "filename": None, "size": None})
    data["timestamp"] = None

    assert bridge_a.post("message.received", data).status_code == 200
    card = received(type="contact", contact={"name": None, "phone": None, "vcard": "BEGIN:VCARD"})
    where = received(type="location", location={"latitude": -6.2, "longitude": 106.8, "name": None, "address": None})
    assert bridge_a.post("message.received", card).status_code == 200
    assert bridge_a.post("message.received", where).status_code == 200
    assert bridge_a.post("session.status", {"status": "failed", "phone": None, "reason": None}).status_code == 200
    assert bridge_a.post("session.qr", {"qr": "2@abc", "qr_data_url": None}).status_code == 200
    assert bridge_a.post("contact.presence", {"chat_id": CHAT, "online": False, "last_seen": None}).status_code == 200
    assert bridge_a.post("chat.typing", {"chat_id": CHAT, "from": None, "state": "paused"}).status_code == 200
    with schema_context(world.ws_a.schema_name):
        message = Message.objects.get(wa_message_id=WA)
        assert message.media.status == "failed" and message.media.size == 0
        assert Message.objects.get(wa_message_id=where["wa_message_id"]).location["latitude"] == -6.2
        assert Message.objects.get(wa_message_id=card["wa_message_id"]).contact_card["vcard"] == "BEGIN:VCARD"


def test_a_message_created_with_a_client_id_we_do_not_know_is_stored_as_outbound(world, bridge_a):
    data = created(client_id="c-unknown", body="typed")
    assert bridge_a.post("message.created", data).status_code == 200
    with schema_context(world.ws_a.schema_name):
        assert Message.objects.get(wa_message_id=data["wa_message_id"]).direction == "out"


def post_raw(body: str, webhook_id="evt_raw"):
    at = datetime.now(tz=timezone.utc)
    headers = {"HTTP_WEBHOOK_ID": webhook_id, "HTTP_WEBHOOK_TIMESTAMP": str(int(at.timestamp())),
               "HTTP_WEBHOOK_SIGNATURE": Webhook(TEST_SECRET).sign(webhook_id, at, body)}
    return host_client().generic("POST", "/hooks/bridge/", body, content_type="application/json", **headers)


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,
    '{"type": "message.ack", "session_id": "s", "workspace": "w", "data": ' + "[" * 40 + "]" * 40 + "}",
    '{"type": "message.ack", "session_id": "s", "workspace": "w", "data": {"wa_message_id": "x", "ack": NaN}}',
])
def test_a_body_json_cannot_hold_is_400(world, webhook_secret, body):
    response = post_raw(body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_payload"


@pytest.mark.parametrize("envelope, field", [
    ({"workspace": "ws_acme\u0000"}, "workspace"),
    ({"session_id": "ws_acme.t1\u0000"}, "session_id"),
    ({"type": "message.ack\u0000"}, "type"),
    ({"session_id": "s" * 65}, "session_id"),
    ({"workspace": "w" * 64}, "workspace"),
])
def test_an_envelope_postgresql_cannot_hold_is_400(world, bridge_a, envelope, field):
    payload = {"type": "message.ack", "session_id": bridge_a.session.pk, "workspace": world.ws_a.schema_name,
               "occurred_at": 0, "data": {"wa_message_id": WA, "ack": 1}, **envelope}
    body, headers = signed(payload)

    response = host_client().generic("POST", "/hooks/bridge/", body, content_type="application/json", **headers)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_payload"
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize("webhook_id", ["e" * 101, "evt_\u0000"])
def test_a_webhook_id_that_cannot_be_recorded_is_400(world, bridge_a, webhook_id):
    payload = {"type": "message.ack", "session_id": bridge_a.session.pk, "workspace": world.ws_a.schema_name,
               "occurred_at": 0, "data": {"wa_message_id": WA, "ack": 1}}
    body, headers = signed(payload, webhook_id=webhook_id)

    response = host_client().generic("POST", "/hooks/bridge/", body, content_type="application/json", **headers)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_payload"
    assert stored(world.ws_a.schema_name)["AppliedWebhook"] == 0


def test_every_event_type_of_the_bridge_contract_has_a_handler():
    from sessions_wa.contract import EVENT_TYPES
    from webhooks.inbound.apply import HANDLERS

    assert set(EVENT_TYPES) == set(HANDLERS)
