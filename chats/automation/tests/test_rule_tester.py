"""The rule tester in a chat: contact_id makes its status, labels and newness meet the conditions."""

import pytest
from django_tenants.utils import schema_context

from chats.automation.models import MatchType, Trigger
from chats.automation.services import rules
from chats.automation.tests.conftest import customer_writes, labelled
from chats.models import ChatStatus, Contact
from chats.services.team import chat_update

pytestmark = pytest.mark.django_db


def rule(**kw):
    values = {"name": "r", "trigger": Trigger.KEYWORD, "match_type": MatchType.CONTAINS, "pattern": "halo",
              "reply_text": "Hai", "cooldown_seconds": 0, "stop_here": False, **kw}
    return rules.rule_save(**values)


def fired(**kw):
    return [r.name for r in rules.rules_test(text="halo", **kw)["rules"]]


def test_conditions_on_status_label_and_newness_meet_the_chosen_chat(acme):
    rule(name="resolved only", condition_statuses=[ChatStatus.RESOLVED])
    rule(name="vip only", condition_label_ids=[labelled(Contact.objects.create(wa_id="1@c.us"), "vip")[0].pk])
    rule(name="new only", condition_contact_is_new=True)
    rule(name="any")
    # Without a chat, conditions on a chat are not checked.
    assert fired() == ["resolved only", "vip only", "new only", "any"]
    contact = customer_writes(acme, "apa", phone="6281234500801").contact
    assert fired(contact_id=contact.pk) == ["any"]
    chat_update(contact=contact, status=ChatStatus.RESOLVED)
    labelled(contact, "vip")
    assert fired(contact_id=contact.pk) == ["resolved only", "vip only", "any"]
    fresh = Contact.objects.create(wa_id="6281234500802@c.us")
    assert fired(contact_id=fresh.pk) == ["new only", "any"]


def test_the_tester_api_takes_a_chat_of_this_workspace_only(client_a, client_b, world):
    made = client_a.post("/api/v1/auto-replies/", {"name": "Resolved", "pattern": "halo", "reply_text": "lagi",
                                                   "condition_statuses": ["resolved"]}, content_type="application/json")
    assert made.status_code == 201, made.content
    with schema_context(world.ws_a.schema_name):
        open_chat = Contact.objects.create(wa_id="6281234500803@c.us")
        closed = Contact.objects.create(wa_id="6281234500804@c.us", status=ChatStatus.RESOLVED)

    def test(client, contact_id):
        return client.post("/api/v1/auto-replies/test/", {"text": "halo", "contact_id": contact_id},
                           content_type="application/json")

    assert test(client_a, open_chat.pk).json()["rule"] is None
    assert test(client_a, closed.pk).json()["rule"]["id"] == made.json()["id"]
    missing = test(client_a, 999999)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "contact_not_found"
    # The other workspace cannot test in acme's chat: its ids are not there.
    with schema_context(world.ws_b.schema_name):
        assert not Contact.objects.filter(pk=closed.pk).exists()
    assert test(client_b, closed.pk).status_code == 404
