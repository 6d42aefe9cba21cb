"""Inbound apply throughput: signed Standard Webhooks `message.received` events POSTed straight to
`/hooks/bridge/` on daphne (as the bridge delivers them, minus the bridge), CONCURRENCY at a time,
for customers of one sandbox session spread over CONTACTS chats. Reports events applied per second
(the median of ROUNDS rounds of ROUND_SECONDS each, after a warm-up), then checks the database: every
message stored once (zero lost), every unread count right (zero applied twice), and a replay of
REPLAY_FRACTION of the events (at most REPLAY_MAX) under their original `webhook-id`, each sent
twice at once, changes nothing and answers `duplicate: true`. Deliveries refused at first (a 5xx)
are delivered again, as the bridge does, before counting.

The load generator shares the machine's cores with daphne; it posts over CONCURRENCY keep-alive
connections of its own (bench/_http.py: httpx cost about 2 ms of CPU per post, a third of a core
taken from the server). Its CPU time is reported, and per event the CPU of the web processes, the
PostgreSQL server, Redis and the Celery worker (the auto-reply tasks the receive path queued run
there, on the same cores).
Prints one JSON line. Aim (issue 4): >= 300 applied/s on the 2-core machine.

RULES=100 runs it with that many enabled keyword auto-reply rules in the workspace, none matching
the bench's text: the receive path's gate (chats/automation/services/gate.py) checks each
message against them and queues no auto-reply task. RULES=0 (the default): no rules, so the gate
only checks the opt-out keywords.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import resource
import secrets
import time
from datetime import datetime, timezone

from _http import HTTPError, KeepAliveConnection
from _lib import (bench_database, cpu_seconds, database_cpu_seconds, emit, log, median, per_event_ms, percentile,
                  redis_cpu_seconds, rounded, running_stack, server_urls, wait_session_connected,
                  workspace_with_session)

ROUND_SECONDS = float(os.environ.get("ROUND_SECONDS", "15"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
WARMUP = int(os.environ.get("WARMUP", "100"))
REPLAY_MAX = int(os.environ.get("REPLAY_MAX", "200"))
CONCURRENCY = int(os.environ.get("CONCURRENCY", "16"))
CONTACTS = int(os.environ.get("CONTACTS", "50"))
REPLAY_FRACTION = float(os.environ.get("REPLAY_FRACTION", "0.1"))
RULES = int(os.environ.get("RULES", "0"))


def add_rules(workspace) -> None:
    from django_tenants.utils import schema_context

    from chats.automation.services.rules import rule_save

    with schema_context(workspace.schema_name):
        for n in range(RULES):
            rule_save(name=f"rule {n}", match_type=("contains", "starts_with", "exact", "regex")[n % 4],
                      pattern=f"kata{n}" if n % 4 != 3 else rf"^pesanan\s*#?{n}\d+$", reply_text=f"Balasan {n}")


class Sender:
    """Builds, signs and posts the events of this run (one unique wa_message_id and webhook-id each)."""

    def __init__(self, stack, workspace, session):
        from standardwebhooks.webhooks import Webhook

        self.base_url, self.path = stack.web_url, "/hooks/bridge/"
        self.signer = Webhook(stack.env["BRIDGE_WEBHOOK_SECRET"])
        self.schema = workspace.schema_name
        self.session_id = session.pk
        self.run = secrets.token_hex(4)
        self.sent: dict[str, str] = {}  # webhook-id -> body, of every event applied so far

    def event(self, i: int) -> tuple[str, str]:
        chat_id = f"62811{i % CONTACTS:08d}@c.us"
        now = time.time()
        body = json.dumps({
            "type": "message.received", "session_id": self.session_id, "workspace": self.schema, "occurred_at": now,
            "data": {"wa_message_id": f"false_{chat_id}_{self.run}{i:06d}", "chat_id": chat_id, "from": chat_id,
                     "from_name": f"Customer {i % CONTACTS}", "to": "628000000001@c.us", "type": "text",
                     "body": f"inbound bench message {i}", "caption": None, "media": None, "reply_to": None,
                     "timestamp": now, "client_id": None},
        })
        return f"evt_{self.run}_{i}", body

    async def post(self, connection, webhook_id: str, body: str):
        at = datetime.now(tz=timezone.utc)
        signature = self.signer.sign(webhook_id, at, body)
        started = time.perf_counter()
        status, answer = await connection.post(self.path, body.encode(), {
            "Content-Type": "application/json", "webhook-id": webhook_id,
            "webhook-timestamp": str(int(at.timestamp())), "webhook-signature": signature,
        })
        return status, answer, (time.perf_counter() - started) * 1000

    async def blast(self, items, seconds: float | None = None) -> dict:
        """POST (webhook-id, body) pairs from `items`, CONCURRENCY at a time (each on its own
        keep-alive connection), until they run out or, given `seconds`, no new one starts after that
        long. Counts the outcomes."""
        outcome = {"applied": 0, "duplicate": 0, "errors": 0, "latency_ms": [], "failed": [], "statuses": {},
                   "posted": 0}
        items = iter(items)
        deadline = None if seconds is None else time.perf_counter() + seconds

        async def worker():
            connection = KeepAliveConnection(self.base_url, "localhost")
            try:
                while deadline is None or time.perf_counter() < deadline:
                    item = next(items, None)
                    if item is None:
                        return
                    webhook_id, body = item
                    outcome["posted"] += 1
                    try:
                        status, answer, ms = await self.post(connection, webhook_id, body)
                    except HTTPError as exc:
                        log(f"{webhook_id}: {exc}")
                        outcome["errors"] += 1
                        outcome["failed"].append((webhook_id, body))
                        continue
                    outcome["latency_ms"].append(ms)
                    if status != 200:
                        if outcome["errors"] < 3:
                            log(f"{webhook_id}: {status} {answer[:120]!r}")
                        outcome["errors"] += 1
                        outcome["failed"].append((webhook_id, body))
                        outcome["statuses"][str(status)] = outcome["statuses"].get(str(status), 0) + 1
                    elif json.loads(answer).get("duplicate"):
                        outcome["duplicate"] += 1
                    else:
                        outcome["applied"] += 1
                        self.sent[webhook_id] = body
            finally:
                await connection.close()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        outcome["seconds"] = time.perf_counter() - started
        return outcome


def database_counts(schema: str, run: str) -> dict:
    from django.db.models import Count, Sum
    from django_tenants.utils import schema_context

    from chats.models import Contact, Message
    from webhooks.models import AppliedWebhook

    with schema_context(schema):
        ours = Message.objects.filter(direction="in", wa_message_id__contains=f"_{run}")
        return {
            "messages": ours.count(),
            "distinct_wa_ids": ours.values("wa_message_id").distinct().count(),
            "wa_ids_stored_twice": ours.values("wa_message_id").annotate(n=Count("id")).filter(n__gt=1).count(),
            "unread_total": Contact.objects.aggregate(total=Sum("unread_count"))["total"] or 0,
            "applied_webhooks": AppliedWebhook.objects.filter(webhook_id__startswith=f"evt_{run}_").count(),
        }


def main() -> None:
    _, redis_url = server_urls()
    with bench_database("inbound") as url, running_stack(url, redis_url) as stack:
        workspace, _key, session = workspace_with_session("inbound")
        wait_session_connected(workspace, session)
        add_rules(workspace)
        sender = Sender(stack, workspace, session)

        warm = asyncio.run(sender.blast([sender.event(i) for i in range(WARMUP)]))
        log(f"warm-up: {warm['applied']} applied in {warm['seconds']:.1f}s")
        rounds, latencies, errors, failed, statuses = [], [], warm["errors"], warm["failed"], dict(warm["statuses"])
        measured_events, measured_seconds = 0, 0.0
        client_cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        web_cpu_before, worker_cpu_before = cpu_seconds(stack.web), cpu_seconds(stack.worker)
        database_cpu_before, redis_cpu_before = database_cpu_seconds(), redis_cpu_seconds()
        offset = WARMUP
        for r in range(ROUNDS):
            outcome = asyncio.run(sender.blast((sender.event(i) for i in itertools.count(offset)), ROUND_SECONDS))
            offset += outcome["posted"]
            rate = outcome["applied"] / outcome["seconds"]
            rounds.append(rate)
            measured_events += outcome["posted"]
            measured_seconds += outcome["seconds"]
            latencies += outcome["latency_ms"]
            errors += outcome["errors"]
            failed += outcome["failed"]
            for key, n in outcome["statuses"].items():
                statuses[key] = statuses.get(key, 0) + n
            log(f"round {r + 1}: {outcome['applied']} applied, {outcome['duplicate']} duplicate, "
                f"{outcome['errors']} errors in {outcome['seconds']:.1f}s = {rate:.0f}/s")
        web_cpu_s = cpu_seconds(stack.web) - web_cpu_before
        database_cpu_ms = per_event_ms(database_cpu_before, database_cpu_seconds(), measured_events)
        redis_cpu_ms = per_event_ms(redis_cpu_before, redis_cpu_seconds(), measured_events)
        worker_cpu_s = cpu_seconds(stack.worker) - worker_cpu_before
        client_cpu = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu_s = (client_cpu.ru_utime + client_cpu.ru_stime) - (client_cpu_before.ru_utime
                                                                       + client_cpu_before.ru_stime)

        # What the bridge does with a refused delivery: deliver it again until a 2xx.
        for _attempt in range(3):
            if not failed:
                break
            retry = asyncio.run(sender.blast(failed))
            failed = retry["failed"]
        if errors:
            stack.keep_logs = True  # the web log says why they failed
            log(f"{errors} deliveries failed at first ({statuses}), {len(failed)} still failing after retries")

        before = database_counts(workspace.schema_name, sender.run)
        total = offset
        ids = sorted(sender.sent)
        replay = (ids[:: max(1, round(1 / REPLAY_FRACTION))] if REPLAY_FRACTION > 0 else [])[:REPLAY_MAX]
        replayed = asyncio.run(sender.blast([(i, sender.sent[i]) for i in replay for _twice in (0, 1)]))
        after = database_counts(workspace.schema_name, sender.run)
        log(f"database: {before} -> after replay {after}; replay outcome applied={replayed['applied']} "
            f"duplicate={replayed['duplicate']} errors={replayed['errors']}")

    lost = total - after["messages"]
    duplicated = after["wa_ids_stored_twice"] + max(0, after["unread_total"] - total) + replayed["applied"]
    emit({
        "bench": "inbound_apply",
        "rules": RULES,
        "applied_per_s": rounded(median(rounds)),
        "rounds_applied_per_s": [rounded(r) for r in rounds],
        "post_p50_ms": rounded(percentile(latencies, 50)),
        "post_p99_ms": rounded(percentile(latencies, 99)),
        "concurrency": CONCURRENCY,
        "events": total,
        "lost": lost,
        "duplicated": duplicated,
        "first_attempt_errors": errors,
        "first_attempt_error_statuses": statuses,
        "errors_after_retries": len(failed) + replayed["errors"],
        "replayed": len(replay) * 2,
        "replay_answered_duplicate": replayed["duplicate"],
        "replay_changed_rows": int(after != before),
        "unread_total": after["unread_total"],
        "web_cpu_ms_per_event": rounded(web_cpu_s * 1000 / max(1, measured_events), 2),
        "database_cpu_ms_per_event": database_cpu_ms,
        "redis_cpu_ms_per_event": redis_cpu_ms,
        "worker_cpu_ms_per_event": rounded(worker_cpu_s * 1000 / max(1, measured_events), 2),
        "client_cpu_share_of_one_core": rounded(client_cpu_s / max(measured_seconds, 1e-9), 2),
        "samples": len(rounds),
    })


if __name__ == "__main__":
    main()
