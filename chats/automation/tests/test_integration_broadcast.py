"""A broadcast to 300 sandbox customers through the real worker, governor (Redis) and bridge: paced
by the number's cap, and a worker SIGKILL mid-way loses and doubles nobody."""

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from blazz.dev.realstack import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

COUNT = 300
PER_MINUTE = 600  # one send each 100 ms: the whole broadcast takes about 30 s
PHONES = [f"+62813500{n:05d}" for n in range(COUNT)]


@pytest.fixture(scope="module")
def bc_ws(stack, live):
    from conftest import StackWorkspace
    from sessions_wa.models import WhatsAppSession

    from chats.services import contact_create

    ws = StackWorkspace(stack, "stackbcast")
    with schema_context(ws.schema):
        wait_until(lambda: WhatsAppSession.objects.get(pk=ws.session.pk).status == "connected", 20,
                   message="the sandbox number to connect")
        from chats.models import Label

        launch, _ = Label.objects.get_or_create(name="launch")
        for n, phone in enumerate(PHONES):  # committed (outside the test's transaction): the stack sees them
            contact_create(phone=phone, name=f"Pelanggan {n}")[0].labels.add(launch)
    return ws


def test_a_broadcast_to_300_customers_is_paced_and_survives_a_worker_sigkill(stack, bc_ws, sweeping_beat):
    from chats.automation.models import BroadcastRecipient
    from chats.models import Message
    phones = PHONES
    with bc_ws.admin() as admin:  # a number's settings: no API key may change them
        # Every cap set: the hour's and the day's defaults (400, 1500) must not be what the test meets.
        limits = admin.put(f"/api/v1/sessions/{bc_ws.session.id}/send-limits/",
                           json={"per_minute": PER_MINUTE, "per_hour": 100_000, "per_day": 1_000_000,
                                 "min_delay_ms": 0, "max_delay_ms": 0, "warmup_days": 0})
        assert limits.status_code == 200 and limits.json()["effective"]["per_minute"] == PER_MINUTE
    with bc_ws.api() as api:
        template = api.post("/api/v1/templates/", json={"name": "Launch", "body": "Halo {{contact.name}}, toko baru buka!"}).json()
        made = api.post("/api/v1/broadcasts/", json={"name": "Launch", "template_id": template["id"],
                                                     "audience": {"labels": ["launch"]}, "start": True})
    assert made.status_code == 201, made.text
    broadcast = made.json()
    assert broadcast["status"] == "running" and broadcast["progress"]["total"] == COUNT

    def progress():
        with bc_ws.api() as api:
            return api.get(f"/api/v1/broadcasts/{broadcast['id']}/").json()

    wait_until(lambda: progress()["progress"]["queued"] <= COUNT * 2 // 3, 60, 0.2, "a third of it sent")
    stack.worker.kill()  # SIGKILL to the worker and its pool, mid-broadcast
    stack.worker.start()
    stack.wait_worker()
    # The killed tick comes back the way it does in production: beat's sweep (broadcasts_kick)
    # gives a running broadcast whose heartbeat went silent a new tick.
    seen = []

    def completed():
        seen[:] = [progress()]  # what it was when the wait gave up: status, pause reason, counts
        return seen[0]["status"] == "completed" and seen[0]

    try:
        done = wait_until(completed, 180, 0.5, "the broadcast to complete")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last seen: {seen and {k: seen[0][k] for k in ('status', 'pause_reason', 'progress')}}")
    assert done["progress"]["queued"] == 0 and done["progress"]["failed"] == 0

    with schema_context(bc_ws.schema):
        sent_at = sorted(BroadcastRecipient.objects.filter(broadcast_id=broadcast["id"]).values_list("sent_at", flat=True))
        per_contact = list(Message.objects.filter(origin="broadcast", contact__phone__in=phones)
                           .values_list("contact__phone", flat=True))
    assert sorted(per_contact) == sorted(phones)  # one message each, nobody twice, nobody lost
    # The cap holds: never more sends in a 10-second window than it allows (plus the window's edge).
    window = dt.timedelta(seconds=10)
    most = max(sum(1 for t in sent_at[i:] if t < start + window) for i, start in enumerate(sent_at))
    assert most <= PER_MINUTE // 6 + 1

    def each_received_once():
        # A send task the SIGKILL took goes again by beat's stuck-send sweep, as in production.
        bodies = {}
        for n, phone in enumerate(phones):
            received = [m for m in stack.customer(bc_ws.session.id, phone)["received"] if "toko baru" in m["body"]]
            bodies[phone] = len(received)
        return all(count == 1 for count in bodies.values()) and bodies

    wait_until(each_received_once, 180, 1.0, "every sandbox customer to have it once")
