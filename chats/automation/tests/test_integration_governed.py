"""The send governor on auto-replies, with the real worker, Redis and the bridge's sandbox: a burst
of customers writing a keyword at once is answered at the number's pace, each once."""

import uuid

import pytest
from django_tenants.utils import schema_context

from blazz.dev.realstack import wait_until
from chats.automation.tests.test_integration_automation import customer_writes, received
from conftest import StackWorkspace

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

PER_MINUTE = 20  # a slot every 3 s
PHONES = [f"62813600000{n:02d}" for n in range(5)]


@pytest.fixture(scope="module")
def gov_ws(stack, live):
    from sessions_wa.models import WhatsAppSession

    ws = StackWorkspace(stack, "stackgov")
    with schema_context(ws.schema):
        wait_until(lambda: WhatsAppSession.objects.get(pk=ws.session.pk).status == "connected", 20,
                   message="the sandbox number to connect")
    return ws


def test_a_burst_of_auto_replies_goes_out_at_the_numbers_pace_each_once(stack, gov_ws):
    keyword = f"promo{uuid.uuid4().hex[:6]}"
    with gov_ws.admin() as admin:  # a number's limits are an owner's, never a key's
        limits = admin.put(f"/api/v1/sessions/{gov_ws.session.id}/send-limits/",
                           json={"per_minute": PER_MINUTE, "per_hour": 1000, "per_day": 10000, "min_delay_ms": 0,
                                 "max_delay_ms": 0, "warmup_days": 0})
        assert limits.status_code == 200, limits.text
    with gov_ws.api() as api:
        rule = api.post("/api/v1/auto-replies/", json={"name": "burst", "pattern": keyword,
                                                      "reply_text": "Info promo: {{contact.first_name}}"})
        assert rule.status_code == 201, rule.text
    for phone in PHONES:
        customer_writes(stack, gov_ws, phone, f"mau {keyword} dong")

    def everyone_answered_once():
        counts = {p: sum(1 for body in received(stack, gov_ws, p) if body.startswith("Info promo")) for p in PHONES}
        assert all(n <= 1 for n in counts.values()), counts  # never twice
        return all(n == 1 for n in counts.values())

    wait_until(everyone_answered_once, 120, 0.5, "every customer of the burst to get the auto-reply")
    # When the bridge took each one (its first and only send: the bridge sends a client_id once,
    # however often a redelivered task asks): slots 3 s apart, so never two in the same moment and
    # the five spread over about 12 s (a task runs up to a second or so after its slot; unpaced,
    # the five would go within a second or two).
    arrived = sorted(m["timestamp"] for p in PHONES for m in stack.customer(gov_ws.session.id, p)["received"]
                     if m["body"].startswith("Info promo"))
    gaps = [b - a for a, b in zip(arrived, arrived[1:])]
    assert len(arrived) == len(PHONES) and min(gaps) >= 2, (arrived, gaps)  # whole seconds
    assert arrived[-1] - arrived[0] >= 9, (arrived, gaps)
