"""Socket resume: a CRM socket (API key) disconnects for OFFLINE_SECONDS while customers' messages
arrive (RATE events/s, signed bridge webhooks); it reconnects and sends `resume` with the last
seq it had. Reports the time from sending `resume` to the last missed frame (the log's last seq
at reconnect), the frames replayed, and checks that they came in seq order, none missing or twice.
ROUNDS rounds; the median is reported. Prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import os
import time

from _lib import (bench_database, emit, log, median, rounded, running_stack, server_urls, wait_session_connected,
                  workspace_with_session)
from inbound_apply import Sender
from webhook_delivery import paced

OFFLINE_SECONDS = float(os.environ.get("OFFLINE_SECONDS", "10"))
RATE = float(os.environ.get("RATE", "50"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))


async def socket(stack, host: str, key: str):
    import websockets

    return await websockets.connect(f"ws://{host}:{stack.web_port}/ws/inbox/", host="127.0.0.1",
                                    additional_headers={"Authorization": f"Bearer {key}"}, max_size=2**24)


async def one_round(stack, workspace, key, sender, first: int) -> dict:
    ws = await socket(stack, workspace.host, key)
    hello = json.loads(await ws.recv())
    last_seq = hello["seq"]
    await ws.close()
    count = int(RATE * OFFLINE_SECONDS)
    await paced(sender, first, count, RATE)  # while the socket is away
    from blazz.core import eventlog

    target = await asyncio.to_thread(lambda: eventlog.bounds(workspace.schema_name)[1])
    ws = await socket(stack, workspace.host, key)
    await ws.recv()  # hello
    started = time.monotonic()
    await ws.send(json.dumps({"type": "resume", "after_seq": last_seq}))
    seqs = []
    while not seqs or seqs[-1] < target:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if frame["type"] not in ("hello", "ping", "typing", "presence", "error"):
            seqs.append(frame["seq"])
    elapsed = time.monotonic() - started
    await ws.close()
    return {"ms": elapsed * 1000, "frames": len(seqs), "events": count,
            "exact": seqs == list(range(last_seq + 1, target + 1))}


def main() -> None:
    _, redis_url = server_urls()
    with bench_database("resume") as url, running_stack(url, redis_url) as stack:
        workspace, key, session = workspace_with_session("resume")
        wait_session_connected(workspace, session)
        sender = Sender(stack, workspace, session)
        results = []
        for r in range(ROUNDS):
            results.append(asyncio.run(one_round(stack, workspace, key, sender, r * 100_000)))
            log(f"round {r + 1}: {results[-1]}")
    emit({
        "bench": "rt_resume",
        "offline_s": OFFLINE_SECONDS,
        "events_missed_per_round": results[0]["events"],
        "frames_replayed_median": median([r["frames"] for r in results]),
        "resume_to_last_missed_frame_ms": rounded(median([r["ms"] for r in results])),
        "rounds_ms": [rounded(r["ms"]) for r in results],
        "every_round_exact": all(r["exact"] for r in results),
        "samples": len(results),
    })


if __name__ == "__main__":
    main()
