"""The inbound path's auto-reply gate (services/gate.py): it queues a message only when the worker
could do something with it, and never holds back one the worker would answer or opt out."""

import datetime as dt
import itertools
import time

import pytest
from django.utils import timezone

from chats import services
from chats.automation.models import AutoReplyRule, MatchType, Trigger
from chats.automation.services import config, hours, rules
from chats.automation.services.autoreply import autoreply_evaluate
from chats.automation.services.gate import needs_autoreply
from chats.automation.services.optout import optout_get
from chats.automation.tests.conftest import customer_writes
from chats.models import Contact, Message

pytestmark = pytest.mark.django_db

EVERY_DAY_9_TO_5 = {day: [["09:00", "17:00"]] for day in hours.DAYS}
MONDAY_NOON = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)
MONDAY_NIGHT = dt.datetime(2026, 1, 5, 20, 0, tzinfo=dt.UTC)


def rule(**kw):
    values = {"name": "r", "trigger": Trigger.KEYWORD, "match_type": MatchType.CONTAINS, "pattern": "harga",
              "reply_text": "Hai", "cooldown_seconds": 0, "stop_here": False, **kw}
    return rules.rule_save(**values)


def gate(text, session="ws_acme.auto", new_chat=False, at=MONDAY_NOON):
    return needs_autoreply(text, session_id=session, new_chat=new_chat, at=at)


def test_a_keyword_rule_opens_the_gate_only_for_a_text_it_matches(acme):
    rule(pattern="Hárga")
    rule(match_type=MatchType.REGEX, pattern=r"^order\s*#?\d+$")
    rule(match_type=MatchType.EXACT, pattern="menu")
    rule(match_type=MatchType.STARTS_WITH, pattern="halo kak")
    assert gate("Berapa HARGA-nya?") and gate("ORDER #123") and gate("  MENÚ ") and gate("Halo   Kak, tanya")
    assert not gate("inbound bench message 1") and not gate("order 12a") and not gate("menu dong")
    assert not gate("kak halo") and not gate("")


def test_a_rule_for_another_number_leaves_the_gate_shut(acme):
    rule(session_ids=["ws_acme.other"])
    assert not gate("harga?")
    assert gate("harga?", session="ws_acme.other")


def test_a_first_message_rule_opens_the_gate_for_a_new_chat_only(acme):
    rule(trigger=Trigger.FIRST_MESSAGE, pattern="")
    assert gate("apa saja", new_chat=True) and not gate("apa saja", new_chat=False)
    assert gate("", new_chat=True)  # a photo without a caption starts a chat too


def test_an_outside_hours_rule_opens_the_gate_while_closed(acme):
    rule(trigger=Trigger.OUTSIDE_HOURS, pattern="")
    assert not gate("halo", at=MONDAY_NIGHT)  # hours not set: always open
    hours.hours_save(timezone="UTC", weekly=EVERY_DAY_9_TO_5)  # seen at once: the save calls config.changed()
    assert not gate("halo", at=MONDAY_NOON)
    assert gate("halo", at=MONDAY_NIGHT)
    hours.hours_save(closed_dates=["2026-01-05"])
    assert gate("halo", at=MONDAY_NOON)


def test_an_opt_out_keyword_opens_the_gate_without_rules(acme):
    assert gate("Berhenti!") and gate("stop.")
    assert not gate("halo") and not gate("stop dulu")


def test_a_regular_expression_past_its_time_bound_opens_the_gate(acme):
    rule(match_type=MatchType.REGEX, pattern=r"^(a|a)*$")
    assert gate("a" * 28 + "!")  # the worker logs the timeout on the rule: its business


def test_a_rule_saved_by_another_process_is_seen_once_the_token_changes(acme):
    assert not gate("harga?")
    AutoReplyRule.objects.create(name="from elsewhere", pattern="harga", reply_text="y")  # no changed() here
    assert not gate("harga?")  # the version is the same: what this process keeps holds
    schema = acme.world.ws_a.schema_name
    config.redis_client().set(config._key(schema), f"another-token-{timezone.now().timestamp()}")
    assert gate("harga?")


def test_a_change_through_the_services_is_seen_at_once(acme):
    made = rule()
    assert gate("harga?")
    rules.rule_save(rule=made, enabled=False)
    assert not gate("harga?")
    rules.rule_save(rule=made, enabled=True, pattern="ongkir")
    assert gate("ongkir") and not gate("harga?")
    config.settings_save(optout_keywords=["cukup"])
    assert gate("Cukup!") and not gate("stop")
    rules.rule_delete(rule=made)
    assert not gate("ongkir")


def test_every_write_the_gate_depends_on_sets_a_new_version(acme):
    before = config.version()
    made = rule()
    rules.rules_reorder(rule_ids=[made.pk])
    hours.hours_save(timezone="UTC")
    config.settings_save(optout_keywords=["stop"])
    rules.rule_delete(rule=made)
    assert config.version()[1] == before[1] + 5


def test_a_failing_redis_queues_the_message(acme, queued, monkeypatch):
    def away():
        raise ConnectionError("redis is away")

    monkeypatch.setattr(config, "redis_client", away)
    message = customer_writes(acme, "halo", phone="6281234501001")
    assert [message_id for message_id, _status in queued] == [message.pk]


def test_the_gate_opens_for_every_text_the_rules_fire_on_and_only_those(acme):
    """rules_test says which rules a text fires (no conditions, no cooldowns): the gate agrees
    exactly, plus the opt-out keywords."""
    rule(pattern="harga")
    rule(match_type=MatchType.EXACT, pattern="Café")
    rule(match_type=MatchType.STARTS_WITH, pattern="halo kak", session_ids=["ws_acme.auto"])
    rule(match_type=MatchType.REGEX, pattern=r"\border\s*#?\d{3,}\b", session_ids=["ws_acme.other"])
    rule(trigger=Trigger.FIRST_MESSAGE, pattern="", session_ids=["ws_acme.other"])
    rule(trigger=Trigger.OUTSIDE_HOURS, pattern="")
    hours.hours_save(timezone="Asia/Jakarta", weekly={"mon": [["08:00", "16:00"]]}, closed_dates=["2026-01-06"])
    texts = ["", "harga", "HÁRGA berapa", "har ga", "cafe", "café!", " CAFE ", "cafe au lait", "Halo  kak!",
             "halo", "kak halo kak", "order #123", "my order 12", "ORDER#9999 ya", "STOP", "berhenti.", "stop it",
             "inbound bench message 7"]
    moments = [MONDAY_NOON.replace(hour=3), MONDAY_NIGHT, MONDAY_NOON + dt.timedelta(days=1)]
    opened = set()
    for text, session, new_chat, at in itertools.product(texts, ["ws_acme.auto", "ws_acme.other"], [False, True],
                                                         moments):
        fired = rules.rules_test(text=text, contact_is_new=new_chat, session_id=session, at=at)["rules"]
        expected = bool(fired) or config.is_stop_keyword(text)
        assert gate(text, session=session, new_chat=new_chat, at=at) == expected, (text, session, new_chat, at)
        opened.add(expected)
    assert opened == {True, False}


def test_the_worker_never_acts_on_a_message_the_gate_held_back(acme, queued):
    """The receive path end to end: every message the worker answers or opts out was queued."""
    rule(pattern="harga")
    rule(match_type=MatchType.EXACT, pattern="menu", session_ids=["ws_acme.other"])
    rule(trigger=Trigger.FIRST_MESSAGE, pattern="")
    texts = ["Halo", "harga?", "menu", "Stop", "terima kasih", "menu"]
    acted, held_back = [], []
    for n, text in enumerate(texts):
        message = customer_writes(acme, text, phone=f"62812345020{n % 3}")
        fired = autoreply_evaluate(message_id=message.pk)
        opted_out = config.is_stop_keyword(text) and optout_get(message.contact) is not None
        was_queued = message.pk in [message_id for message_id, _status in queued]
        (acted if fired or opted_out else held_back).append(message.pk)
        assert was_queued or not (fired or opted_out), (text, fired)
    assert acted and held_back  # the gate held back what no rule could answer


def test_a_run_of_messages_asks_the_gate_with_each_chats_state_before_the_run(acme, queued):
    rule(trigger=Trigger.FIRST_MESSAGE, pattern="")
    customer_writes(acme, "halo", phone="6281234503001")
    queued.clear()

    def received(phone, n):
        chat_id = f"{phone}@c.us"
        return {"wa_message_id": f"run-{phone}-{n}-{time.time_ns()}", "chat_id": chat_id, "from": chat_id,
                "type": "text", "body": f"m{n}", "timestamp": time.time() + n / 1000}

    services.messages_apply_received(session=acme.session, items=[received("6281234503002", 0),
                                                                  received("6281234503001", 1),
                                                                  received("6281234503002", 2)])
    new_chat = Contact.objects.get(wa_id="6281234503002@c.us")
    # both of the new chat's (the worker answers the first), none of the known chat's
    assert [Message.objects.get(pk=pk).contact_id for pk, _status in queued] == [new_chat.pk, new_chat.pk]
