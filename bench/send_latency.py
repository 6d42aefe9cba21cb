"""Latency of `POST /api/v1/contacts/{id}/messages/` (store `pending`, answer 201) with an API key,
paced at RATE requests/s for DURATION seconds over CONTACTS contacts, after a warm-up. The whole
pipeline runs meanwhile, as in production: each send is a Celery task that calls the bridge, and
the bridge's `message.created` and ack webhooks (sent, delivered, read) come back to the same
daphne, so every POST shares the web process with about four webhooks.

Open loop: request i is due at t0 + i / RATE whatever happened before, and its latency counts from
that due time (a stalled server cannot hide its stall by slowing the client down).
Prints one JSON line. Aim (issue 4): p99 <= 30 ms at 50 requests/s.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time

from _lib import (bench_database, cpu_seconds, emit, log, percentile, rounded, running_stack, server_urls,
                  wait_session_connected, workspace_with_session)

RATE = float(os.environ.get("RATE", "50"))
DURATION = float(os.environ.get("DURATION", "20"))
WARMUP = int(os.environ.get("WARMUP", "50"))
CONTACTS = int(os.environ.get("CONTACTS", "20"))
REQUEST_TIMEOUT = 10.0


def create_contacts(stack, host: str, key: str) -> list[int]:
    with stack.http(host, Authorization=f"Bearer {key}") as api:
        ids = []
        for i in range(CONTACTS):
            response = api.post("/api/v1/contacts/", json={"phone": f"+62812{i:08d}"})
            response.raise_for_status()
            ids.append(response.json()["id"])
        return ids


async def paced_sends(stack, host: str, key: str, contacts: list[int], count: int, run: str) -> dict:
    """POST `count` messages, request i due at t0 + i / RATE. Each has REQUEST_TIMEOUT seconds from
    its due time; one that fails or runs out counts with the time it took (dropping it would
    flatter the percentiles exactly when the server is overloaded). Bounded: count / RATE +
    REQUEST_TIMEOUT seconds."""
    import httpx

    latencies, lags, statuses = [], [], {}
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=stack.web_url, limits=limits, timeout=REQUEST_TIMEOUT,
                                 headers={"Host": host, "Authorization": f"Bearer {key}"}) as client:
        async def send(i: int, due: float):
            lags.append((time.perf_counter() - due) * 1000)
            request = client.post(f"/api/v1/contacts/{contacts[i % len(contacts)]}/messages/",
                                  json={"client_id": f"lat-{run}-{i}", "type": "text", "body": f"send latency bench {i}"})
            left = max(0.01, due + REQUEST_TIMEOUT - time.perf_counter())
            try:
                response = await asyncio.wait_for(request, timeout=left)
                status = str(response.status_code)
            except asyncio.TimeoutError:
                status = "timeout"
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            statuses[status] = statuses.get(status, 0) + 1
            latencies.append((time.perf_counter() - due) * 1000)

        t0 = time.perf_counter() + 0.05
        tasks = []
        for i in range(count):
            due = t0 + i / RATE
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(i, due)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    return {"latency_ms": latencies, "lag_ms": lags, "statuses": statuses, "seconds": elapsed}


def main() -> None:
    _, redis_url = server_urls()
    with bench_database("send_latency") as url, running_stack(url, redis_url) as stack:
        workspace, key, session = workspace_with_session("sendlat")
        wait_session_connected(workspace, session)
        contacts = create_contacts(stack, workspace.host, key)
        run = secrets.token_hex(4)

        warm = asyncio.run(paced_sends(stack, workspace.host, key, contacts, WARMUP, run + "w"))
        log(f"warm-up: {warm['statuses']}")
        count = int(RATE * DURATION)
        web_cpu_before = cpu_seconds(stack.web)
        result = asyncio.run(paced_sends(stack, workspace.host, key, contacts, count, run))
        web_cpu_s = cpu_seconds(stack.web) - web_cpu_before
        log(f"{count} sends in {result['seconds']:.1f}s: {result['statuses']}")
        if set(result["statuses"]) != {"201"}:
            stack.keep_logs = True

    latencies = result["latency_ms"]
    emit({
        "bench": "send_latency",
        "p50_ms": rounded(percentile(latencies, 50)),
        "p90_ms": rounded(percentile(latencies, 90)),
        "p99_ms": rounded(percentile(latencies, 99)),
        "max_ms": rounded(max(latencies) if latencies else None),
        "rate_per_s": RATE,
        "answered_201_per_s": rounded(result["statuses"].get("201", 0) / result["seconds"]),
        "duration_s": DURATION,
        "client_lag_p99_ms": rounded(percentile(result["lag_ms"], 99)),
        "statuses": result["statuses"],
        "errors": count - result["statuses"].get("201", 0),
        "web_cpu_ms_per_send": rounded(web_cpu_s * 1000 / count, 2),
        "samples": len(latencies),
    })


if __name__ == "__main__":
    main()
