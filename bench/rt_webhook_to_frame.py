"""Signed bridge webhook -> WebSocket frame: the time from POSTing a signed `message.received` to
daphne's /hooks/bridge/ until the `message.new` frame arrives on a connected inbox socket, at a
paced 50 events/s for 20 s. Like the bridge's outbox, one webhook of a session is in flight at a
time: one that falls due while the previous is unanswered waits (`from_due_*` counts that wait;
`achieved_rate_per_s` says whether the server kept up). Aim: p50 <= 10 ms, p99 <= 50 ms.

The path: daphne verifies the signature, applies the event in one transaction (webhook-id,
contact, message, unread count), publishes after commit (one Lua call in Redis), the pub/sub
channel layer hands the frame to the consumer, which forwards the text to the socket.

Run: DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/rt_webhook_to_frame.py
"""

from __future__ import annotations

import asyncio
import time

import _lib
import _rt

NAME = "rt_webhook_to_frame"
RATE = 50  # events per second
SECONDS = 20
WARMUP = 25  # unmeasured events first: connections opened, code paths warm
CUSTOMERS = 50


async def run(stack, workspace, api_key, session) -> dict:
    socket = await _rt.connect(stack, workspace.host, Authorization=f"Bearer {api_key}")
    frames = _rt.Frames(socket, lambda f: f["message"]["wa_message_id"] if f["type"] == "message.new" else None)
    bridge = _rt.Bridge(stack, workspace, session)
    try:
        warm = [_rt.customer_message(i, tag="w", customers=CUSTOMERS) for i in range(WARMUP)]
        for data in warm:
            await bridge.send("message.received", data)
        if not await frames.wait_for([d["wa_message_id"] for d in warm], 20):
            raise RuntimeError("warm-up frames did not arrive")

        count = RATE * SECONDS
        messages = [_rt.customer_message(i, tag="m", customers=CUSTOMERS) for i in range(count)]
        sent_at: dict[str, float] = {}
        due_at: dict[str, float] = {}
        http: list[float] = []

        async def fire(index):
            data = messages[index]
            due_at[data["wa_message_id"]] = started + index / RATE
            body, headers = bridge.signed("message.received", data)
            http.append(await bridge.post(body, headers, lambda t: sent_at.__setitem__(data["wa_message_id"], t)))

        _lib.log(f"sending {count} webhooks at {RATE}/s, one at a time (the bridge's order per session)")
        started = time.perf_counter()
        sent = await _rt.paced(count, RATE, fire, max_in_flight=1, seconds=SECONDS + 5)
        sending = time.perf_counter() - started
        complete = await frames.wait_for(list(sent_at), 15)
        latencies = [frames.at[k] - t for k, t in sent_at.items() if k in frames.at]
        from_due = [frames.at[k] - due_at[k] for k in sent_at if k in frames.at]
        if not complete:
            _lib.log(f"only {len(latencies)} of {sent} frames arrived")
        if bridge.failures:
            _lib.log(f"{len(bridge.failures)} webhooks failed, e.g. {bridge.failures[0]}")
        return {
            "bench": NAME, "rate_per_s": RATE, "achieved_rate_per_s": round(sent / sending, 1),
            "duration_s": round(sending, 1), "samples": len(latencies), "planned": count, "sent": sent,
            "delivered": len(latencies), "webhook_failures": len(bridge.failures),
            **_rt.latency_figures("", latencies),
            **_rt.latency_figures("webhook_response_", http),
            # Including the wait for the previous webhook's answer (the outbox's queue), when behind.
            **_rt.latency_figures("from_due_", from_due),
        }
    finally:
        await bridge.close()
        await frames.close()


def main():
    with _rt.start_world(NAME) as (stack, workspace, api_key, session):
        record = asyncio.run(run(stack, workspace, api_key, session))
    _lib.emit(record)


if __name__ == "__main__":
    main()
