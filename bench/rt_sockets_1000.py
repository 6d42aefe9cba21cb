"""1,000 concurrent sockets on one daphne process: all connect (logged-in agent tabs: 50 agents,
20 tabs each), then 20 customer messages arrive as signed `message.received` webhooks, one every
half second, and every socket must receive every broadcast frame (`message.new` and
`chat.updated` of each message: 40,000 frames; the figure is delivered / expected). Measured too:
daphne's RSS before and after the sockets connect (VmRSS; the difference per socket), the time
for all to connect, and the broadcast latency: per message, webhook sent -> the last socket has
its `message.new` (p50/p99 over the 20 messages), and webhook sent -> each socket's frame (p99
over all 20,000).

The file-descriptor limit is raised before the stack starts, so daphne (a child) inherits it.

Run: DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/rt_sockets_1000.py
"""

from __future__ import annotations

import asyncio
import json
import time

import _lib
import _rt

NAME = "rt_sockets_1000"
SOCKETS = 1000
AGENTS = 50
MESSAGES = 20
INTERVAL = 0.5  # seconds between broadcasts, so each one is measured on its own
CONNECT_CONCURRENCY = 50  # a reconnect storm after a deploy, not one socket at a time
NEW_PREFIX = '{"type":"message.new",'  # how blazz.core.publisher encodes the frame's head
CHAT_PREFIX = '{"type":"chat.updated",'


class Tally:
    """Counts the broadcast frames all sockets received; wakes a waiter at the expected totals."""

    def __init__(self, expected: int):
        self.expected = expected
        self.new = 0
        self.chat = 0
        self.complete = asyncio.Event()

    def saw(self, text: str):
        if text.startswith(NEW_PREFIX):
            self.new += 1
        elif text.startswith(CHAT_PREFIX):
            self.chat += 1
        else:
            return
        if self.new >= self.expected and self.chat >= self.expected:
            self.complete.set()


async def read(socket, log: list, tally: Tally):
    import websockets

    try:
        async for text in socket:
            log.append((time.perf_counter(), text))  # parsed after the run: keep the client's hot path short
            tally.saw(text)
    except websockets.ConnectionClosed:
        pass


async def run(stack, workspace, session, cookies) -> dict:
    pid = stack.web.proc.pid
    bridge = _rt.Bridge(stack, workspace, session)
    try:
        # Warm-up: one socket, one broadcast, so the first-use costs are not counted per socket.
        warm = await _rt.connect(stack, workspace.host, Cookie=cookies[0])
        warm_frames = _rt.Frames(warm, lambda f: f["message"]["wa_message_id"] if f["type"] == "message.new" else None)
        first = _rt.customer_message(0, tag="w")
        await bridge.send("message.received", first)
        if not await warm_frames.wait_for([first["wa_message_id"]], 20):
            raise RuntimeError("the warm-up frame did not arrive")
        await warm_frames.close()
        rss_before = _rt.rss_kb(pid)

        _lib.log(f"connecting {SOCKETS} sockets ({CONNECT_CONCURRENCY} at a time); daphne RSS {rss_before} KiB")
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
        tally = Tally(SOCKETS * MESSAGES)
        logs: list[list] = [[] for _ in range(SOCKETS)]
        sockets, readers, refused = [], [], []

        async def open_one(index):
            async with gate:
                try:
                    socket = await _rt.connect(stack, workspace.host, open_timeout=60, Cookie=cookies[index % len(cookies)])
                except Exception as exc:  # counted and reported: a refused socket is a finding
                    refused.append(repr(exc))
                    return
            sockets.append(socket)
            readers.append(asyncio.create_task(read(socket, logs[index], tally)))

        started = time.perf_counter()
        await asyncio.gather(*(open_one(i) for i in range(SOCKETS)))
        connect_s = time.perf_counter() - started
        rss_after = _rt.rss_kb(pid)
        _lib.log(f"{len(sockets)} connected in {connect_s:.1f}s ({len(refused)} refused); daphne RSS {rss_after} KiB")
        if refused:
            _lib.log(f"e.g. {refused[0]}")

        messages = [_rt.customer_message(i, tag="b", customers=MESSAGES) for i in range(MESSAGES)]
        sent_at: dict[str, float] = {}
        first_send = time.perf_counter()
        for index, data in enumerate(messages):
            body, headers = bridge.signed("message.received", data)
            await bridge.post(body, headers, lambda t, k=data["wa_message_id"]: sent_at.__setitem__(k, t))
            await asyncio.sleep(max(0.0, first_send + (index + 1) * INTERVAL - time.perf_counter()))
        try:
            await asyncio.wait_for(tally.complete.wait(), 30)
        except asyncio.TimeoutError:
            _lib.log(f"not every frame arrived: message.new {tally.new}, chat.updated {tally.chat} "
                     f"of {tally.expected} each")
        rss_end = _rt.rss_kb(pid)

        per_socket, last_by_message = [], {}
        for log in logs:
            for arrived, text in log:
                if text.startswith(NEW_PREFIX):
                    key = json.loads(text)["message"]["wa_message_id"]
                    if key in sent_at:
                        per_socket.append(arrived - sent_at[key])
                        last_by_message[key] = max(last_by_message.get(key, 0.0), arrived)
        broadcast = [last_by_message[k] - sent_at[k] for k in last_by_message]
        expected = SOCKETS * MESSAGES * 2
        delivered = tally.new + tally.chat
        connected = len(sockets)

        _lib.log("closing the sockets")
        await asyncio.wait_for(asyncio.gather(*(s.close() for s in sockets), return_exceptions=True), 60)
        await asyncio.wait_for(asyncio.gather(*readers, return_exceptions=True), 30)
        return {
            "bench": NAME, "sockets": SOCKETS, "connected": connected, "refused": len(refused),
            "connect_all_s": round(connect_s, 2), "broadcasts": MESSAGES,
            "frames_expected": expected, "frames_delivered": delivered,
            "delivered_pct": round(100 * delivered / expected, 3), "webhook_failures": len(bridge.failures),
            "daphne_rss_before_kb": rss_before, "daphne_rss_after_connect_kb": rss_after,
            "daphne_rss_after_broadcast_kb": rss_end,
            "rss_per_socket_kb": round((rss_after - rss_before) / max(connected, 1), 1),
            "samples": len(per_socket),
            **_rt.latency_figures("broadcast_last_socket_", broadcast),
            **_rt.latency_figures("per_socket_", per_socket),
        }
    finally:
        await bridge.close()


def main():
    limit = _rt.raise_fd_limit(SOCKETS * 2 + 1024)  # before the stack: daphne inherits it
    _lib.log(f"RLIMIT_NOFILE soft limit {limit}")
    with _rt.start_world(NAME, env={"WEB_PROCESSES": "1"}) as (stack, workspace, _api_key, session):
        cookies = [_rt.agent_cookie(workspace, user) for user in _rt.agents(workspace, AGENTS)]
        record = asyncio.run(run(stack, workspace, session, cookies))
    _lib.emit(record)


if __name__ == "__main__":
    main()
