"""The scheduled.* frames through the real stack: a message scheduled, edited, cancelled, and one
sent by beat's sweep, each reaches a CRM stream (the thread's scheduled list follows them instead
of polling). Their frames count toward the catalogue check (test_integration_zz_catalogue.py)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from blazz.dev.realstack import Process
from chats.tests.test_integration_contact_frames import customer
from chats.tests.test_integration_realtime import connect, run

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

RAN: set[str] = set()


def schedule(api, contact_id: int, body: str, seconds: int) -> dict:
    send_at = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds)
    response = api.post(f"/api/v1/contacts/{contact_id}/messages/",
                        json={"client_id": f"sch-{uuid.uuid4()}", "body": body, "send_at": send_at.isoformat()})
    assert response.status_code == 202, response.text
    return response.json()


def test_scheduled_messages_are_announced_when_made_edited_cancelled_and_sent(stack, stack_a):
    contact_id = customer(stack, stack_a, "schedule for me")
    beat = Process("beat", [str(stack.worker.argv[0]), "-A", "blazz", "beat", "-l", "WARNING",
                            "-s", str(stack.dir / "beat-schedule-frames")], stack.env, stack.dir)

    async def scenario():
        crm = await connect(stack, stack_a.host, name="crm", api_key=stack_a.api_key)
        with stack_a.api() as api:
            later = schedule(api, contact_id, "Besok jam 9", 3600)
            created = await crm.wait("scheduled.created", lambda f: f["scheduled"]["id"] == later["id"])
            assert created["contact_id"] == contact_id and created["scheduled"]["body"] == "Besok jam 9"
            assert api.patch(f"/api/v1/scheduled-messages/{later['id']}/", json={"body": "Besok jam 10"}).status_code == 200
            edited = await crm.wait("scheduled.updated", lambda f: f["scheduled"]["id"] == later["id"])
            assert edited["scheduled"]["body"] == "Besok jam 10" and edited["scheduled"]["status"] == "scheduled"
            assert api.delete(f"/api/v1/scheduled-messages/{later['id']}/").status_code == 200
            cancelled = await crm.wait("scheduled.cancelled", lambda f: f["scheduled"]["id"] == later["id"])
            assert cancelled["scheduled"]["status"] == "cancelled"
            soon = schedule(api, contact_id, "Sebentar lagi", 2)
        beat.start()
        try:
            sent = await crm.wait("scheduled.sent", lambda f: f["scheduled"]["id"] == soon["id"], timeout=40)
        finally:
            beat.stop()
        assert sent["scheduled"]["status"] == "sent" and sent["scheduled"]["message_id"]
        await crm.close()

    run(scenario)
    RAN.add("scheduled")
