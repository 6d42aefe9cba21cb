"""Auto-replies wired to the team inbox (status and label conditions, status/assign/label actions),
the opt-out keywords, and the governor on every automated send (auto-replies and scheduled
messages too)."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from chats.automation.models import MatchType, ScheduledMessage, SendLimits, Trigger
from chats.automation.services import config, governor, rules
from chats.automation.services.autoreply import autoreply_evaluate
from chats.automation.services.schedules import scheduled_send_due
from chats.automation.tests.conftest import customer_writes, labelled
from chats.models import ChatStatus, Contact, Label, Message, MessageOrigin
from chats.services.team import chat_update

pytestmark = pytest.mark.django_db


def rule(**kw):
    values = {"name": "r", "trigger": Trigger.KEYWORD, "match_type": MatchType.CONTAINS, "pattern": "halo",
              "reply_text": "Hai", "cooldown_seconds": 0, **kw}
    return rules.rule_save(**values)


@pytest.fixture
def paced(acme):
    """acme's number sends one automated message a second, no jitter, fresh reservations."""
    SendLimits.objects.create(session=acme.session, per_minute=60, per_hour=1000, per_day=10000, min_delay_ms=0,
                              max_delay_ms=0, warmup_days=0)
    governor.reset(acme.session)
    yield acme
    governor.reset(acme.session)


def test_status_condition_means_the_status_the_message_met(acme, queued):
    r = rule(condition_statuses=["resolved"], reply_text="Selamat datang kembali")
    first = customer_writes(acme, "halo", phone="6281234500701")
    chat_update(contact=first.contact, status=ChatStatus.RESOLVED)
    again = customer_writes(acme, "halo lagi", phone="6281234500701")
    assert Contact.objects.get(pk=first.contact_id).status == ChatStatus.OPEN  # the customer reopened it
    statuses = dict(queued)
    assert statuses[first.pk] == ChatStatus.OPEN and statuses[again.pk] == ChatStatus.RESOLVED
    assert autoreply_evaluate(message_id=first.pk, status=statuses[first.pk]) == []
    assert autoreply_evaluate(message_id=again.pk, status=statuses[again.pk]) == [r.pk]


def test_label_condition_and_the_team_actions_through_the_inbox(acme):
    vip, hot = Label.objects.create(name="vip"), Label.objects.create(name="hot")
    r = rule(condition_label_ids=[vip.pk], reply_text="", add_label_ids=[hot.pk], set_status=ChatStatus.PENDING,
             assign_to_id=acme.world.owner_a.pk)
    message = customer_writes(acme, "halo", phone="6281234500702")
    assert autoreply_evaluate(message_id=message.pk) == []
    labelled(message.contact, "vip")
    later = customer_writes(acme, "halo", phone="6281234500702")
    assert autoreply_evaluate(message_id=later.pk) == [r.pk]
    contact = Contact.objects.get(pk=message.contact_id)
    assert contact.status == ChatStatus.PENDING and contact.assignee_id == acme.world.owner_a.pk
    assert set(contact.labels.values_list("name", flat=True)) == {"vip", "hot"}
    lines = list(Message.objects.filter(contact=contact, origin=MessageOrigin.SYSTEM).values_list("body", flat=True))
    assert any("pending" in line for line in lines) and any("assigned" in line for line in lines)


def test_rules_with_unknown_labels_or_statuses_are_400s(client_a, world):
    body = {"name": "x", "pattern": "p", "reply_text": "r"}
    for extra, field in (({"condition_label_ids": [999]}, "condition_label_ids"), ({"add_label_ids": [998]}, "add_label_ids"),
                         ({"set_status": "snoozed"}, "set_status"), ({"condition_statuses": ["gone"]}, "condition_statuses")):
        answer = client_a.post("/api/v1/auto-replies/", {**body, **extra}, content_type="application/json")
        assert answer.status_code == 400 and field in str(answer.json()["error"]), (extra, answer.content)
    with schema_context(world.ws_a.schema_name):
        label = Label.objects.create(name="lead")
    made = client_a.post("/api/v1/auto-replies/", {**body, "reply_text": "", "add_label_ids": [label.pk],
                                                   "set_status": "resolved"}, content_type="application/json")
    assert made.status_code == 201 and made.json()["add_label_ids"] == [label.pk]


def test_custom_opt_out_keywords_replace_the_defaults(acme, client_a, client_b):
    assert client_a.get("/api/v1/automation-settings/").json()["optout_keywords"][:3] == ["STOP", "UNSUBSCRIBE", "BERHENTI"]
    saved = client_a.put("/api/v1/automation-settings/", {"optout_keywords": ["Jangan kirim", " henti "]},
                         content_type="application/json")
    assert saved.status_code == 200 and saved.json()["optout_keywords"] == ["Jangan kirim", "henti"]
    assert config.is_stop_keyword("jangan KIRIM!") and not config.is_stop_keyword("stop")
    assert client_b.get("/api/v1/automation-settings/").json()["optout_keywords"][0] == "STOP"  # b's own
    bad = client_a.put("/api/v1/automation-settings/", {"optout_keywords": ["x" * 51]}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["fields"]


def test_a_burst_of_auto_replies_goes_at_the_governed_pace(paced):
    rule(reply_text="Terima kasih")
    messages = [customer_writes(paced, "halo", phone=f"62812345008{n:02d}") for n in range(5)]
    for message in messages:
        autoreply_evaluate(message_id=message.pk)
    due = sorted(Message.objects.filter(origin=MessageOrigin.AUTO_REPLY).values_list("send_queued_at", flat=True))
    assert len(due) == 5
    gaps = [(b - a).total_seconds() for a, b in zip(due, due[1:])]
    assert all(gap >= 0.9 for gap in gaps), gaps  # one slot a second, never two at once


def test_an_auto_reply_beyond_the_governors_horizon_is_not_sent_and_logged(paced, settings):
    settings.AUTOMATION_MAX_SLOT_WAIT_SECONDS = 2
    r = rule(reply_text="Terima kasih")
    for n in range(4):
        autoreply_evaluate(message_id=customer_writes(paced, "halo", phone=f"62812345009{n:02d}").pk)
    assert Message.objects.filter(origin=MessageOrigin.AUTO_REPLY).count() == 3  # slots at 0, 1 and 2 s
    r.refresh_from_db()
    assert r.error_count == 1 and "send limits" in r.last_error


def test_scheduled_sends_take_governed_slots_and_wait_for_one_in_reach(paced, settings):
    settings.AUTOMATION_MAX_SLOT_WAIT_SECONDS = 2.5
    contact = customer_writes(paced, "halo", phone="6281234500990").contact
    for n in range(4):
        ScheduledMessage.objects.create(contact=contact, client_id=f"sch-gov-{n}", body=f"m{n}",
                                        send_at=timezone.now() - dt.timedelta(seconds=1))
    assert scheduled_send_due() == 3  # slots at 0, 1 and 2 s; the fourth's (3 s) is out of reach
    due = sorted(Message.objects.filter(origin=MessageOrigin.SCHEDULE).values_list("send_queued_at", flat=True))
    assert [round((b - a).total_seconds()) for a, b in zip(due, due[1:])] == [1, 1]
    assert ScheduledMessage.objects.get(client_id="sch-gov-3").status == "scheduled"  # the next sweep's
