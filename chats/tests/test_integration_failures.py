"""What the outside world does to us, with the real pieces: replays, concurrency, out-of-order
acks, a worker killed mid-send, the bridge going away, media both ways."""

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import httpx
import pytest
from django.conf import settings
from django_tenants.utils import schema_context
from standardwebhooks.webhooks import Webhook

from blazz.dev.realstack import wait_until
from chats.tests.test_integration_send_receive import get_message, new_contact

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def sign_and_post(stack, ws, type_, data, webhook_id):
    body = json.dumps({"type": type_, "session_id": ws.session.id, "workspace": ws.schema,
                       "occurred_at": time.time(), "data": data})
    now = datetime.now(tz=timezone.utc)
    headers = {"webhook-id": webhook_id, "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": Webhook(settings.BRIDGE_WEBHOOK_SECRET).sign(webhook_id, now, body),
               "content-type": "application/json", "Host": "localhost"}
    return httpx.post(f"{stack.web_url}/hooks/bridge/", content=body, headers=headers, timeout=15)


def send_api(ws, contact_id, **body):
    body.setdefault("client_id", f"c-{uuid.uuid4()}")
    with ws.api() as api:
        response = api.post(f"/api/v1/contacts/{contact_id}/messages/", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_every_webhook_type_replayed_three_times_concurrently_has_one_effect(stack, stack_a):
    from chats.models import Contact, Message, Reaction
    from sessions_wa.models import WhatsAppSession
    from webhooks.models import AppliedWebhook

    chat = "6281100009001@c.us"
    wa_in = f"false_{chat}_{uuid.uuid4().hex}"
    wa_out = f"true_{chat}_{uuid.uuid4().hex}"
    lid = f"{uuid.uuid4().int % 10**15}@lid"
    message = {"chat_id": chat, "from": chat, "from_name": "Replay", "to": "x@c.us", "type": "text", "caption": None,
               "media": None, "reply_to": None, "timestamp": time.time(), "client_id": None}
    events = [
        ("message.received", {**message, "wa_message_id": wa_in, "body": "in"}),
        ("message.created", {**message, "wa_message_id": wa_out, "body": "from the phone", "from_name": None}),
        ("message.ack", {"wa_message_id": wa_out, "ack": 2}),
        ("message.reaction", {"wa_message_id": wa_in, "from": chat, "emoji": "🔥"}),
        ("message.edited", {"wa_message_id": wa_in, "body": "in, edited"}),
        ("message.revoked", {"wa_message_id": wa_out}),
        ("chat.unread", {"chat_id": chat, "unread_count": 3}),  # the phone's count: set, not added
        ("contact.identity", {"lid": lid, "phone_id": chat}),
        ("chat.typing", {"chat_id": chat, "from": chat, "state": "typing"}),
        ("contact.presence", {"chat_id": chat, "online": True, "last_seen": None}),
        ("session.qr", {"qr": "2@replayed-qr", "qr_data_url": None}),
        ("session.pairing_code", {"code": "REPLAY12"}),
        ("session.status", {"status": "connected", "phone": stack_a.session.phone.lstrip("+") or "6280", "reason": None}),
    ]
    from sessions_wa.contract import EVENT_TYPES

    assert {type_ for type_, _ in events} == set(EVENT_TYPES)  # every type of the contract

    def session_state():
        with schema_context(stack_a.schema):
            return WhatsAppSession.objects.values_list("status", "qr_raw").get(pk=stack_a.session.id)

    def pairing_code():
        with schema_context(stack_a.schema):
            return WhatsAppSession.objects.values_list("pairing_code", flat=True).get(pk=stack_a.session.id)

    webhook_ids = []
    for type_, data in events:  # in order, as the bridge delivers per session; each 3 times at once
        webhook_id = f"evt_{uuid.uuid4().hex}"
        webhook_ids.append(webhook_id)
        with ThreadPoolExecutor(3) as pool:
            responses = list(pool.map(lambda _: sign_and_post(stack, stack_a, type_, data, webhook_id), range(3)))
        assert [r.status_code for r in responses] == [200, 200, 200], [r.text for r in responses]
        assert sorted(r.json()["duplicate"] for r in responses) == [False, True, True], type_
        if type_ == "session.qr":  # waiting for a scan, with the QR, once; the next status event ends it
            assert session_state() == ("qr", "2@replayed-qr")
        if type_ == "session.pairing_code":  # kept while the QR shows
            assert pairing_code() == "REPLAY12"

    assert session_state() == ("connected", "") and pairing_code() == ""

    with schema_context(stack_a.schema):
        contact = Contact.objects.get(wa_id=chat)
        assert contact.unread_count == 3 and contact.online and contact.lid == lid
        inbound = Message.objects.get(wa_message_id=wa_in)
        assert inbound.body == "in, edited" and len(inbound.edits) == 1
        assert Reaction.objects.filter(message=inbound).count() == 1
        outbound = Message.objects.get(wa_message_id=wa_out)
        assert outbound.status == "delivered" and outbound.revoked
        assert Message.objects.filter(contact=contact).count() == 2
        assert AppliedWebhook.objects.filter(webhook_id__in=webhook_ids).count() == len(events)


def test_acks_before_the_message_and_out_of_order_end_right(stack, stack_a):
    chat = "6281100009002@c.us"
    wa_out = f"true_{chat}_{uuid.uuid4().hex}"
    for ack in (3, 1, 2):  # all before the message exists, out of order
        assert sign_and_post(stack, stack_a, "message.ack", {"wa_message_id": wa_out, "ack": ack},
                             f"evt_{uuid.uuid4().hex}").status_code == 200
    created = {"wa_message_id": wa_out, "chat_id": chat, "from": "me@c.us", "from_name": None, "to": chat,
               "type": "text", "body": "hi", "caption": None, "media": None, "reply_to": None,
               "timestamp": time.time(), "client_id": None}
    sign_and_post(stack, stack_a, "message.created", created, f"evt_{uuid.uuid4().hex}")
    sign_and_post(stack, stack_a, "message.ack", {"wa_message_id": wa_out, "ack": 1}, f"evt_{uuid.uuid4().hex}")

    from chats.models import Message, PendingMessageEvent

    with schema_context(stack_a.schema):
        message = Message.objects.get(wa_message_id=wa_out)
        assert message.status == "read"
        assert not PendingMessageEvent.objects.filter(wa_message_id=wa_out).exists()


def test_worker_killed_mid_send_delivers_exactly_once(stack, stack_a, tmp_path):
    """The worker dies after the bridge sent the message and before it recorded the answer.
    acks_late + the bridge's idempotency by client_id: the customer gets it once. The pause that
    opens the window is injected from here (chats/tests/faults.py), not by the service."""
    phone = "+6281100009003"
    contact = new_contact(stack_a, phone)
    pausing = tmp_path / "pausing"
    stack.worker.stop()
    stack.worker.start(extra_env={"CELERY_WORKER_INCLUDE": "chats.tests.faults",
                                  "FAULT_PAUSE_AFTER_BRIDGE_SEND_SECONDS": "30", "FAULT_PAUSE_MARKER": str(pausing)})
    try:
        stack.wait_worker()
        message = send_api(stack_a, contact["id"], body="exactly once, please")

        def received():
            return [m for m in stack.customer(stack_a.session.id, phone)["received"]
                    if m["client_id"] == message["client_id"]]

        wait_until(pausing.exists, 20, message="the worker to pause between the bridge's answer and the write")
        assert received(), "the bridge sent it before answering"
        stack.worker.kill()  # SIGKILL while the task sleeps between the bridge's answer and the write
    finally:
        stack.worker.start()
        stack.wait_worker()
    final = wait_until(lambda: (m := get_message(stack_a, contact["id"], message["id"])) and m["status"] == "read" and m,
                       40, message="the message to reach read")
    got = [m for m in stack.customer(stack_a.session.id, phone)["received"] if m["client_id"] == message["client_id"]]
    assert len(got) == 1
    assert final["wa_message_id"] == got[0]["wa_message_id"]


def test_messages_sent_while_the_bridge_is_down_go_out_when_it_returns(stack, stack_a):
    phone = "+6281100009004"
    contact = new_contact(stack_a, phone)
    stack.bridge.stop()
    try:
        message = send_api(stack_a, contact["id"], body="queued while down")
        from chats.models import Message

        def retried():
            with schema_context(stack_a.schema):
                return Message.objects.get(pk=message["id"]).send_attempts >= 2

        wait_until(retried, 15, message="the worker to try and retry")
    finally:
        stack.bridge.start()
        stack.wait_bridge()
    wait_until(lambda: get_message(stack_a, contact["id"], message["id"])["status"] in ("sent", "delivered", "read"),
               30, message="the message to go out")
    got = [m for m in stack.customer(stack_a.session.id, phone)["received"] if m["client_id"] == message["client_id"]]
    assert len(got) == 1


def test_a_bridge_down_for_too_long_fails_the_message_visibly_and_retry_sends_it(stack, stack_a):
    phone = "+6281100009005"
    contact = new_contact(stack_a, phone)
    stack.bridge.stop()
    try:
        message = send_api(stack_a, contact["id"], body="will fail first")
        failed = wait_until(lambda: (m := get_message(stack_a, contact["id"], message["id"])) and
                            m["status"] == "failed" and m, 40, message="the message to fail")
        assert "bridge is unavailable" in failed["failure_reason"]
    finally:
        stack.bridge.start()
        stack.wait_bridge()
    with stack_a.api() as api:
        assert api.post(f"/api/v1/messages/{message['id']}/retry/").json()["status"] == "pending"
    wait_until(lambda: get_message(stack_a, contact["id"], message["id"])["status"] == "read", 30)


def test_a_number_that_fails_gets_a_red_mark(stack, stack_a):
    contact = new_contact(stack_a, "+6289900000000")  # fail_numbers in the sandbox options
    message = send_api(stack_a, contact["id"], body="to nowhere")
    failed = wait_until(lambda: (m := get_message(stack_a, contact["id"], message["id"])) and
                        m["status"] == "failed" and m, 20)
    assert failed["failure_reason"]


def test_inbound_media_is_fetched_into_our_storage(stack, stack_a):
    with stack.bridge_http() as bridge:
        response = bridge.post(f"/sandbox/sessions/{stack_a.session.id}/inbound",
                               json={"from": "6281100009006", "type": "image", "caption": "a photo",
                                     "media": "sample:image"})
    wa_id = response.json()["wa_message_id"]
    from chats.models import Message

    def ready():
        with schema_context(stack_a.schema):
            message = Message.objects.select_related("media").filter(wa_message_id=wa_id).first()
            return message if message and message.media and message.media.status == "ready" else None

    message = wait_until(ready, 20, message="the worker to fetch the media")
    with stack_a.api() as api:
        body = api.get(f"/api/v1/media/{message.media_id}/")
    assert body.status_code == 200 and body.headers["content-type"].startswith("image/")
    assert len(body.content) == message.media.size > 0
    assert message.caption == "a photo"


def test_outbound_media_reaches_the_customer(stack, stack_a):
    phone = "+6281100009007"
    contact = new_contact(stack_a, phone)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    with stack_a.api() as api:
        media = api.post("/api/v1/media/", files={"file": ("offer.pdf", pdf, "application/pdf")}).json()
    message = send_api(stack_a, contact["id"], type="document", media_id=media["id"], caption="our offer")

    def got():
        return [m for m in stack.customer(stack_a.session.id, phone)["received"] if m["client_id"] == message["client_id"]]

    received = wait_until(got, 20)[0]
    assert received["type"] == "document" and received["media"]["filename"] == "offer.pdf"
    assert received["media"]["size"] == len(pdf)


def test_the_internal_media_route_wants_the_bridge_token(stack, stack_a):
    with stack_a.api() as api:
        media = api.post("/api/v1/media/", files={"file": ("a.txt", b"hello", "text/plain")}).json()
    url = f"{stack.web_url}/internal/media/{stack_a.schema}/{media['id']}/"
    assert httpx.get(url, headers={"Host": "localhost"}).status_code == 401
    assert httpx.get(url, headers={"Host": "localhost", "Authorization": "Bearer wrong"}).status_code == 401
    ok = httpx.get(url, headers={"Host": "localhost", "Authorization": f"Bearer {settings.BRIDGE_TOKEN}"})
    assert ok.status_code == 200 and ok.content == b"hello"
    # a workspace host never serves it
    assert httpx.get(f"{stack.web_url}/internal/media/{stack_a.schema}/{media['id']}/",
                     headers={"Host": stack_a.host, "Authorization": f"Bearer {settings.BRIDGE_TOKEN}"}).status_code != 200


def test_suspending_a_workspace_stops_its_sessions_and_resuming_starts_them(stack, stack_c):
    import subprocess
    import sys

    from blazz.dev.realstack import ROOT

    def manage(*args):
        subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=stack.env, check=True,
                       capture_output=True, timeout=60)

    def bridge_session():
        with stack.bridge_http() as bridge:
            return bridge.get(f"/sessions/{stack_c.session.id}").json()

    manage("suspend_workspace", stack_c.workspace.slug)
    stopped = wait_until(lambda: (s := bridge_session())["status"] == "disconnected" and s, 20,
                         message="the session to stop on the bridge")
    assert stopped["reason"] == "stopped"
    with stack.http(stack_c.host, Authorization=f"Bearer {stack_c.api_key}") as api:
        assert api.get("/api/v1/sessions/").status_code == 403

    manage("suspend_workspace", stack_c.workspace.slug, "--resume")
    wait_until(lambda: bridge_session()["status"] == "connected", 20, message="the session to run again")
    with stack_c.api() as api:
        wait_until(lambda: api.get(f"/api/v1/sessions/{stack_c.session.id}/").json()["status"] == "connected", 20)


def test_a_reaction_and_a_webhook_holding_its_message_never_deadlock(stack, stack_a):
    """The API's reaction and the bridge's echo of it (message.reaction from "me") race on one
    message. The webhook path holds the message row (FOR UPDATE), then writes the reaction; the
    API path must take the row first too, or its reaction insert waits on the row while the
    webhook waits on that insert: PostgreSQL's deadlock detector then fails one of them (a 500)."""
    import threading

    from django.db import connection, transaction

    from chats.models import Message, Reaction
    from chats.services import changes

    # Committed through daphne, so the two threads' own connections see it.
    chat = "6281100009002@c.us"
    wa_id = f"true_{chat}_{uuid.uuid4().hex}"
    created = {"wa_message_id": wa_id, "chat_id": chat, "from": "me@c.us", "from_name": None, "to": chat,
               "type": "text", "body": "hi", "caption": None, "media": None, "reply_to": None,
               "timestamp": time.time(), "client_id": None}
    assert sign_and_post(stack, stack_a, "message.created", created, f"evt_{uuid.uuid4().hex}").status_code == 200
    locked, errors = threading.Event(), []

    def webhook_side():
        try:
            with schema_context(stack_a.schema), transaction.atomic():
                held = Message.objects.select_for_update().get(wa_message_id=wa_id)
                locked.set()
                # Wait until the other side is blocked on a lock of ours, then write the same reactor.
                wait_until(lambda: blocked_backends() > 0, 10, message="the API side to wait on the row")
                changes.set_reaction(message=held, reactor=Reaction.ME, emoji="👍")
        except Exception as exc:  # the deadlock detector's victim
            errors.append(exc)
        finally:
            connection.close()

    def api_side():
        try:
            locked.wait(10)
            with schema_context(stack_a.schema), transaction.atomic():
                message = Message.objects.get(wa_message_id=wa_id)
                changes.set_reaction(message=message, reactor=Reaction.ME, emoji="❤️")
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    def blocked_backends() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else one snapshot per transaction
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'")
            return cursor.fetchone()[0]

    threads = [threading.Thread(target=webhook_side), threading.Thread(target=api_side)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    with schema_context(stack_a.schema):
        reactions = Reaction.objects.filter(message__wa_message_id=wa_id).values_list("reactor", "emoji")
        assert list(reactions) == [(Reaction.ME, "❤️")]
