"""A change of a chat's status or assignee -> the frame on another agent's socket: the time from
sending `PATCH /api/v1/chats/{id}/` (as an API key, over HTTP to daphne) until the `chat.status`
or `chat.assigned` frame arrives on an agent's inbox socket that did not make the change. Changes
go one at a time, alternating resolve/reopen and assign/unassign over CONTACTS chats, CHANGES in
all after a warm-up. Reports p50/p99 of that and of the PATCH's own response time.

Run: DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/rt_team_change_to_frame.py
"""

from __future__ import annotations

import asyncio
import os
import time

import _lib
import _rt

NAME = "rt_team_change_to_frame"
CONTACTS = 20
CHANGES = int(os.environ.get("CHANGES", "300"))
WARMUP = 20


def frame_key(frame):
    if frame["type"] == "chat.status":
        return ("status", frame["contact_id"], frame["status"], frame["seq"])
    if frame["type"] == "chat.assigned":
        return ("assigned", frame["contact_id"], (frame["assignee"] or {}).get("id"), frame["seq"])
    if frame["type"] == "message.new":
        return ("new", frame["message"]["wa_message_id"])
    return None


async def run(stack, workspace, api_key, session) -> dict:
    import httpx

    agent = await asyncio.to_thread(lambda: _rt.agents(workspace, 1)[0])
    cookie = await asyncio.to_thread(_rt.agent_cookie, workspace, agent)
    socket = await _rt.connect(stack, workspace.host, Cookie=cookie, Origin=f"http://{workspace.host}")
    frames = _rt.Frames(socket, frame_key)
    bridge = _rt.Bridge(stack, workspace, session)
    client = httpx.AsyncClient(base_url=stack.web_url, timeout=30,
                               headers={"Host": workspace.host, "Authorization": f"Bearer {api_key}"})
    try:
        planned = [_rt.customer_message(i, tag="team", customers=CONTACTS) for i in range(CONTACTS)]
        for data in planned:
            await bridge.send("message.received", data)
        await frames.wait_for([("new", d["wa_message_id"]) for d in planned], 20)
        rows = (await client.get("/api/v1/chats/", params={"page_size": 100})).json()["results"]
        ids = [row["id"] for row in rows][:CONTACTS]
        latencies, http = [], []
        for index in range(WARMUP + CHANGES):
            contact_id = ids[index % len(ids)]
            round_ = index // len(ids)
            if round_ % 2 == 0:
                body = {"status": "resolved" if (round_ // 2) % 2 == 0 else "open"}
                kind = "status"
            else:
                body = {"assignee_id": agent.pk if (round_ // 2) % 2 == 0 else None}
                kind = "assigned"
            seen = set(frames.at)
            started = time.perf_counter()
            response = await client.patch(f"/api/v1/chats/{contact_id}/", json=body)
            answered = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"PATCH {response.status_code}: {response.text[:200]}")

            def arrived():
                return [k for k in frames.at if k not in seen and k[0] == kind and k[1] == contact_id]

            deadline = time.perf_counter() + 10
            while not arrived() and time.perf_counter() < deadline:
                frames._changed.clear()
                try:
                    await asyncio.wait_for(frames._changed.wait(), 0.5)
                except asyncio.TimeoutError:
                    pass
            keys = arrived()
            if not keys:
                raise RuntimeError(f"no {kind} frame for chat {contact_id}")
            if index >= WARMUP:
                latencies.append(frames.at[keys[0]] - started)
                http.append(answered)
        return {"bench": NAME, "changes": len(latencies), "contacts": len(ids),
                **_rt.latency_figures("", latencies), **_rt.latency_figures("patch_response_", http)}
    finally:
        await client.aclose()
        await bridge.close()
        await frames.close()


def main():
    with _rt.start_world(NAME) as (stack, workspace, api_key, session):
        record = asyncio.run(run(stack, workspace, api_key, session))
    _lib.emit(record)


if __name__ == "__main__":
    main()
