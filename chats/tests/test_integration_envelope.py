"""The socket speaks the webhooks' envelope: a logged event's flat inbox frame carries its `id`,
`workspace` and `occurred_at`, and a `?format=envelope` socket (a CRM's stream) gets
`{id, type, workspace, seq, occurred_at, data}` itself, live and on resume, equal to what
`GET /api/v1/events/` and the webhooks carry for that seq."""

from __future__ import annotations

import asyncio
import json
import uuid

import websockets

from blazz.dev.realstack import wait_until
from chats.tests.test_integration_realtime import FRAME_TIMEOUT, connect, logged_events, new_phone, sandbox, ws_uri

ENVELOPE = {"id", "type", "workspace", "seq", "occurred_at", "data"}


class EnvelopeSocket:
    def __init__(self, ws):
        self.ws, self.frames = ws, []

    async def next(self, predicate) -> dict:
        """The first frame (read so far or next) matching `predicate`."""
        async def loop():
            for frame in self.frames:
                if predicate(frame):
                    return frame
            while True:
                frame = json.loads(await self.ws.recv())
                self.frames.append(frame)
                if predicate(frame):
                    return frame
        return await asyncio.wait_for(loop(), FRAME_TIMEOUT)


async def envelope_socket(stack, ws, query="?format=envelope") -> EnvelopeSocket:
    socket = await websockets.connect(ws_uri(ws.host, stack.web_port, query), host="127.0.0.1",
                                      additional_headers={"Authorization": f"Bearer {ws.api_key}"},
                                      open_timeout=FRAME_TIMEOUT, max_size=2**22)
    return EnvelopeSocket(socket)


def body_is(text):
    return lambda frame: frame["type"] == "message.new" and frame["data"]["message"]["body"] == text


def test_an_envelope_socket_gets_the_logged_envelope_live_and_on_resume_and_the_flat_frame_its_id(stack, stack_a):
    phone, tag = new_phone(), uuid.uuid4().hex[:8]

    async def scenario():
        crm = await envelope_socket(stack, stack_a)
        flat = await connect(stack, stack_a.host, name="flat", api_key=stack_a.api_key)
        hello = await crm.next(lambda f: f["type"] == "hello")
        assert set(hello) == ENVELOPE and hello["id"] is None and hello["workspace"] == stack_a.schema
        assert hello["data"]["user"]["name"].startswith("api-key:")

        sandbox(stack, stack_a, "inbound", **{"from": phone, "body": f"{tag} live"})
        live = await crm.next(body_is(f"{tag} live"))
        assert set(live) == ENVELOPE and live["id"].startswith("evt_") and live["workspace"] == stack_a.schema
        logged = {e["seq"]: e for e in await asyncio.to_thread(logged_events, stack_a, live["seq"] - 1)}
        assert live == logged[live["seq"]]  # frame for frame what REST (and the webhooks) carry
        as_flat = await flat.wait("message.new", lambda f: f["seq"] == live["seq"])
        assert (as_flat["id"], as_flat["workspace"], as_flat["occurred_at"]) == (live["id"], live["workspace"],
                                                                                 live["occurred_at"])
        assert as_flat["message"] == live["data"]["message"]
        await crm.ws.close()
        await flat.close()

        for n in range(2):  # while the CRM is away
            sandbox(stack, stack_a, "inbound", **{"from": phone, "body": f"{tag} missed {n}"})
        await asyncio.to_thread(wait_until, lambda: any(
            e["type"] == "message.new" and e["data"]["message"]["body"] == f"{tag} missed 1"
            for e in logged_events(stack_a, live["seq"])), FRAME_TIMEOUT, 0.1, "the missed messages in the log")

        again = await envelope_socket(stack, stack_a, f"?format=envelope&after_seq={live['seq']}")
        missed = await again.next(body_is(f"{tag} missed 1"))
        logged = {e["seq"]: e for e in await asyncio.to_thread(logged_events, stack_a, live["seq"])}
        replayed = [f for f in again.frames if f["id"] is not None]
        assert [f["seq"] for f in replayed] == list(range(live["seq"] + 1, missed["seq"] + 1))
        assert replayed == [logged[f["seq"]] for f in replayed]
        await again.ws.close()

    asyncio.run(scenario())
