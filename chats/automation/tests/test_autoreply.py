"""The rules' evaluation as the worker runs it (autoreply_evaluate), on rows the receive path stored."""

import datetime as dt

import pytest
from django.utils import timezone

from chats.automation.models import MatchType, RuleFiring, Trigger
from chats.automation.services import hours, rules
from chats.automation.services.autoreply import autoreply_evaluate
from chats.automation.services.matching import normalise, text_matches
from chats.automation.tests.conftest import customer_writes
from chats.models import Contact, Label, Message, MessageOrigin

pytestmark = pytest.mark.django_db


def rule(**kw):
    values = {"name": "r", "trigger": Trigger.KEYWORD, "match_type": MatchType.CONTAINS, "pattern": "harga",
              "reply_text": "Harga mulai 10rb, {{contact.first_name}}", **kw}
    return rules.rule_save(**values)


def auto_replies(contact_id):
    return list(Message.objects.filter(contact_id=contact_id, origin=MessageOrigin.AUTO_REPLY).order_by("id"))


def test_matching_ignores_case_and_accents():
    assert normalise("  Café   ÀPA  ") == "cafe apa"
    assert text_matches(MatchType.EXACT, "Cafe", "CAFÉ")
    assert text_matches(MatchType.CONTAINS, "harga", "Berapa HARGA-nya?")
    assert text_matches(MatchType.STARTS_WITH, "halo", "Hálo kak")
    assert not text_matches(MatchType.STARTS_WITH, "kak", "Halo kak")
    assert text_matches(MatchType.REGEX, r"^order\s*#?\d+$", "ORDER #123")


def test_keyword_rule_answers_once_then_cools_down(acme):
    r = rule()
    first = customer_writes(acme, "Berapa harga?")
    assert autoreply_evaluate(message_id=first.pk) == [r.pk]
    replies = auto_replies(first.contact_id)
    assert [m.body for m in replies] == ["Harga mulai 10rb, Budi"]
    assert replies[0].client_id == f"auto-{r.pk}-{first.pk}"
    # The same message again (a repeated task): nothing new.
    assert autoreply_evaluate(message_id=first.pk) == []
    second = customer_writes(acme, "harga lagi?")
    assert autoreply_evaluate(message_id=second.pk) == []
    assert len(auto_replies(first.contact_id)) == 1
    r.refresh_from_db()
    assert r.fired_count == 1


def test_never_answers_groups_our_own_or_automated_messages(acme):
    rule(cooldown_seconds=0)
    group = customer_writes(acme, "harga", chat_id="120363000000000001@g.us")
    status = customer_writes(acme, "harga", chat_id="status@broadcast")
    assert autoreply_evaluate(message_id=group.pk) == []
    assert autoreply_evaluate(message_id=status.pk) == []
    mine = customer_writes(acme, "harga")
    Message.objects.filter(pk=mine.pk).update(direction="out", origin=MessageOrigin.AUTO_REPLY)
    assert autoreply_evaluate(message_id=mine.pk) == []


def test_history_is_never_answered(acme, django_capture_on_commit_callbacks):
    rule()
    with django_capture_on_commit_callbacks() as callbacks:
        customer_writes(acme, "harga", history=True)
    queued_before = len(callbacks)
    with django_capture_on_commit_callbacks() as callbacks:
        customer_writes(acme, "harga", phone="6281234500099")
    assert len(callbacks) == queued_before + 1  # the live message alone queues the rules


def test_stop_here_keeps_later_rules_quiet_and_order_counts(acme):
    first = rule(name="first", pattern="halo", reply_text="one", stop_here=True)
    rule(name="second", pattern="halo", reply_text="two")
    message = customer_writes(acme, "halo")
    assert autoreply_evaluate(message_id=message.pk) == [first.pk]
    rules.rule_save(rule=first, stop_here=False)  # as the API changes it (the evaluator's cache sees it)
    other = customer_writes(acme, "halo", phone="6281234500002")
    assert [m.body for m in (autoreply_evaluate(message_id=other.pk) and auto_replies(other.contact_id))] == ["one", "two"]


def test_first_message_rule_fires_only_for_a_new_contact(acme):
    welcome = rule(name="welcome", trigger=Trigger.FIRST_MESSAGE, pattern="", reply_text="Selamat datang!")
    first = customer_writes(acme, "hi", phone="6281234500003")
    assert autoreply_evaluate(message_id=first.pk) == [welcome.pk]
    RuleFiring.objects.all().delete()  # no cooldown memory: still not new
    later = customer_writes(acme, "hi again", phone="6281234500003")
    assert autoreply_evaluate(message_id=later.pk) == []


def test_away_message_once_per_closed_period(acme):
    today = timezone.now().astimezone(dt.timezone.utc)
    closed_all_day = {day: [] for day in hours.DAYS}
    closed_all_day["mon" if today.weekday() != 0 else "tue"] = [["09:00", "17:00"]]
    hours.hours_save(timezone="UTC", weekly=closed_all_day)
    away = rule(name="away", trigger=Trigger.OUTSIDE_HOURS, pattern="", reply_text="Kami tutup", cooldown_seconds=0)
    first = customer_writes(acme, "ada orang?", phone="6281234500004")
    second = customer_writes(acme, "halo??", phone="6281234500004")
    assert autoreply_evaluate(message_id=first.pk) == [away.pk]
    assert autoreply_evaluate(message_id=second.pk) == []
    assert [m.body for m in auto_replies(first.contact_id)] == ["Kami tutup"]


def test_business_hours_open_and_closed_periods(acme):
    record = hours.hours_save(timezone="Asia/Jakarta", weekly={"mon": [["09:00", "12:00"], ["13:00", "17:00"]]},
                              closed_dates=["2026-12-28"])
    wib = dt.timezone(dt.timedelta(hours=7))
    assert hours.is_open(record, dt.datetime(2026, 12, 7, 10, 0, tzinfo=wib))  # a Monday
    assert not hours.is_open(record, dt.datetime(2026, 12, 7, 12, 30, tzinfo=wib))  # lunch
    assert hours.closed_period(record, dt.datetime(2026, 12, 7, 12, 30, tzinfo=wib)) == "2026-12-07T12:00"
    assert hours.closed_period(record, dt.datetime(2026, 12, 9, 8, 0, tzinfo=wib)) == "2026-12-07T17:00"
    assert not hours.is_open(record, dt.datetime(2026, 12, 28, 10, 0, tzinfo=wib))  # a closed date


def test_conditions_label_and_actions_assign_and_label(acme):
    owner = acme.world.owner_a
    vip, asked = Label.objects.create(name="VIP"), Label.objects.create(name="promo-asked")
    tagged = rule(name="vip", pattern="promo", condition_label_ids=[vip.pk], reply_text="", add_label_ids=[asked.pk],
                  assign_to_id=owner.pk)
    message = customer_writes(acme, "promo?", phone="6281234500005")
    assert autoreply_evaluate(message_id=message.pk) == []  # no VIP label
    Contact.objects.filter(pk=message.contact_id).update(tags=["VIP"])  # a contact tag is not a label
    assert autoreply_evaluate(message_id=customer_writes(acme, "promo?", phone="6281234500005").pk) == []
    Contact.objects.get(pk=message.contact_id).labels.add(vip)
    again = customer_writes(acme, "promo?", phone="6281234500005")
    assert autoreply_evaluate(message_id=again.pk) == [tagged.pk]
    contact = Contact.objects.get(pk=message.contact_id)
    assert set(contact.labels.values_list("name", flat=True)) == {"VIP", "promo-asked"}
    assert contact.assignee_id == owner.pk


def test_a_failing_rule_is_logged_on_it_and_the_next_rule_still_runs(acme):
    broken = rule(name="broken", pattern="tanya", reply_text="Hi {{1}}", stop_here=True)  # {{1}}: never given
    fine = rule(name="fine", pattern="tanya", reply_text="Silakan")
    message = customer_writes(acme, "mau tanya", phone="6281234500006")
    assert autoreply_evaluate(message_id=message.pk) == [fine.pk]
    broken.refresh_from_db()
    assert broken.error_count == 1 and "1" in broken.last_error and broken.fired_count == 0


def test_at_most_n_automated_messages_per_contact_per_hour(acme, settings):
    settings.AUTOMATION_MAX_PER_CONTACT_PER_HOUR = 2
    rule(cooldown_seconds=0)
    replies = []
    for n in range(4):
        message = customer_writes(acme, f"harga {n}", phone="6281234500007")
        replies += autoreply_evaluate(message_id=message.pk)
    assert len(replies) == 2


def test_rule_with_an_invalid_regex_is_a_400_when_saved(client_a):
    response = client_a.post("/api/v1/auto-replies/", {"name": "x", "match_type": "regex", "pattern": "(unclosed",
                                                       "reply_text": "y"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "regex_invalid"
    no_action = client_a.post("/api/v1/auto-replies/", {"name": "x", "pattern": "y"}, content_type="application/json")
    assert no_action.status_code == 400 and "actions" in no_action.json()["error"]["fields"]


def test_the_tester_says_which_rule_fires_now(client_a, client_b):
    made = client_a.post("/api/v1/auto-replies/", {"name": "Price", "pattern": "harga", "reply_text": "10rb"},
                         content_type="application/json")
    assert made.status_code == 201, made.content
    hit = client_a.post("/api/v1/auto-replies/test/", {"text": "HARGA?"}, content_type="application/json").json()
    assert hit["rule"]["id"] == made.json()["id"] and hit["open_now"] is True
    miss = client_a.post("/api/v1/auto-replies/test/", {"text": "halo"}, content_type="application/json").json()
    assert miss["rule"] is None
    # The other workspace has no such rule, and cannot read it.
    assert client_b.post("/api/v1/auto-replies/test/", {"text": "harga"}, content_type="application/json").json()["rule"] is None
    assert client_b.get(f"/api/v1/auto-replies/{made.json()['id']}/").status_code == 404


def test_business_hours_api_checks_what_it_saves(client_a):
    bad = client_a.put("/api/v1/business-hours/", {"timezone": "Mars/Olympus", "weekly": {"mon": [["18:00", "09:00"]]}},
                       content_type="application/json")
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"timezone", "weekly.mon"}
    good = client_a.put("/api/v1/business-hours/", {"weekly": {"sat": [["08:00", "12:00"]]}, "closed_dates": ["2026-12-25"]},
                        content_type="application/json")
    assert good.status_code == 200 and good.json()["timezone"] == "Asia/Jakarta"
    assert good.json()["weekly"] == {"sat": [["08:00", "12:00"]]}


def test_a_reorder_reaches_the_worker_that_kept_the_old_order(acme):
    first, second = rule(name="a", reply_text="A"), rule(name="b", reply_text="B")
    message = customer_writes(acme, "harga?")
    assert autoreply_evaluate(message_id=message.pk) == [first.pk]  # both match; the first stops here
    rules.rules_reorder(rule_ids=[second.pk, first.pk])
    again = customer_writes(acme, "harga lagi?", phone="6281255500001")
    assert autoreply_evaluate(message_id=again.pk) == [second.pk]
