"""Ack webhook -> `message.status` frame: the time from POSTing a signed `message.ack` to daphne's
/hooks/bridge/ until the `message.status` frame arrives on a connected inbox socket. Aim: p99 <= 50 ms.

First up to 250 outbound messages (to 50 contacts) are made with signed `message.created`
webhooks (as if typed on the phone: stored `pending`); then their acks go out at a paced 50/s
(about 20 s), one webhook in flight at a time like the bridge's outbox, one tick level at a
time (every message `sent`, then every one `delivered`, `read`, `played`), so each ack moves a
status and publishes a frame. The path: verify, lock the message row, move the
status, publish after commit (and `chat.updated` when it is the contact's last message).

Run: DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/rt_ack_to_status.py
"""

from __future__ import annotations

import asyncio
import time

import _lib
import _rt

NAME = "rt_ack_to_status"
RATE = 50  # acks per second
MESSAGES = 250
CREATE_SECONDS = 30  # at most this long making them; the acks go to those that were made
CONTACTS = 50
# whatsapp-web.js ack -> the status it moves a message to (DESIGN.md, "Messages and their status").
ACKS = ((1, "sent"), (2, "delivered"), (3, "read"), (4, "played"))


def outbound(index: int) -> dict:
    chat_id = f"62812{index % CONTACTS:07d}@c.us"
    return {"wa_message_id": f"true_{chat_id}_OUT{index:06d}", "chat_id": chat_id, "from": "6280000000000@c.us",
            "to": chat_id, "type": "text", "body": f"bench reply {index}", "caption": None, "media": None,
            "reply_to": None, "timestamp": int(time.time())}


def frame_key(frame):
    if frame["type"] == "message.status":
        return (frame["wa_message_id"], frame["status"])
    if frame["type"] == "message.new":
        return ("new", frame["message"]["wa_message_id"])
    return None


async def run(stack, workspace, api_key, session) -> dict:
    socket = await _rt.connect(stack, workspace.host, Authorization=f"Bearer {api_key}")
    frames = _rt.Frames(socket, frame_key)
    bridge = _rt.Bridge(stack, workspace, session)
    try:
        planned = [outbound(i) for i in range(MESSAGES)]
        _lib.log(f"creating {MESSAGES} outbound messages (message.created webhooks, 4 at a time)")
        await _rt.paced(MESSAGES, 500, lambda i: bridge.send("message.created", planned[i]), max_in_flight=4,
                        seconds=CREATE_SECONDS)
        if bridge.failures:
            raise RuntimeError(f"message.created refused: {bridge.failures[0]}")
        await frames.wait_for([("new", d["wa_message_id"]) for d in planned], 5)
        messages = [d for d in planned if ("new", d["wa_message_id"]) in frames.at]
        if len(messages) < 20:
            raise RuntimeError(f"only {len(messages)} outbound messages were created")
        # Warm-up: a few acks outside the sample.
        for data in messages[:10]:
            await bridge.send("message.ack", {"wa_message_id": data["wa_message_id"], "ack": 1})
        if not await frames.wait_for([(d["wa_message_id"], "sent") for d in messages[:10]], 20):
            raise RuntimeError("warm-up status frames did not arrive")

        plan = [(data["wa_message_id"], ack, status) for ack, status in ACKS for data in messages[10:]]
        sent_at: dict[tuple[str, str], float] = {}
        due_at: dict[tuple[str, str], float] = {}
        http: list[float] = []

        async def fire(index):
            wa_message_id, ack, status = plan[index]
            due_at[(wa_message_id, status)] = started + index / RATE
            body, headers = bridge.signed("message.ack", {"wa_message_id": wa_message_id, "ack": ack})
            http.append(await bridge.post(body, headers, lambda t: sent_at.__setitem__((wa_message_id, status), t)))

        _lib.log(f"sending {len(plan)} acks at {RATE}/s, one at a time (the bridge's order per session)")
        started = time.perf_counter()
        sent = await _rt.paced(len(plan), RATE, fire, max_in_flight=1, seconds=len(plan) / RATE + 5)
        sending = time.perf_counter() - started
        complete = await frames.wait_for(list(sent_at), 15)
        latencies = [frames.at[k] - t for k, t in sent_at.items() if k in frames.at]
        from_due = [frames.at[k] - due_at[k] for k in sent_at if k in frames.at]
        if not complete:
            _lib.log(f"only {len(latencies)} of {sent} status frames arrived")
        if bridge.failures:
            _lib.log(f"{len(bridge.failures)} webhooks failed, e.g. {bridge.failures[0]}")
        return {
            "bench": NAME, "rate_per_s": RATE, "achieved_rate_per_s": round(sent / sending, 1),
            "duration_s": round(sending, 1), "messages": len(messages), "samples": len(latencies),
            "planned": len(plan), "sent": sent, "delivered": len(latencies),
            "webhook_failures": len(bridge.failures),
            **_rt.latency_figures("", latencies),
            **_rt.latency_figures("webhook_response_", http),
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
