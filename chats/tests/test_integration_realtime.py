"""Real-time with real parts: daphne, Redis, the worker and the bridge as processes, and real
WebSocket clients (Python `websockets`, connecting to 127.0.0.1 with the Host header)."""

import asyncio
import json
import uuid

import pytest
import websockets

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


async def connect(stack, ws, **headers):
    # Python does not resolve *.localhost: the URI names the workspace host (the Host header),
    # the TCP connection goes to 127.0.0.1.
    return await websockets.connect(
        f"ws://{ws.host}:{stack.web_port}/ws/inbox/", host="127.0.0.1",
        additional_headers=headers, open_timeout=10,
    )


async def next_frame(socket, type_, timeout=10, predicate=lambda f: True):
    async def loop():
        while True:
            frame = json.loads(await socket.recv())
            if frame["type"] == type_ and predicate(frame):
                return frame

    return await asyncio.wait_for(loop(), timeout)


def test_customer_message_reaches_the_inbox_as_message_new_and_chat_updated(stack, stack_a):
    async def scenario():
        socket = await connect(stack, stack_a, Authorization=f"Bearer {stack_a.api_key}")
        hello = json.loads(await socket.recv())
        assert hello["type"] == "hello" and isinstance(hello["seq"], int)
        text = f"realtime {uuid.uuid4()}"
        with stack.bridge_http() as bridge:
            bridge.post(f"/sandbox/sessions/{stack_a.session.id}/inbound", json={"from": "6281100000004", "body": text})
        new = await next_frame(socket, "message.new", predicate=lambda f: f["message"]["body"] == text)
        chat = await next_frame(socket, "chat.updated", predicate=lambda f: f["chat"]["last_message"]["body"] == text)
        assert new["seq"] > hello["seq"] and chat["seq"] > new["seq"]
        await socket.close()

    asyncio.run(scenario())
