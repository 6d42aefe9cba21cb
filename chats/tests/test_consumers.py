"""The inbox consumer's own logic, without processes: the typing relay's rate limit and its calls
to the bridge (chats/consumers/typing_relay.py), malformed frames, and the Origin rule. The socket end to end (daphne, Redis, the
bridge) is chats/tests/test_integration_realtime.py.
"""

import asyncio
import json
import threading
import time

import pytest

from chats.consumers import inbox, principal, typing_relay
from chats.services import presence
from sessions_wa import bridge
from workspaces.asgi import origin_allowed

CONTACT = 7
SESSION_ID = "ws_x.0001"
WA_ID = "6281100000007@c.us"


class Harness:
    """An InboxConsumer with its socket and channel layer replaced by lists."""

    def __init__(self, monkeypatch, *, bridge_seconds=0.0, contacts=(CONTACT,)):
        self.published: list[tuple[int, str]] = []
        self.sent: list[dict] = []
        self.bridge_calls: list[tuple[str, str]] = []
        self.bridge_in_flight = 0
        self.bridge_max_in_flight = 0
        lock = threading.Lock()

        def relay(*, schema, contact_id, user, state, origin):
            self.published.append((contact_id, state))

        def chat_typing(session_id, chat_id, state):
            with lock:
                self.bridge_in_flight += 1
                self.bridge_max_in_flight = max(self.bridge_max_in_flight, self.bridge_in_flight)
            try:
                time.sleep(bridge_seconds)
                self.bridge_calls.append((chat_id, state))
            finally:
                with lock:
                    self.bridge_in_flight -= 1

        monkeypatch.setattr(presence, "agent_typing_relay", relay)
        monkeypatch.setattr(bridge, "chat_typing", chat_typing)

        async def still_valid(tenant, principal):  # the database's answer: a member, logged in
            return True

        monkeypatch.setattr(inbox, "still_valid", still_valid)
        consumer = inbox.InboxConsumer()
        consumer.tenant = None
        consumer.schema = "ws_x"
        consumer.channel_name = "specific.test!1"
        consumer.principal = {"kind": "user", "user": {"id": 1, "name": "agent@x.test"}}
        consumer.contacts = {c: (f"62811{c:08d}@c.us" if c != CONTACT else WA_ID, SESSION_ID) for c in contacts}
        consumer.typing = typing_relay.TypingRelay(schema="ws_x", user=consumer.principal["user"],
                                                   origin=consumer.channel_name)
        consumer.groups_joined = []

        async def send(text_data=None, bytes_data=None, close=False):
            self.sent.append(json.loads(text_data))

        consumer.send = send
        self.consumer = consumer

    async def typing(self, state, contact_id=CONTACT):
        await self.consumer.receive(text_data=json.dumps({"type": "typing", "contact_id": contact_id, "state": state}))

    async def settled(self):
        """Every trailing relay and bridge call of the consumer is done."""
        while any(r.timer or r.whatsapp_task for r in self.consumer.typing.contacts.values()):
            await asyncio.sleep(0.02)


def test_a_burst_of_alternating_typing_frames_is_rate_limited_and_the_last_state_arrives(monkeypatch):
    harness = Harness(monkeypatch)
    states = ["typing", "paused"] * 25 + ["typing", "paused"]  # 52 frames, every one a change of state

    async def scenario():
        started = time.monotonic()
        for state in states:
            await harness.typing(state)
        burst_seconds = time.monotonic() - started
        await harness.settled()
        return burst_seconds

    burst_seconds = asyncio.run(scenario())

    relayed = [state for _contact, state in harness.published]
    # The burst, then one more per token that came during the burst, then the trailing one.
    assert len(relayed) <= typing_relay.TYPING_BURST + int(burst_seconds * typing_relay.TYPING_RATE) + 1, relayed
    assert relayed[-1] == "paused"  # the trailing edge: the last state is never lost
    assert harness.bridge_calls[-1] == (WA_ID, "paused")
    assert len(harness.bridge_calls) <= len(relayed)
    assert harness.sent == []  # no error frames


def test_the_same_state_again_within_the_throttle_is_not_relayed(monkeypatch):
    harness = Harness(monkeypatch)

    async def scenario():
        for _ in range(5):
            await harness.typing("typing")
        await harness.settled()

    asyncio.run(scenario())

    assert harness.published == [(CONTACT, "typing")]


def test_a_trailing_state_equal_to_the_last_relayed_one_is_not_sent_again(monkeypatch):
    harness = Harness(monkeypatch)

    async def scenario():
        for state in ["typing", "paused", "typing", "paused", "typing"]:
            await harness.typing(state)
        await harness.settled()

    asyncio.run(scenario())

    # typing, paused, typing pass (the burst); paused then typing wait: the last, typing, is shown already.
    assert [s for _c, s in harness.published] == ["typing", "paused", "typing"]


def test_bridge_calls_in_flight_are_capped_per_workspace_and_each_contact_ends_on_its_last_state(monkeypatch):
    contacts = list(range(1, 13))
    harness = Harness(monkeypatch, bridge_seconds=0.1, contacts=contacts)

    async def scenario():
        for state in ["typing", "paused", "typing"]:
            for contact in contacts:
                await harness.typing(state, contact_id=contact)
        await harness.settled()

    asyncio.run(scenario())

    assert harness.bridge_max_in_flight <= typing_relay.TYPING_BRIDGE_CALLS_PER_WORKSPACE
    for contact in contacts:
        wa_id = harness.consumer.contacts[contact][0]
        calls = [state for chat, state in harness.bridge_calls if chat == wa_id]
        assert calls and calls[-1] == "typing", (contact, calls)
        assert len(calls) <= 3


def test_a_bridge_that_fails_costs_the_call_not_the_relay(monkeypatch):
    harness = Harness(monkeypatch)

    def unavailable(*args):
        raise bridge.BridgeUnavailable("down")

    monkeypatch.setattr(bridge, "chat_typing", unavailable)

    async def scenario():
        await harness.typing("typing")
        await harness.settled()
        await harness.typing("paused")
        await harness.settled()

    asyncio.run(scenario())

    assert [s for _c, s in harness.published] == ["typing", "paused"]


@pytest.mark.parametrize("frame", [
    {"type": [], "contact_id": 1},
    {"type": {}},
    {"type": {"a": 1}, "contact_id": 1},
    {"type": ["typing"], "contact_id": CONTACT, "state": "typing"},
])
def test_a_frame_type_that_is_not_a_string_answers_unknown_type(monkeypatch, frame):
    harness = Harness(monkeypatch)

    asyncio.run(harness.consumer.receive(text_data=json.dumps(frame)))

    assert [(f["type"], f["code"], f["seq"]) for f in harness.sent] == [("error", "unknown_type", 0)]


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"type": ' + "[" * 100_000 + "]" * 100_000 + "}"])
def test_json_nested_deeper_than_the_stack_answers_invalid_frame(monkeypatch, text):
    harness = Harness(monkeypatch)

    asyncio.run(harness.consumer.receive(text_data=text))

    assert [(f["type"], f["code"]) for f in harness.sent] == [("error", "invalid_frame")]


def scope(host: str, origin: str | None):
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return {"type": "websocket", "headers": headers}


@pytest.mark.parametrize(("host", "origin", "allowed"), [
    ("acme.localhost:8000", None, True),                            # not a browser (a CRM, a script)
    ("acme.localhost:8000", "http://acme.localhost:8000", True),
    ("acme.localhost:8000", "http://ACME.localhost:5173", True),    # the dev proxy's port
    ("acme.example.com", "https://acme.example.com", True),
    ("acme.localhost:8000", "http://globex.localhost:8000", False),  # another workspace's page
    ("acme.localhost:8000", "http://localhost:8000", False),         # the public host
    ("acme.localhost:8000", "http://evil.test", False),
    ("acme.localhost:8000", "null", False),                          # sandboxed iframe, file: page
    ("acme.localhost:8000", "http://acme.localhost.evil.test", False),
    ("acme.localhost:8000", "", False),
])
def test_origin_must_name_the_host_of_the_socket(host, origin, allowed):
    assert origin_allowed(scope(host, origin)) is allowed


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_socket_reads_an_api_key_whatever_the_case_of_the_bearer_scheme(scheme):
    scope = {"headers": [(b"authorization", f"{scheme} blz_key".encode())], "query_string": b""}

    assert principal.api_key_from_scope(scope) == "blz_key"


def test_a_restricted_agent_gets_chat_hidden_in_place_of_frames_about_another_agents_chat(monkeypatch):
    """"Agents see only their own and unassigned chats": frames about the others' chats arrive as
    chat.hidden with their seq, so the client drops the row and its seq stays continuous."""
    harness = Harness(monkeypatch)
    consumer = harness.consumer
    consumer.viewer_id, consumer.assignees = 1, {}

    async def find(contact_id):
        return ("x@c.us", SESSION_ID, {8: 2, 9: None}.get(contact_id))

    consumer._find_contact = find

    def frame(seq, kind, **payload):
        return {"type": "blazz.event", "text": json.dumps({"type": kind, "seq": seq, **payload})}

    def chat(contact_id, assignee):
        return {"id": contact_id, "assignee": {"id": assignee, "name": "x", "email": "x@x"} if assignee else None}

    async def scenario():
        await consumer.blazz_event(frame(1, "chat.updated", chat=chat(7, 1)))
        await consumer.blazz_event(frame(2, "chat.updated", chat=chat(7, 2)))  # taken away from me
        await consumer.blazz_event(frame(3, "message.new", message={"contact_id": 7}))
        await consumer.blazz_event(frame(4, "message.new", message={"contact_id": 8}))  # read from the db: agent 2
        await consumer.blazz_event(frame(5, "message.status", contact_id=9))  # unassigned
        await consumer.blazz_event(frame(6, "chat.assigned", contact_id=7, assignee=None))  # back in the pool
        await consumer.blazz_event(frame(7, "session.status", session={}))  # about no chat

    asyncio.run(scenario())

    assert [(f["type"], f["seq"]) for f in harness.sent] == [
        ("chat.updated", 1), ("chat.hidden", 2), ("chat.hidden", 3), ("chat.hidden", 4), ("message.status", 5),
        ("chat.assigned", 6), ("session.status", 7)]
    assert harness.sent[1] == {"type": "chat.hidden", "seq": 2, "contact_id": 7}


def test_a_restricted_agent_cannot_subscribe_to_another_agents_chat(monkeypatch):
    harness = Harness(monkeypatch, contacts=())
    harness.consumer.viewer_id = 1

    async def find(contact_id):
        return ("x@c.us", SESSION_ID, 2)

    harness.consumer._find_contact = find
    asyncio.run(harness.consumer.receive(text_data=json.dumps({"type": "subscribe", "contact_id": 8})))

    assert harness.sent[-1]["type"] == "error" and harness.sent[-1]["code"] == "contact_not_found"
    assert harness.consumer.groups_joined == []
