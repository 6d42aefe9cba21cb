"""Auto-replies and scheduled sends with the real pieces: daphne, the Celery worker (and beat), the
bridge's sandbox customers, PostgreSQL and Redis. A workspace of their own (`stackauto`): its
rules answer every message of its number, so no other test's customers meet them."""

import datetime as dt
import uuid

import pytest
from django_tenants.utils import schema_context

from blazz.dev.realstack import Process, wait_until
from conftest import StackWorkspace

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture(scope="module")
def auto_ws(stack, live):
    from sessions_wa.models import WhatsAppSession

    ws = StackWorkspace(stack, "stackauto")
    with schema_context(ws.schema):
        wait_until(lambda: WhatsAppSession.objects.get(pk=ws.session.pk).status == "connected", 20,
                   message="the sandbox number to connect")
    return ws


@pytest.fixture
def rules(auto_ws):
    """Makes rules through the API; deletes them (and the business hours) after the test."""
    made = []

    def make(**body):
        with auto_ws.api() as api:
            response = api.post("/api/v1/auto-replies/", json={"stop_here": False, **body})
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
        return response.json()

    yield make
    with auto_ws.api() as api:
        for rule_id in made:
            api.delete(f"/api/v1/auto-replies/{rule_id}/")
        api.put("/api/v1/business-hours/", json={"weekly": {}, "closed_dates": []})


def customer_writes(stack, ws, phone, body):
    with stack.bridge_http() as bridge:
        response = bridge.post(f"/sandbox/sessions/{ws.session.id}/inbound", json={"from": phone, "name": "Rina Wati",
                                                                                    "body": body})
    assert response.status_code in (200, 201), response.text


def received(stack, ws, phone):
    return [m["body"] for m in stack.customer(ws.session.id, phone)["received"]]


def test_a_keyword_gets_its_auto_reply_once_and_none_within_the_cooldown(stack, auto_ws, rules):
    phone, keyword, ping = "6281300000001", f"harga{uuid.uuid4().hex[:6]}", f"ping{uuid.uuid4().hex[:6]}"
    rules(name="price", pattern=keyword, reply_text="Harga mulai 10rb, {{contact.first_name}}")
    # Fires on every message with `ping`, after the price rule: its reply says the evaluation is over.
    rules(name="sentinel", pattern=ping, reply_text="pong {{contact.phone}}", cooldown_seconds=0)

    customer_writes(stack, auto_ws, phone, f"Berapa {keyword.upper()}?")
    wait_until(lambda: "Harga mulai 10rb, Rina" in received(stack, auto_ws, phone), 20,
               message="the auto-reply at the customer")
    customer_writes(stack, auto_ws, phone, f"{keyword} lagi {ping}")
    wait_until(lambda: any(b.startswith("pong") for b in received(stack, auto_ws, phone)), 20,
               message="the sentinel's reply")
    assert received(stack, auto_ws, phone).count("Harga mulai 10rb, Rina") == 1

    from chats.models import Message

    with schema_context(auto_ws.schema):
        replies = Message.objects.filter(contact__phone=f"+{phone}", direction="out")
        assert set(replies.values_list("origin", flat=True)) == {"auto_reply"}
        assert replies.count() == 2


def test_outside_business_hours_the_away_message_goes_once(stack, auto_ws, rules):
    today = dt.datetime.now(dt.timezone.utc).weekday()
    other_day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[(today + 3) % 7]
    with auto_ws.api() as api:
        closed = api.put("/api/v1/business-hours/", json={"timezone": "UTC", "weekly": {other_day: [["09:00", "10:00"]]}})
    assert closed.status_code == 200 and closed.json()["open_now"] is False
    phone, ping = "6281300000002", f"ping{uuid.uuid4().hex[:6]}"
    rules(name="away", trigger="outside_hours", reply_text="Kami sedang tutup", cooldown_seconds=0)
    rules(name="sentinel", pattern=ping, reply_text="pong", cooldown_seconds=0)

    customer_writes(stack, auto_ws, phone, "halo, ada orang?")
    wait_until(lambda: "Kami sedang tutup" in received(stack, auto_ws, phone), 20, message="the away message")
    customer_writes(stack, auto_ws, phone, f"halo lagi {ping}")
    wait_until(lambda: "pong" in received(stack, auto_ws, phone), 20, message="the sentinel's reply")
    assert received(stack, auto_ws, phone).count("Kami sedang tutup") == 1


def test_a_scheduled_message_goes_out_once_across_a_beat_restart(stack, auto_ws):
    phone = "+6281300000003"
    with auto_ws.api() as api:
        contact = api.post("/api/v1/contacts/", json={"phone": phone}).json()
    beat = Process("beat", [str(stack.worker.argv[0]), "-A", "blazz", "beat", "-l", "WARNING",
                            "-s", str(stack.dir / "beat-schedule")], stack.env, stack.dir)
    beat.start()
    try:
        client_id = f"sch-{uuid.uuid4()}"
        send_at = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=6)
        with auto_ws.api() as api:
            response = api.post(f"/api/v1/contacts/{contact['id']}/messages/",
                                json={"client_id": client_id, "body": "Pengingat: janji temu besok",
                                      "send_at": send_at.isoformat()})
            again = api.post(f"/api/v1/contacts/{contact['id']}/messages/",
                             json={"client_id": client_id, "body": "Pengingat: janji temu besok",
                                   "send_at": send_at.isoformat()})
            listed = api.get(f"/api/v1/contacts/{contact['id']}/scheduled/").json()
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "scheduled" and again.json()["id"] == response.json()["id"]
        assert [s["client_id"] for s in listed] == [client_id]
        beat.kill()  # beat goes away before the message is due, and comes back
        beat.start()

        def delivered():
            return [m for m in stack.customer(auto_ws.session.id, phone)["received"] if m["client_id"] == client_id]

        got = wait_until(delivered, 30, message="the scheduled message at the customer")
        with auto_ws.api() as api:
            scheduled = api.get(f"/api/v1/scheduled-messages/{response.json()['id']}/").json()
        assert scheduled["status"] == "sent" and scheduled["message_id"]
        assert dt.datetime.fromisoformat(scheduled["sent_at"]) >= send_at
    finally:
        beat.stop()
    assert len(got) == 1 and len(delivered()) == 1
