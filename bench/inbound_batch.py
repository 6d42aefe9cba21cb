"""Batched intake: a backlog of `message.received` events POSTed to `/hooks/bridge/` on daphne as
the bridge drains it with BRIDGE_OUTBOX_BATCH_MAX=BATCH (one signed `batch` POST of BATCH events
at a time per session, in order; SESSIONS sessions draining side by side, CONTACTS chats each),
while single events of another session are POSTed one at a time every SINGLE_EVERY_S (their
latency is the "single events still go at once" figure). Reports the median over ROUNDS backlogs
of EVENTS events each of events applied per second, and checks the database: every message stored
once (none lost, none doubled, unread counts right), and a replay of every batch answers all
`duplicate` and changes nothing.

The load generator shares the machine's cores with daphne. Prints one JSON line.
Aim (issue 18): >= 1,000 events/s applied during a backlog on the 2-core machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
from datetime import datetime, timezone

from _lib import (bench_database, emit, log, median, percentile, rounded, running_stack, server_urls,
                  wait_session_connected, workspace_with_session)

EVENTS = int(os.environ.get("EVENTS", "12000"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
BATCH = int(os.environ.get("BATCH", "100"))
SESSIONS = int(os.environ.get("SESSIONS", "4"))
CONTACTS = int(os.environ.get("CONTACTS", "50"))
SINGLE_EVERY_S = float(os.environ.get("SINGLE_EVERY_S", "0.1"))


class Poster:
    def __init__(self, stack, schema: str):
        from standardwebhooks.webhooks import Webhook

        self.url = f"{stack.web_url}/hooks/bridge/"
        self.signer = Webhook(stack.env["BRIDGE_WEBHOOK_SECRET"])
        self.schema = schema

    async def post(self, client, payload: dict, webhook_id: str | None = None):
        body = json.dumps(payload)
        webhook_id = webhook_id or f"evt_{secrets.token_hex(12)}"
        at = datetime.now(tz=timezone.utc)
        started = time.perf_counter()
        response = await client.post(self.url, content=body, headers={
            "Host": "localhost", "Content-Type": "application/json", "webhook-id": webhook_id,
            "webhook-timestamp": str(int(at.timestamp())), "webhook-signature": self.signer.sign(webhook_id, at, body)})
        return response, (time.perf_counter() - started) * 1000


def received(run: str, session_index: int, i: int) -> dict:
    chat_id = f"6281{session_index:02d}{i % CONTACTS:07d}@c.us"
    now = time.time()
    return {"wa_message_id": f"false_{chat_id}_{run}{i:07d}", "chat_id": chat_id, "from": chat_id,
            "from_name": None, "to": "628000000001@c.us", "type": "text", "body": f"backlog {i}", "caption": None,
            "media": None, "reply_to": None, "timestamp": now, "client_id": None}


async def drain(poster, client, session_id: str, session_index: int, run: str, count: int, batches: list):
    """One session's backlog, BATCH events per POST, the next POST after the previous answer."""
    for start in range(0, count, BATCH):
        events = [{"id": f"evt_{run}_{session_index}_{i}", "type": "message.received", "occurred_at": time.time(),
                   "data": received(run, session_index, i)} for i in range(start, min(count, start + BATCH))]
        payload = {"type": "batch", "session_id": session_id, "workspace": poster.schema, "node_id": "bench",
                   "epoch": 0, "occurred_at": time.time(), "data": {"events": events}}
        for _attempt in range(5):
            response, _ms = await poster.post(client, payload)
            if response.status_code == 200:
                break
            log(f"batch {start}: {response.status_code} {response.text[:200]}")
        statuses = [r["status"] for r in response.json()["results"]]
        assert statuses == ["applied"] * len(events), statuses[:5]
        batches.append(payload)


async def singles(poster, client, session_id: str, run: str, stop: asyncio.Event, latencies: list):
    i = 0
    while not stop.is_set():
        data = received(run, 99, i)
        response, ms = await poster.post(client, {"type": "message.received", "session_id": session_id,
                                                  "workspace": poster.schema, "occurred_at": time.time(), "data": data})
        assert response.status_code == 200, response.text
        latencies.append(ms)
        i += 1
        await asyncio.sleep(SINGLE_EVERY_S)
    return i


async def one_round(poster, session_ids, single_session, run: str):
    import httpx

    batches, latencies = [], []
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=SESSIONS + 2)) as client:
        stop = asyncio.Event()
        single_task = asyncio.create_task(singles(poster, client, single_session, run, stop, latencies))
        started = time.perf_counter()
        per_session = EVENTS // len(session_ids)
        await asyncio.gather(*(drain(poster, client, sid, n, run, per_session, batches)
                               for n, sid in enumerate(session_ids)))
        seconds = time.perf_counter() - started
        stop.set()
        single_count = await single_task
        # The bridge lost every answer: the whole backlog again, all duplicates.
        replay_started = time.perf_counter()
        duplicates = 0
        for payload in batches[:: max(1, len(batches) // 10)]:
            response, _ms = await poster.post(client, payload)
            duplicates += sum(r["status"] == "duplicate" for r in response.json()["results"])
            assert all(r["status"] == "duplicate" for r in response.json()["results"])
        log(f"replayed {duplicates} events as duplicates in {time.perf_counter() - replay_started:.1f}s")
    return per_session * len(session_ids), seconds, latencies, single_count


def counts(schema: str, run: str) -> dict:
    from django.db.models import Count, Sum
    from django_tenants.utils import schema_context

    from chats.models import Contact, Message

    with schema_context(schema):
        ours = Message.objects.filter(direction="in", wa_message_id__contains=f"_{run}")
        return {"messages": ours.count(),
                "stored_twice": ours.values("wa_message_id").annotate(n=Count("id")).filter(n__gt=1).count(),
                "unread_total": Contact.objects.aggregate(total=Sum("unread_count"))["total"] or 0}


def main() -> None:
    _, redis_url = server_urls()
    with bench_database("inbound_batch") as url, running_stack(url, redis_url) as stack:
        from django_tenants.utils import schema_context

        from sessions_wa.models import SessionStatus, WhatsAppSession

        workspace, _key, session = workspace_with_session("inbatch")
        wait_session_connected(workspace, session)
        with schema_context(workspace.schema_name):  # rows only: the events are POSTed by this script
            extra = [WhatsAppSession.objects.create(id=f"{workspace.schema_name}.b{n}", engine="sandbox",
                                                    status=SessionStatus.CONNECTED) for n in range(SESSIONS)]
        poster = Poster(stack, workspace.schema_name)
        rates, latencies, total_events, total_singles, lost, doubled = [], [], 0, 0, 0, 0
        for r in range(ROUNDS):
            run = f"{secrets.token_hex(3)}r{r}"
            events, seconds, single_ms, singles_sent = asyncio.run(
                one_round(poster, [s.pk for s in extra], session.pk, run))
            found = counts(workspace.schema_name, run)
            lost += max(0, events + singles_sent - found["messages"])
            doubled += found["stored_twice"] + max(0, found["messages"] - events - singles_sent)
            rates.append(events / seconds)
            latencies += single_ms
            total_events += events
            total_singles += singles_sent
            log(f"round {r + 1}: {events} events in {seconds:.1f}s = {events / seconds:.0f}/s; "
                f"{singles_sent} singles, p50 {percentile(single_ms, 50):.0f} ms")
        final = counts(workspace.schema_name, "")
        doubled += max(0, final["unread_total"] - total_events - total_singles)  # an unread bump twice
    emit({
        "bench": "inbound_batch",
        "applied_per_s": rounded(median(rates)),
        "rounds_applied_per_s": [rounded(r) for r in rates],
        "batch": BATCH, "sessions": SESSIONS, "events": total_events,
        "single_events": total_singles,
        "single_event_p50_ms": rounded(percentile(latencies, 50)),
        "single_event_p99_ms": rounded(percentile(latencies, 99)),
        "lost": lost, "duplicated": doubled,
        "unread_total": final["unread_total"],
        "samples": len(rates),
    })


if __name__ == "__main__":
    main()
