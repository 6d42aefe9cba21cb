"""Outgoing CRM webhooks, end to end on this machine: customers' messages arrive as signed bridge
webhooks (the inbound path, event log on), and one endpoint's receiver (a real HTTP server in this
process) gets them as signed Standard Webhooks POSTs from the Celery worker (one worker, both
queues, as the test stack runs it).

1. Latency: RATE events/s for DURATION seconds; per event, the time from its POST to
   `/hooks/bridge/` to its signed POST reaching the receiver: p50 and p99.
2. Outage: the receiver answers 503 while BACKLOG events arrive (DOWN_SECONDS at least), then 200:
   the time from "back" until every missed event is delivered, and deliveries/s over that catch-up
   (one worker, one endpoint: in seq order, one at a time). Checks: every event delivered, in seq
   order, none twice (by webhook-id).

Prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import os
import time

from _lib import (bench_database, emit, log, percentile, rounded, running_stack, server_urls, wait_session_connected,
                  workspace_with_session)
from inbound_apply import Sender

RATE = float(os.environ.get("RATE", "200"))
DURATION = float(os.environ.get("DURATION", "10"))
BACKLOG = int(os.environ.get("BACKLOG", "1000"))
DOWN_SECONDS = float(os.environ.get("DOWN_SECONDS", "10"))
TIMEOUT = float(os.environ.get("TIMEOUT", "300"))


async def paced(sender, first: int, count: int, rate: float) -> dict[str, float]:
    """POST events first..first+count at `rate`/s; returns body -> monotonic time of its POST."""
    import httpx

    sent: dict[str, float] = {}
    started = time.monotonic()
    # No pool timeout: under load the POSTs queue for a connection instead of failing.
    async with httpx.AsyncClient(timeout=httpx.Timeout(30, pool=None), limits=httpx.Limits(max_connections=64)) as client:
        async def one(i):
            webhook_id, body = sender.event(i)
            delay = started + (i - first) / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            sent[json.loads(body)["data"]["body"]] = time.monotonic()
            response, _ms = await sender.post(client, webhook_id, body)
            if response.status_code != 200:
                log(f"inbound {i}: {response.status_code}")

        await asyncio.gather(*(one(i) for i in range(first, first + count)))
    return sent


def delivered(receiver) -> dict[str, tuple[float, dict]]:
    """body -> (arrival, envelope) of the first 200 delivery of each message.new."""
    found = {}
    with receiver.lock:
        requests = list(receiver.requests)
    for request in requests:
        if request["status"] != 200:
            continue
        envelope = json.loads(request["body"])
        if envelope["type"] == "message.new":
            found.setdefault(envelope["data"]["message"]["body"], (request["at"], envelope))
    return found


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)


def main() -> None:
    from webhooks.tests.receiver import Receiver

    _, redis_url = server_urls()
    # Retries every second during the outage, so "back" is noticed within a second.
    env = {"WEBHOOK_RETRY_SCHEDULE": ",".join(["1"] * 3600)}
    with bench_database("webhooks") as url, running_stack(url, redis_url, env=env) as stack:
        workspace, key, session = workspace_with_session("webhooks")
        wait_session_connected(workspace, session)
        receiver = Receiver()
        # Webhooks are managed by a logged-in owner, never by an API key (workspaces/scopes.py):
        # the bench registers its receiver through the service, as that owner's request would.
        from django_tenants.utils import schema_context

        from webhooks.outbound.endpoints import endpoint_create

        with schema_context(workspace.schema_name):
            endpoint_create(url=receiver.url, events=["message.new"])
        time.sleep(3)  # every process's endpoint cache knows it (ENDPOINTS_CACHE_SECONDS)
        sender = Sender(stack, workspace, session)

        count = int(RATE * DURATION)
        sent = asyncio.run(paced(sender, 0, count, RATE))
        wait_for(lambda: len(delivered(receiver)) >= count, TIMEOUT, "the latency phase's deliveries")
        got = delivered(receiver)
        latencies = [(got[body][0] - at) * 1000 for body, at in sent.items()]
        log(f"latency phase: {count} events at {RATE}/s")

        receiver.answer = 503
        down_started = time.monotonic()
        asyncio.run(paced(sender, count, BACKLOG, RATE))
        time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - down_started)))
        receiver.answer = 200
        back = time.monotonic()
        wait_for(lambda: len(delivered(receiver)) >= count + BACKLOG, TIMEOUT, "the backlog")
        got = delivered(receiver)
        catch_up = max(arrival for arrival, _ in got.values()) - back
        log(f"outage phase: {BACKLOG} events caught up in {catch_up:.1f}s")

        with receiver.lock:
            ok_ids = [json.loads(r["body"])["id"] for r in receiver.requests if r["status"] == 200]
        seqs = [envelope["seq"] for _arrival, envelope in sorted(got.values(), key=lambda item: item[0])]
        receiver.close()

    emit({
        "bench": "webhook_delivery",
        "rate_per_s": RATE,
        "event_to_post_p50_ms": rounded(percentile(latencies, 50)),
        "event_to_post_p99_ms": rounded(percentile(latencies, 99)),
        "outage_s": DOWN_SECONDS,
        "backlog": BACKLOG,
        "catch_up_s": rounded(catch_up, 2),
        "deliveries_per_s_one_worker": rounded(BACKLOG / max(catch_up, 1e-9)),
        "in_seq_order": seqs == sorted(seqs),
        "lost": count + BACKLOG - len(got),
        "doubled": len(ok_ids) - len(set(ok_ids)),
    })


if __name__ == "__main__":
    main()
