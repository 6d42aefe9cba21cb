"""API send -> status `sent` in the database: `POST /api/v1/contacts/{id}/messages/` with an API
key stores a `pending` message; after commit a Celery task hands it to the bridge (sandbox engine,
which acks `sent` at once: `ack_delays_ms.sent = 0`), and the bridge's `message.ack` webhook moves
the row to `sent` (`sent_at`). Latency = `sent_at` (stamped by daphne when it applies the ack) minus
the client's clock just before the POST: the same machine, the same clock.

SENDS messages paced at RATE/s (light load: this is the pipeline's latency, not its capacity),
after a warm-up. Also split: POST -> row stored (`created_at`), row stored -> `sent`.
Prints one JSON line.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time

from _lib import (bench_database, emit, log, percentile, rounded, running_stack, server_urls,
                  wait_session_connected, workspace_with_session)

SENDS = int(os.environ.get("SENDS", "40"))
RATE = float(os.environ.get("RATE", "1"))
WARMUP = int(os.environ.get("WARMUP", "10"))


async def paced_sends(stack, host: str, key: str, contact_id: int, count: int,
                      prefix: str) -> tuple[dict[str, float], list[str]]:
    """POST `count` messages at RATE/s. Returns ({client_id: the client's time.time() before its
    POST} of the accepted ones, [client_id of the refused or failed ones])."""
    import httpx

    started: dict[str, float] = {}
    errors: list[str] = []
    async with httpx.AsyncClient(base_url=stack.web_url, timeout=15,
                                 headers={"Host": host, "Authorization": f"Bearer {key}"}) as client:
        async def send(i: int):
            client_id = f"{prefix}-{i}"
            started[client_id] = time.time()
            try:
                response = await client.post(f"/api/v1/contacts/{contact_id}/messages/",
                                             json={"client_id": client_id, "type": "text", "body": f"to sent {i}"})
                refused = None if response.status_code == 201 else f"{response.status_code} {response.text[:200]}"
            except httpx.HTTPError as exc:
                refused = f"{type(exc).__name__} {exc}"
            if refused:
                log(f"{client_id}: {refused}")
                started.pop(client_id, None)
                errors.append(client_id)

        t0 = time.perf_counter()
        tasks = []
        for i in range(count):
            delay = t0 + i / RATE - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(i)))
        await asyncio.gather(*tasks)
    return started, errors


def wait_all_sent(schema: str, client_ids, timeout: float) -> list:
    from django_tenants.utils import schema_context

    from blazz.dev.realstack import wait_until
    from chats.models import Message

    def rows():
        with schema_context(schema):
            found = list(Message.objects.filter(client_id__in=list(client_ids), sent_at__isnull=False)
                         .values_list("client_id", "created_at", "sent_at"))
        return found if len(found) == len(client_ids) else None

    try:
        return wait_until(rows, timeout, 0.25, "every message to reach sent")
    except AssertionError:
        with schema_context(schema):
            found = list(Message.objects.filter(client_id__in=list(client_ids), sent_at__isnull=False)
                         .values_list("client_id", "created_at", "sent_at"))
        log(f"only {len(found)} of {len(client_ids)} reached sent in {timeout}s")
        return found


def main() -> None:
    _, redis_url = server_urls()
    with bench_database("send_to_sent") as url, running_stack(url, redis_url) as stack:
        workspace, key, session = workspace_with_session("tosent")
        wait_session_connected(workspace, session)
        with stack.http(workspace.host, Authorization=f"Bearer {key}") as api:
            response = api.post("/api/v1/contacts/", json={"phone": "+6281300000001"})
            response.raise_for_status()
            contact_id = response.json()["id"]
        run = secrets.token_hex(4)

        warm, _ = asyncio.run(paced_sends(stack, workspace.host, key, contact_id, WARMUP, f"w{run}"))
        wait_all_sent(workspace.schema_name, warm, 60)
        started, errors = asyncio.run(paced_sends(stack, workspace.host, key, contact_id, SENDS, f"s{run}"))
        rows = wait_all_sent(workspace.schema_name, started, 60 + SENDS / RATE)
        if len(rows) != SENDS:
            stack.keep_logs = True

    to_sent = [(sent_at.timestamp() - started[cid]) * 1000 for cid, _created, sent_at in rows]
    to_stored = [(created.timestamp() - started[cid]) * 1000 for cid, created, _sent in rows]
    stored_to_sent = [(sent_at - created).total_seconds() * 1000 for _cid, created, sent_at in rows]
    emit({
        "bench": "send_to_sent",
        "p50_ms": rounded(percentile(to_sent, 50)),
        "p90_ms": rounded(percentile(to_sent, 90)),
        "p99_ms": rounded(percentile(to_sent, 99)),
        "max_ms": rounded(max(to_sent) if to_sent else None),
        "post_to_stored_p50_ms": rounded(percentile(to_stored, 50)),
        "stored_to_sent_p50_ms": rounded(percentile(stored_to_sent, 50)),
        "stored_to_sent_p99_ms": rounded(percentile(stored_to_sent, 99)),
        "rate_per_s": RATE,
        "sent": len(rows),
        "not_sent": len(started) - len(rows),
        "post_errors": len(errors),
        "samples": len(to_sent),
    })


if __name__ == "__main__":
    main()
