"""Outgoing CRM webhooks, end to end on this machine: customers' messages arrive as signed bridge
webhooks (the inbound path, event log on), and one endpoint's receiver (a real HTTP server in this
process) gets them as signed Standard Webhooks POSTs from the Celery worker (one worker, both
queues, as the test stack runs it).

1. Latency: RATE events/s for DURATION seconds; per event, the time from when it is due (its POST
   to `/hooks/bridge/`, over one of CONNECTIONS connections) to its signed POST reaching the
   receiver: p50 and p99.
2. Outage: the receiver answers 503 while BACKLOG events arrive (DOWN_SECONDS at least), then 200:
   the time from "back" until every missed event is delivered, and deliveries/s over that catch-up
   (one worker, one endpoint: in seq order, one at a time). Checks: every event delivered, in seq
   order, none twice (by webhook-id).

KILL=1: during the outage, once the backlog is in, the worker's whole process group is SIGKILLed,
then the bench's Redis (the embedded one of `blazz.dev.devservers run`) is stopped and started
again on the same port and socket, as chats/tests/test_integration_restarts.py does. Celery beat
runs too, as under `make run` (its sweep pumps an endpoint whose task went with the worker or
Redis), and a worker or beat that exits is started again after 1 s, as `make run`'s supervisor
does (`Supervisor`); the JSON line counts those restarts (the SIGKILL's is one). Same figures and
checks.

Prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from _lib import (bench_database, emit, log, percentile, rounded, running_stack, server_urls, wait_session_connected,
                  workspace_with_session)
from inbound_apply import Sender

RATE = float(os.environ.get("RATE", "200"))
DURATION = float(os.environ.get("DURATION", "10"))
BACKLOG = int(os.environ.get("BACKLOG", "1000"))
DOWN_SECONDS = float(os.environ.get("DOWN_SECONDS", "10"))
TIMEOUT = float(os.environ.get("TIMEOUT", "300"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "32"))
KILL = os.environ.get("KILL", "0") == "1"
REDIS_DOWN_SECONDS = float(os.environ.get("REDIS_DOWN_SECONDS", "3"))


async def paced(sender, first: int, count: int, rate: float) -> dict[str, float]:
    """POST events first..first+count, one due every 1/`rate` s, over CONNECTIONS connections that
    each take the next due event; returns body -> monotonic time it was due (a wait for a free
    connection counts in its latency). The due events wait in a queue of ours, never in httpx's
    pool, which scans every waiting request on each change: with thousands waiting, the client
    spends its CPU there and falls further behind the more it has queued."""
    import httpx

    sent: dict[str, float] = {}
    post_ms: list[float] = []
    due: asyncio.Queue = asyncio.Queue()
    started = time.monotonic()

    async def pace():
        for i in range(first, first + count):
            delay = started + (i - first) / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            webhook_id, body = sender.event(i)
            sent[json.loads(body)["data"]["body"]] = time.monotonic()
            due.put_nowait((i, webhook_id, body))
        for _ in range(CONNECTIONS):
            due.put_nowait(None)

    async def post(client):
        while (item := await due.get()) is not None:
            i, webhook_id, body = item
            response, ms = await sender.post(client, webhook_id, body)
            post_ms.append(ms)
            if response.status_code != 200:
                log(f"inbound {i}: {response.status_code}")

    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=CONNECTIONS)) as client:
        await asyncio.gather(pace(), *(post(client) for _ in range(CONNECTIONS)))
    log(f"{count} events posted in {time.monotonic() - started:.1f}s (POST p50 {percentile(post_ms, 50):.0f} ms, "
        f"p99 {percentile(post_ms, 99):.0f} ms)")
    return sent


class Deliveries:
    """What the receiver got, each request parsed once (the receiver's threads share this
    process's GIL: re-parsing everything on every poll slowed them down): `first` is body ->
    (arrival, envelope) of the first 200 delivery of each message.new, `ok_ids` the webhook-id of
    every 200, `refused` how many attempts were answered otherwise."""

    def __init__(self, receiver):
        self.receiver, self.seen, self.first, self.ok_ids, self.refused = receiver, 0, {}, [], 0

    def count(self) -> int:
        with self.receiver.lock:
            new = self.receiver.requests[self.seen:]
        self.seen += len(new)
        for request in new:
            if request["status"] != 200:
                self.refused += 1
                continue
            envelope = json.loads(request["body"])
            self.ok_ids.append(envelope["id"])
            if envelope["type"] == "message.new":
                self.first.setdefault(envelope["data"]["message"]["body"], (request["at"], envelope))
        return len(self.first)


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.1)


def bench_redis():
    """The embedded Redis of `blazz.dev.devservers run` that this bench's REDIS_URL names."""
    from blazz.dev.devservers import EmbeddedRedis

    data_dir = os.environ.get("BLAZZ_DATA_DIR")
    server = EmbeddedRedis(Path(data_dir)) if data_dir else None
    if server is None or not server.is_running() or server.url != os.environ.get("REDIS_URL"):
        sys.exit("KILL=1 restarts the embedded Redis: run under `python -m blazz.dev.devservers run` "
                 "with REDIS_URL unset")
    return server


class Supervisor:
    """What `make run` does for a process that exits (blazz/dev/restart.py): starts it again after
    1 s, then 2, 4 ... while it keeps dying young. `restarts` counts them per process name."""

    def __init__(self, *processes):
        from blazz.dev.restart import next_delay

        self.processes, self.next_delay = processes, next_delay
        self.restarts = dict.fromkeys((process.name for process in processes), 0)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.stopping.set()
        self.thread.join(5)

    def _watch(self) -> None:
        delays = dict.fromkeys(self.restarts, 0.0)
        started = dict.fromkeys(self.restarts, time.monotonic())
        while not self.stopping.wait(0.1):
            for process in self.processes:
                if process.running:
                    continue
                ran_for = time.monotonic() - started[process.name]
                delays[process.name] = self.next_delay(delays[process.name], ran_for)
                log(f"{process.name} exited (code {process.proc.returncode}): started again in "
                    f"{delays[process.name]:.0f}s")
                if self.stopping.wait(delays[process.name]):
                    return
                process.start()
                started[process.name] = time.monotonic()
                self.restarts[process.name] += 1


def worker_answers(stack) -> bool:
    try:
        stack.wait_worker(timeout=1)
    except (AssertionError, RuntimeError):  # not answering yet, or exited (the supervisor restarts it)
        return False
    return True


def crash_worker_and_restart_redis(stack, redis) -> None:
    """SIGKILL to the worker's group (its pool children too), which the supervisor starts again;
    then Redis stopped (SIGTERM: it writes its snapshot) and, REDIS_DOWN_SECONDS later, started
    again on the same port and socket."""
    stack.worker.kill()
    wait_for(lambda: worker_answers(stack), 90, "the worker to come back after its SIGKILL")
    log("worker SIGKILLed; back")
    redis.stop()
    time.sleep(REDIS_DOWN_SECONDS)
    redis.start()
    wait_for(lambda: worker_answers(stack), 90, "the worker to answer after the Redis restart")
    log(f"Redis restarted ({REDIS_DOWN_SECONDS:.0f}s down); the worker answers")


def main() -> None:
    from webhooks.tests.receiver import Receiver

    _, redis_url = server_urls()
    redis = bench_redis() if KILL else None
    # Retries every second during the outage, so "back" is noticed within a second.
    env = {"WEBHOOK_RETRY_SCHEDULE": ",".join(["1"] * 3600)}
    with (bench_database("webhooks") as url, running_stack(url, redis_url, env=env, beat=KILL) as stack,
          ExitStack() as supervised):
        supervisor = supervised.enter_context(Supervisor(stack.worker, stack.beat)) if KILL else None
        from django.conf import settings

        settings.WEBHOOKS_ALLOW_PRIVATE = True  # the receiver listens on 127.0.0.1 (the stack allows it too)
        workspace, _key, session = workspace_with_session("webhooks")
        wait_session_connected(workspace, session)
        receiver = Receiver()
        deliveries = Deliveries(receiver)
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
        wait_for(lambda: deliveries.count() >= count, TIMEOUT, "the latency phase's deliveries")
        latencies = [(deliveries.first[body][0] - at) * 1000 for body, at in sent.items()]
        log(f"latency phase: {count} events at {RATE}/s")

        receiver.answer = 503
        down_started = time.monotonic()
        asyncio.run(paced(sender, count, BACKLOG, RATE))
        log(f"backlog of {BACKLOG} posted in {time.monotonic() - down_started:.1f}s")
        if KILL:
            crash_worker_and_restart_redis(stack, redis)
        time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - down_started)))
        receiver.answer = 200
        back = time.monotonic()
        wait_for(lambda: deliveries.count() >= count + BACKLOG, TIMEOUT, "the backlog")
        time.sleep(1)  # a delivery sent twice would come right after the last one
        deliveries.count()
        got = deliveries.first
        catch_up = max(arrival for arrival, _ in got.values()) - back
        log(f"outage phase: {BACKLOG} events caught up in {catch_up:.1f}s; "
            f"{deliveries.refused} attempts refused during the outage")
        ok_ids = deliveries.ok_ids
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
        **({"worker_sigkilled": True, "redis_restarted": True, "worker_restarts": supervisor.restarts["worker"],
            "beat_restarts": supervisor.restarts["beat"]} if KILL else {}),
    })


if __name__ == "__main__":
    main()
