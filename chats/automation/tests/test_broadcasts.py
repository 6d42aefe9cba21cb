import pytest
from django_tenants.utils import schema_context

from chats.automation.models import Broadcast, BroadcastRecipient, OptOut
from chats.automation.services import broadcasts, governor
from chats.automation.services.autoreply import autoreply_evaluate
from chats.automation.tests.conftest import customer_writes, labelled
from chats.models import Contact, Message, MessageOrigin
from chats.services import contact_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(acme):
    from chats.automation.services.templates import template_save

    return template_save(name="Promo", body="Halo {{contact.first_name}}, promo {{1}}", fallbacks={"1": "minggu ini"})


def test_audience_by_label_skips_opted_out_and_csv_reports_bad_rows(acme, template):
    vip, _ = contact_create(phone="+6281234500201", name="Ani", tags=["other"])
    gone, _ = contact_create(phone="+6281234500202", name="Budi")
    other, _ = contact_create(phone="+6281234500203", name="Cici", tags=["vip"])  # a contact tag is not a label
    [vip_label] = labelled(vip, "vip")
    labelled(gone, "vip", "b2b")
    labelled(other, "other")
    OptOut.objects.create(contact=gone)
    broadcast, bad = broadcasts.broadcast_create(name="b", template_id=template.pk, audience={"labels": ["vip"]})
    rows = {r.contact_id: r for r in broadcast.recipients.all()}
    assert set(rows) == {vip.pk, gone.pk} and rows[gone.pk].status == "skipped" and bad == []
    by_id, _ = broadcasts.broadcast_create(name="b2", template_id=template.pk, audience={"labels": [vip_label.pk]})
    assert {r.contact_id for r in by_id.recipients.all()} == {vip.pk, gone.pk}
    csv_text = "phone,name,1\n+6281234500210,Dedi,diskon 50%\nnot-a-phone,X,y\n+6281234500210,Dedi,again\n"
    from_csv, bad = broadcasts.broadcast_create(name="c", template_id=template.pk, csv_text=csv_text)
    assert [r.variables for r in from_csv.recipients.all()] == [{"1": "diskon 50%"}]
    assert [row["line"] for row in bad] == [3, 4]


def test_a_tick_sends_each_recipient_once_marked_broadcast(acme, template, settings):
    settings.GOVERNOR_MIN_DELAY_MS = settings.GOVERNOR_MAX_DELAY_MS = 0
    settings.GOVERNOR_PER_MINUTE = 6000
    settings.GOVERNOR_WARMUP_DAYS = 0
    governor.reset(acme.session)
    for n in range(3):
        labelled(contact_create(phone=f"+62812345003{n:02d}", name=f"C{n}")[0], "promo")
    broadcast, _ = broadcasts.broadcast_create(name="b", template_id=template.pk, session_id=acme.session.pk,
                                               audience={"labels": ["promo"]})
    Broadcast.objects.filter(pk=broadcast.pk).update(status="running")
    assert broadcasts.broadcast_tick(broadcast_id=broadcast.pk, budget_seconds=5) is None
    sent = Message.objects.filter(origin=MessageOrigin.BROADCAST).order_by("id")
    assert [m.body for m in sent] == ["Halo C0, promo minggu ini", "Halo C1, promo minggu ini", "Halo C2, promo minggu ini"]
    assert Broadcast.objects.get(pk=broadcast.pk).status == "completed"
    assert broadcasts.broadcast_progress(broadcast)["total"] == 3
    assert set(BroadcastRecipient.objects.values_list("status", flat=True)) == {"sent"}


def test_the_governor_spaces_slots_and_holds_the_hourly_cap(acme):
    limits = governor.Limits(per_minute=60, per_hour=3, per_day=100, min_delay_ms=0, max_delay_ms=0, warming_up=False)
    governor.reset(acme.session)
    delays = [governor.reserve(acme.session, limits=limits, horizon_seconds=10) for _ in range(3)]
    assert delays[0] < 0.5 and 0.5 < delays[1] < 1.5 and 1.5 < delays[2] < 2.5
    assert governor.reserve(acme.session, limits=limits, horizon_seconds=10) < 0  # the hour is full: wait
    assert limits.seconds_for(7) >= 2 * 3600


def test_a_disconnected_number_pauses_the_broadcast_with_the_reason(acme, template):
    labelled(contact_create(phone="+6281234500401")[0], "x")
    broadcast, _ = broadcasts.broadcast_create(name="b", template_id=template.pk, session_id=acme.session.pk,
                                               audience={"labels": ["x"]})
    Broadcast.objects.filter(pk=broadcast.pk).update(status="running")
    acme.session.status = "disconnected"
    acme.session.save()
    assert broadcasts.broadcast_tick(broadcast_id=broadcast.pk, budget_seconds=2) is None
    paused = Broadcast.objects.get(pk=broadcast.pk)
    assert paused.status == "paused" and "disconnected" in paused.pause_reason


def test_stop_keyword_opts_out_and_the_contact_api_shows_it(acme, client_a):
    message = customer_writes(acme, "  berhenti ", phone="6281234500501")
    autoreply_evaluate(message_id=message.pk)
    assert OptOut.objects.filter(contact_id=message.contact_id).exists()
    url = f"/api/v1/contacts/{message.contact_id}/opt-out/"
    assert client_a.get(url).json()["opted_out"] is True
    assert client_a.put(url, {"opted_out": False}, content_type="application/json").json()["opted_out"] is False
    assert not OptOut.objects.filter(contact_id=message.contact_id).exists()
    not_stop = customer_writes(acme, "jangan stop dulu", phone="6281234500502")
    autoreply_evaluate(message_id=not_stop.pk)
    assert not OptOut.objects.filter(contact_id=not_stop.contact_id).exists()


def test_broadcast_api_lifecycle_and_isolation(client_a, client_b, world):
    from sessions_wa.models import WhatsAppSession

    with schema_context(world.ws_a.schema_name):
        WhatsAppSession.objects.create(id="ws_acme.bc", engine="sandbox", status="connected")
    template = client_a.post("/api/v1/templates/", {"name": "B", "body": "Hi {{contact.phone}}"},
                             content_type="application/json").json()
    made = client_a.post("/api/v1/broadcasts/", {"name": "Launch", "template_id": template["id"],
                                                 "csv": "phone\n+6281234500601\nbad\n"}, content_type="application/json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "draft" and body["progress"]["total"] == 1 and body["bad_rows"][0]["line"] == 3
    assert body["estimate_seconds"] > 0
    url = f"/api/v1/broadcasts/{body['id']}/"
    assert client_a.post(url + "pause/", {}, content_type="application/json").status_code == 409
    assert client_a.post(url + "cancel/", {}, content_type="application/json").json()["status"] == "cancelled"
    assert client_a.post(url + "start/", {}, content_type="application/json").status_code == 409
    assert client_a.get(url + "recipients/").json()["results"][0]["phone"] == "+6281234500601"
    assert client_b.get(url).status_code == 404
    no_audience = client_a.post("/api/v1/broadcasts/", {"name": "x", "template_id": template["id"]},
                                content_type="application/json")
    assert no_audience.status_code == 400 and no_audience.json()["error"]["code"] == "broadcast_invalid"
    with schema_context(world.ws_a.schema_name):
        assert Contact.objects.filter(phone="+6281234500601").exists()
