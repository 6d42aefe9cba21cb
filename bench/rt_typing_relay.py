"""Typing relay, browser -> other browser: the time from one agent's socket sending a `typing`
frame until the `typing` frame arrives on another agent's socket viewing the same contact. Aim:
p99 <= 20 ms.

Two members of the workspace, each logged in (a session made on the workspace host) with one
socket; both subscribe to 25 contacts. Agent A types at a paced 50 frames/s for 15 s, round-robin
over the contacts and alternating `typing` / `paused` per contact: the consumer relays every state
change (only a repeat of the same state within TYPING_THROTTLE_SECONDS is dropped), so every frame
is relayed. The path: A's consumer publishes straight to the contact's group (one Lua call in
Redis; no database, no Celery), B's consumer forwards it; A's consumer also tells the bridge
(an HTTP call per frame, in a thread), which shares daphne's CPU with the relay. The
`no_bridge_call_*` figures repeat the run with contacts of no session (no bridge call): the relay
alone.
Frames from one sender reach one receiver in order, so the i-th frame B sees answers the i-th
frame A sent (checked by contact and state).

Run: DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/rt_typing_relay.py
"""

from __future__ import annotations

import asyncio
import json
import time

import _lib
import _rt

NAME = "rt_typing_relay"
RATE = 50  # typing frames per second
SECONDS = 15
CONTACTS = 25


def make_contacts(workspace, session, *, first: int = 0) -> list[int]:
    """Contacts of `session` (each relayed frame also goes to the bridge), or of none (a CRM
    import before any message: the relay alone)."""
    from django_tenants.utils import schema_context

    from chats import services

    with schema_context(workspace.schema_name):
        return [services.contact_get_or_create(wa_id=f"62813{i:07d}@c.us", push_name=f"Typing {i}", session=session).pk
                for i in range(first, first + CONTACTS)]


class Received:
    """The agent typing frames one socket receives, in arrival order."""

    def __init__(self, socket):
        self.socket = socket
        self.frames: list[tuple[float, int, str]] = []
        self.errors: list[dict] = []
        self.arrived = asyncio.Event()
        self.task = asyncio.create_task(self._read())

    async def _read(self):
        import websockets

        try:
            async for text in self.socket:
                now = time.perf_counter()
                frame = json.loads(text)
                if frame["type"] == "typing" and frame["from"] == "agent":
                    self.frames.append((now, frame["contact_id"], frame["state"]))
                    self.arrived.set()
                elif frame["type"] == "error":
                    self.errors.append(frame)
        except websockets.ConnectionClosed:
            pass

    async def wait_count(self, count: int, timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.frames) < count:
            self.arrived.clear()
            if len(self.frames) >= count:
                break
            if loop.time() >= deadline:
                return False
            try:
                await asyncio.wait_for(self.arrived.wait(), deadline - loop.time())
            except asyncio.TimeoutError:
                return False
        return True


async def run(stack, workspace, cookies, contact_ids, prefix: str = "") -> dict:
    sender = await _rt.connect(stack, workspace.host, Cookie=cookies[0])
    viewer = await _rt.connect(stack, workspace.host, Cookie=cookies[1])
    received = Received(viewer)
    sender_errors = Received(sender)  # A hears nothing of its own typing; it collects A's error frames
    try:
        for contact_id in contact_ids:
            await viewer.send(json.dumps({"type": "subscribe", "contact_id": contact_id}))
            await sender.send(json.dumps({"type": "subscribe", "contact_id": contact_id}))
        # Warm-up, and proof that both subscriptions hold: a frame relayed per contact.
        for contact_id in contact_ids:
            await sender.send(json.dumps({"type": "typing", "contact_id": contact_id, "state": "recording"}))
        if not await received.wait_count(CONTACTS, 20):
            raise RuntimeError(f"warm-up typing frames did not arrive (errors: {sender_errors.errors[:2]})")
        base = len(received.frames)

        count = RATE * SECONDS
        plan = [(contact_ids[i % CONTACTS], "typing" if (i // CONTACTS) % 2 == 0 else "paused") for i in range(count)]
        sent_at: list[float] = [0.0] * count

        async def fire(index):
            contact_id, state = plan[index]
            text = json.dumps({"type": "typing", "contact_id": contact_id, "state": state})
            sent_at[index] = time.perf_counter()
            await sender.send(text)

        _lib.log(f"sending {count} typing frames at {RATE}/s")
        started = time.perf_counter()
        await _rt.paced(count, RATE, fire)
        sending = time.perf_counter() - started
        if not await received.wait_count(base + count, 10):
            _lib.log(f"only {len(received.frames) - base} of {count} typing frames arrived")
        got = received.frames[base:]
        mismatched = sum(1 for (_, c, s), expected in zip(got, plan) if (c, s) != expected)
        latencies = [arrived - sent for (arrived, _, _), sent in zip(got, sent_at)]
        return {
            f"{prefix}samples": len(latencies), f"{prefix}sent": count, f"{prefix}delivered": len(got),
            f"{prefix}out_of_order": mismatched, f"{prefix}sender_errors": len(sender_errors.errors),
            f"{prefix}duration_s": round(sending, 1), **_rt.latency_figures(prefix, latencies),
        }
    finally:
        await sender.close()
        await viewer.close()
        await asyncio.gather(received.task, sender_errors.task)


def main():
    with _rt.start_world(NAME) as (stack, workspace, _api_key, session):
        cookies = [_rt.agent_cookie(workspace, user) for user in _rt.agents(workspace, 2)]
        relayed = asyncio.run(run(stack, workspace, cookies, make_contacts(workspace, session)))
        relay_only = asyncio.run(run(stack, workspace, cookies, make_contacts(workspace, None, first=CONTACTS),
                                     prefix="no_bridge_call_"))
    _lib.emit({"bench": NAME, "rate_per_s": RATE, "contacts": CONTACTS, **relayed, **relay_only})


if __name__ == "__main__":
    main()
