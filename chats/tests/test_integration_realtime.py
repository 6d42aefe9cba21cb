"""Real-time with real parts: daphne, Redis, the worker and the bridge as processes, and real
WebSocket clients (Python `websockets`, connecting to 127.0.0.1 with the Host header).

Every frame any socket receives is checked against the catalogue (exactly FRAME_FIELDS, with the
declared types), and the last test checks that every catalogue event was seen. "Never receives"
is proved without sleeping: a barrier frame is published to every workspace's inbox after the
event under test reached its recipients; frames reach a socket in publish order, so a socket that
has the barrier and not the event will never get it.
"""

import asyncio
import itertools
import json
import types
import uuid

import pytest
import websockets
from django.db import connection
from django_tenants.utils import schema_context

from blazz.core import events, publisher
from blazz.dev.realstack import wait_until
from conftest import PASSWORD, SANDBOX_TEST_OPTIONS

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

FRAME_TIMEOUT = 15
# Contact ids no workspace has: the barrier frames' (a typing "paused" that changes nothing).
BARRIER_CONTACT_BASE = 2**62
_barriers = itertools.count(1)
# A frame type the consumer does not know: its error answer tells that the frames sent before it
# have been handled (the consumer handles a socket's frames one after another).
SYNC_TYPE = "sync-"
# Every frame type some socket of this module received (barriers excluded): the last test wants all.
RECEIVED_TYPES: set[str] = set()
FRAME_PROBLEMS: list[str] = []

ADVANCING = set(events.ADVANCING)
frame_problems = events.frame_problems  # the catalogue's schema, at every depth


def is_barrier(frame) -> bool:
    """The test's own frames: barriers, and the answers to sync frames."""
    if frame["type"] == "typing":
        return frame["contact_id"] >= BARRIER_CONTACT_BASE
    return frame["type"] == "error" and f"'{SYNC_TYPE}" in frame["message"]


class Socket:
    """A WebSocket client that reads in the background and keeps every frame it got."""

    def __init__(self, ws, name: str):
        self.ws = ws
        self.name = name
        self.frames: list[dict] = []
        self.close_code = None
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self):
        try:
            async for text in self.ws:
                frame = json.loads(text)
                FRAME_PROBLEMS.extend(f"{self.name}: {p}" for p in frame_problems(frame))
                if not is_barrier(frame):
                    RECEIVED_TYPES.add(frame["type"])
                self.frames.append(frame)
                self._wake()
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            self._wake()

    def _wake(self):
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def got(self, kind=None, predicate=lambda f: True, barriers=False) -> list[dict]:
        return [f for f in self.frames if (kind is None or f["type"] == kind) and (barriers or not is_barrier(f))
                and predicate(f)]

    async def wait(self, kind, predicate=lambda f: True, timeout=FRAME_TIMEOUT, barriers=False) -> dict:
        """The first frame of this kind matching `predicate`, once it is here."""
        return (await self.wait_many(kind, predicate, 1, timeout, barriers))[0]

    async def wait_many(self, kind, predicate=lambda f: True, count=1, timeout=FRAME_TIMEOUT, barriers=False):
        """The first `count` frames of this kind matching `predicate`."""

        async def loop():
            while True:
                found = self.got(kind, predicate, barriers)
                if len(found) >= count:
                    return found[:count]
                if self._reader.done():
                    raise AssertionError(f"{self.name} closed ({self.close_code}) waiting for {kind}")
                await self._changed.wait()

        try:
            return await asyncio.wait_for(loop(), timeout)
        except TimeoutError:
            tail = [f["type"] for f in self.frames[-12:]]
            raise AssertionError(f"{self.name}: no {count} x {kind} in {timeout}s; last frames: {tail}") from None

    async def send(self, data):
        await self.ws.send(data if isinstance(data, (str, bytes)) else json.dumps(data))

    async def sync(self):
        """Return once the server has handled every frame this socket sent before."""
        token = f"{SYNC_TYPE}{next(_barriers)}"
        await self.send({"type": token})
        await self.wait("error", lambda f: f"'{token}'" in f["message"], barriers=True)

    async def subscribe(self, contact_id: int):
        """A subscribe has no answer (an error if it fails): sync, so the contact's events that
        are published from now on reach this socket."""
        await self.send({"type": "subscribe", "contact_id": contact_id})
        await self.sync()

    def stream(self) -> list[dict]:
        """Everything after the hello (barriers excluded)."""
        return self.got(predicate=lambda f: f["type"] != "hello")

    @property
    def hello(self) -> dict:
        return self.frames[0]

    async def close(self):
        await self.ws.close()
        await self._reader


def ws_uri(host: str, port: int, query: str = "") -> str:
    # Python does not resolve *.localhost: the URI names the workspace host (the Host header),
    # the TCP connection goes to 127.0.0.1.
    return f"ws://{host}:{port}/ws/inbox/{query}"


async def open_socket(stack, host: str, *, name: str, cookie=None, api_key=None, query="", origin=None):
    headers = {}
    if cookie:
        headers["Cookie"] = cookie
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    if origin:
        headers["Origin"] = origin  # what a browser sends: the page's scheme://host:port
    ws = await websockets.connect(ws_uri(host, stack.web_port, query), host="127.0.0.1", additional_headers=headers,
                                  open_timeout=FRAME_TIMEOUT, max_size=2**22)
    return Socket(ws, name)


async def connect(stack, host: str, *, name: str, **credentials) -> Socket:
    """An accepted socket, after its hello."""
    socket = await open_socket(stack, host, name=name, **credentials)
    await socket.wait("hello")
    assert socket.frames[0]["type"] == "hello", f"{name}: the first frame is the hello"
    return socket


async def refused(stack, host: str, **credentials) -> int:
    """The close code of a socket the server refuses (accepted, then closed with no frame)."""
    socket = await open_socket(stack, host, name="refused", **credentials)
    await asyncio.wait_for(socket._reader, FRAME_TIMEOUT)
    assert socket.frames == [], "a refused socket gets no frame"
    return socket.close_code


async def barrier(sockets, *workspaces):
    """Return once every socket has a frame published now: whatever was published before it has
    reached these sockets by then (one Redis connection per daphne, frames in publish order)."""
    contact_id = BARRIER_CONTACT_BASE + next(_barriers)
    for ws in workspaces:
        await asyncio.to_thread(publisher.publish_on_commit, ws.schema,
                                events.Typing(contact_id=contact_id, sender="contact", user=None, state="paused"))
    await asyncio.gather(*(s.wait("typing", lambda f: f["contact_id"] == contact_id, barriers=True) for s in sockets))


def run(scenario):
    """Run an async scenario; then no frame may have broken the catalogue's schema."""
    FRAME_PROBLEMS.clear()
    asyncio.run(scenario())
    assert FRAME_PROBLEMS == []


def advancing_seqs_are_contiguous(socket: Socket):
    """Every frame that advances seq reaches every socket of the workspace: no gaps, no repeats."""
    start = socket.hello["seq"]
    # A frame published while the socket was connecting may come after the hello, carrying a seq
    # the hello already counted: a client skips those as duplicates.
    seqs = [f["seq"] for f in socket.frames if f["type"] in ADVANCING and f["seq"] > start]
    assert seqs == list(range(start + 1, start + 1 + len(seqs))), f"{socket.name}: seqs {seqs} after {start}"


# --- the world of this module -------------------------------------------------------------------------------


_phones = itertools.count(1)


def new_phone() -> str:
    """A customer number no other test uses."""
    return f"62811055{next(_phones):05d}"


def login(stack, ws, email: str, password: str = PASSWORD) -> str:
    """Log in through the workspace host's login page; returns the Cookie header of the session."""
    with stack.http(ws.host) as client:
        assert client.get("/login/").status_code == 200
        token = client.cookies["blazz_csrftoken"]
        response = client.post("/login/", data={"email": email, "password": password, "csrfmiddlewaretoken": token})
        assert response.status_code == 302, response.text[:300]
        return f"blazz_session={client.cookies['blazz_session']}"


def committed(fn):
    """Run `fn` on a database connection of its own, outside the test's transaction, so that the
    stack's processes see what it writes."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def run():
        try:
            connection.set_schema_to_public()
            return fn()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def member(ws, email: str):
    from workspaces import services
    from workspaces.models import Membership, Role

    def create():
        user = services.user_get_or_create(email=email, password=PASSWORD)
        Membership.objects.get_or_create(user=user, workspace=ws.workspace, defaults={"role": Role.AGENT})
        return user

    return committed(create)


@pytest.fixture(scope="module")
def people(stack, stack_a, stack_b):
    """Two agents of A and a member of B, logged in on their own hosts through the login page."""
    agent1 = member(stack_a, "rt-agent1@stacka.test")
    agent2 = member(stack_a, "rt-agent2@stacka.test")
    member_b = member(stack_b, "rt-member@stackb.test")
    return types.SimpleNamespace(
        agent1=agent1, agent2=agent2, member_b=member_b,
        cookie1=login(stack, stack_a, agent1.email), cookie2=login(stack, stack_a, agent2.email),
        cookie_b=login(stack, stack_b, member_b.email),
    )


def new_contact(ws, phone=None) -> dict:
    with ws.api() as api:
        response = api.post("/api/v1/contacts/", json={"phone": phone or new_phone()})
        assert response.status_code in (200, 201), response.text
        return response.json()


def sandbox(stack, ws, route: str, **body) -> dict:
    with stack.bridge_http() as bridge:
        response = bridge.post(f"/sandbox/sessions/{ws.session.id}/{route}", json=body)
        assert response.status_code < 300, response.text
        return response.json()


def chat_row(ws, contact: dict) -> dict | None:
    with ws.api() as api:
        rows = api.get("/api/v1/chats/", params={"q": contact["phone"].lstrip("+")}).json()["results"]
    return next((row for row in rows if row["id"] == contact["id"]), None)


def thread(ws, contact_id: int) -> dict[int, dict]:
    with ws.api() as api:
        page = api.get(f"/api/v1/contacts/{contact_id}/messages/", params={"page_size": 100}).json()
    assert page["next"] is None
    return {m["id"]: m for m in page["results"]}


def api_send(ws, contact_id: int, body: str) -> dict:
    with ws.api() as api:
        response = api.post(f"/api/v1/contacts/{contact_id}/messages/",
                            json={"client_id": f"c-{uuid.uuid4()}", "type": "text", "body": body})
    assert response.status_code == 201, response.text
    return response.json()


def about(contact_id: int):
    """Frames about one contact, whatever their shape."""

    def match(frame):
        if frame["type"] in ("message.new", "message.updated"):
            return frame["message"]["contact_id"] == contact_id
        if frame["type"] == "chat.updated":
            return frame["chat"]["id"] == contact_id
        return frame.get("contact_id") == contact_id

    return match


# --- who may connect ------------------------------------------------------------------------------------------


def test_an_agent_socket_authenticates_with_the_session_of_its_login(stack, stack_a, people):
    async def scenario():
        socket = await connect(stack, stack_a.host, name="agent", cookie=people.cookie1)

        assert socket.hello["user"] == {"id": people.agent1.pk, "name": people.agent1.email}
        assert 0 <= socket.hello["seq"] <= await publisher.current_seq_async(stack_a.schema)
        await socket.close()

    run(scenario)


def test_a_crm_socket_authenticates_with_the_api_key_in_the_header_or_the_query(stack, stack_a):
    async def scenario():
        by_header = await connect(stack, stack_a.host, name="header", api_key=stack_a.api_key)
        by_query = await connect(stack, stack_a.host, name="query", query=f"?api_key={stack_a.api_key}")

        for socket in (by_header, by_query):
            assert socket.hello["user"]["id"] is None
            assert socket.hello["user"]["name"].startswith("api-key:")
            assert stack_a.api_key.startswith(socket.hello["user"]["name"].removeprefix("api-key:"))
        await asyncio.gather(by_header.close(), by_query.close())

    run(scenario)


def test_sockets_without_a_valid_member_are_closed_with_a_code(stack, stack_a, stack_b, people):
    from workspaces.models import Membership

    leaver = member(stack_a, "rt-leaver@stacka.test")  # a fixed name: the password check wants it unlike the password
    leaver_cookie = login(stack, stack_a, leaver.email)
    committed(lambda: Membership.objects.filter(user=leaver, workspace=stack_a.workspace).delete())

    async def scenario():
        codes = await asyncio.gather(
            refused(stack, stack_a.host),                                  # no credentials
            refused(stack, stack_a.host, cookie=people.cookie_b),          # B's member, B's login, A's host
            refused(stack, stack_a.host, api_key="blz_not-a-key"),
            refused(stack, stack_a.host, api_key=stack_b.api_key),        # B's key on A's host
            refused(stack, stack_a.host, query=f"?api_key={stack_b.api_key}"),
            refused(stack, stack_a.host, cookie=leaver_cookie),            # logged in on A, no longer a member
        )
        assert codes == [4401, 4401, 4401, 4401, 4401, 4403]

    run(scenario)


def test_a_cookie_socket_from_a_page_of_another_host_is_refused(stack, stack_a, stack_b, people):
    own_page = f"http://{stack_a.host}:{stack.web_port}"

    async def scenario():
        codes = await asyncio.gather(
            # A page on B's host (or any site) opening A's socket with A's member's cookie.
            refused(stack, stack_a.host, cookie=people.cookie1, origin=f"http://{stack_b.host}:{stack.web_port}"),
            refused(stack, stack_a.host, cookie=people.cookie1, origin=f"http://localhost:{stack.web_port}"),
            refused(stack, stack_a.host, cookie=people.cookie1, origin="https://evil.test"),
            refused(stack, stack_a.host, cookie=people.cookie1, origin="null"),
        )
        assert codes == [4403, 4403, 4403, 4403]
        from_own_page = await connect(stack, stack_a.host, name="own-page", cookie=people.cookie1, origin=own_page)
        no_origin = await connect(stack, stack_a.host, name="no-origin", cookie=people.cookie1)
        # An API key is a credential the page had to hold: a CRM's page elsewhere may use it.
        crm_page = await connect(stack, stack_a.host, name="crm-page", query=f"?api_key={stack_a.api_key}",
                                 origin="https://crm.example")
        for socket in (from_own_page, no_origin):
            assert socket.hello["user"]["id"] == people.agent1.pk
        await asyncio.gather(from_own_page.close(), no_origin.close(), crm_page.close())

    run(scenario)


def test_unknown_and_public_hosts_are_refused(stack, stack_a):
    async def scenario():
        codes = await asyncio.gather(
            refused(stack, "nowhere.localhost", api_key=stack_a.api_key),
            refused(stack, "localhost", api_key=stack_a.api_key),
            refused(stack, "127.0.0.1", api_key=stack_a.api_key),
        )
        assert codes == [4404, 4404, 4404]

    run(scenario)


def test_a_suspended_workspace_refuses_sockets_until_resumed(stack, stack_c):
    from workspaces.models import Workspace

    def suspended(value: bool):
        # The flag the socket middleware reads (the suspend command also stops the sessions,
        # which test_integration_failures.py covers).
        committed(lambda: Workspace.objects.filter(pk=stack_c.workspace.pk).update(is_suspended=value))

    async def scenario():
        suspended(True)
        try:
            assert await refused(stack, stack_c.host, api_key=stack_c.api_key) == 4403
        finally:
            suspended(False)
        socket = await connect(stack, stack_c.host, name="resumed", api_key=stack_c.api_key)
        await socket.close()

    run(scenario)


def test_ping_carries_the_current_seq(stack_a, monkeypatch):
    # Pings come every 20 s, too slow for a test: this one runs the ASGI app in-process (the same
    # routing, middleware and consumer, the real Redis and database) with a short interval.
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.db import connections

    from blazz.asgi import application
    from chats.consumers import inbox

    monkeypatch.setattr(inbox, "PING_SECONDS", 0.05)

    async def scenario():
        communicator = WebsocketCommunicator(application, f"/ws/inbox/?api_key={stack_a.api_key}",
                                             headers=[(b"host", stack_a.host.encode())])
        connected, _ = await communicator.connect(timeout=FRAME_TIMEOUT)
        assert connected
        frames = []
        while len([f for f in frames if f["type"] == "ping"]) < 2:
            frames.append(json.loads(await communicator.receive_from(timeout=FRAME_TIMEOUT)))
        await communicator.disconnect()
        # The in-process socket path keeps its thread's database connection (workspaces/asgi.py):
        # close it, or the test database cannot be dropped at the end.
        await sync_to_async(connections.close_all)()
        for frame in frames:
            FRAME_PROBLEMS.extend(frame_problems(frame))
            RECEIVED_TYPES.add(frame["type"])
        ping = next(f for f in frames if f["type"] == "ping")
        assert ping == {"type": "ping", "seq": ping["seq"]} and ping["seq"] <= publisher.current_seq(stack_a.schema)

    run(scenario)


# --- what reaches the inbox -------------------------------------------------------------------------------------


def test_customer_message_reaches_the_inbox_as_message_new_and_chat_updated(stack, stack_a, people):
    phone = new_phone()

    async def scenario():
        agent = await connect(stack, stack_a.host, name="agent", cookie=people.cookie1)
        crm = await connect(stack, stack_a.host, name="crm", api_key=stack_a.api_key)
        text = f"realtime {uuid.uuid4()}"

        sandbox(stack, stack_a, "inbound", **{"from": phone, "body": text})

        for socket in (agent, crm):
            new = await socket.wait("message.new", lambda f: f["message"]["body"] == text)
            chat = await socket.wait("chat.updated", lambda f: f["chat"]["last_message"]["id"] == new["message"]["id"])
            assert new["message"]["direction"] == "in" and new["message"]["status"] == "delivered"
            assert chat["chat"]["phone"] == f"+{phone}" and chat["chat"]["unread_count"] == 1
            assert socket.hello["seq"] < new["seq"] < chat["seq"]
        assert agent.got("message.new", lambda f: f["message"]["body"] == text) == \
            crm.got("message.new", lambda f: f["message"]["body"] == text)  # the same frame, once each
        await asyncio.gather(agent.close(), crm.close())

    run(scenario)


def test_an_api_send_moves_through_sent_delivered_read_in_order(stack, stack_a, people):
    contact = new_contact(stack_a)

    async def scenario():
        agent = await connect(stack, stack_a.host, name="agent", cookie=people.cookie1)

        message = await asyncio.to_thread(api_send, stack_a, contact["id"], "tick tock")
        new = await agent.wait("message.new", lambda f: f["message"]["id"] == message["id"])
        await agent.wait("message.status", lambda f: f["message_id"] == message["id"] and f["status"] == "read")
        await agent.wait("chat.updated", lambda f: f["chat"]["id"] == contact["id"]
                         and f["chat"]["last_message"]["status"] == "read")

        assert new["message"]["status"] == "pending" and new["message"]["client_id"] == message["client_id"]
        statuses = agent.got("message.status", lambda f: f["message_id"] == message["id"])
        assert [f["status"] for f in statuses] == ["sent", "delivered", "read"]
        assert [f["seq"] for f in statuses] == sorted({f["seq"] for f in statuses}) and statuses[0]["seq"] > new["seq"]
        assert [f["at"] for f in statuses] == sorted(f["at"] for f in statuses)
        received = stack.customer(stack_a.session.id, contact["phone"])["received"]
        wa_id = next(m["wa_message_id"] for m in received if m["client_id"] == message["client_id"])
        assert {f["wa_message_id"] for f in statuses} == {wa_id}
        assert {(f["contact_id"], f["client_id"]) for f in statuses} == {(contact["id"], message["client_id"])}
        # The chat list row follows the ticks, never backwards.
        rows = agent.got("chat.updated", lambda f: f["chat"]["id"] == contact["id"])
        rank = ["pending", "sent", "delivered", "read"]
        shown = [rank.index(r["chat"]["last_message"]["status"]) for r in rows]
        assert shown == sorted(shown) and shown[-1] == 3
        await agent.close()

    run(scenario)


def test_a_message_typed_on_the_phone_reaches_every_inbox_with_its_ticks(stack, stack_a, people):
    contact = new_contact(stack_a)

    async def scenario():
        agents = [await connect(stack, stack_a.host, name=f"agent{i}", cookie=cookie)
                  for i, cookie in enumerate((people.cookie1, people.cookie2))]
        crm = await connect(stack, stack_a.host, name="crm", api_key=stack_a.api_key)
        text = f"typed on the phone {uuid.uuid4()}"

        sent = sandbox(stack, stack_a, "phone-message", to=contact["phone"].lstrip("+"), body=text)

        for socket in (*agents, crm):
            new = await socket.wait("message.new", lambda f: f["message"]["body"] == text)
            message = new["message"]
            assert message["contact_id"] == contact["id"] and message["direction"] == "out"
            assert message["wa_message_id"] == sent["wa_message_id"] and message["client_id"] in (None, "")
            await socket.wait("message.status", lambda f: f["message_id"] == message["id"] and f["status"] == "read")
            await socket.wait("chat.updated", lambda f: f["chat"]["id"] == contact["id"]
                              and f["chat"]["last_message"]["id"] == message["id"])
        stored = thread(stack_a, contact["id"])
        assert [m["body"] for m in stored.values()].count(text) == 1
        await asyncio.gather(*(socket.close() for socket in (*agents, crm)))

    run(scenario)


def test_customer_typing_and_presence_reach_the_inbox(stack, stack_a, stack_b, people):
    contact = new_contact(stack_a)
    phone = contact["phone"].lstrip("+")

    async def scenario():
        viewer = await connect(stack, stack_a.host, name="viewer", cookie=people.cookie1)
        other = await connect(stack, stack_a.host, name="other", cookie=people.cookie2)
        b = await connect(stack, stack_b.host, name="b", cookie=people.cookie_b)
        await viewer.subscribe(contact["id"])

        sandbox(stack, stack_a, "typing", **{"from": phone, "state": "typing"})
        for socket in (viewer, other):
            typing = await socket.wait("typing", about(contact["id"]))
            assert typing["from"] == "contact" and typing["user"] is None and typing["state"] == "typing"
            assert typing["expires_in"] == events.TYPING_EXPIRES_SECONDS  # a lost "paused" clears itself
        sandbox(stack, stack_a, "typing", **{"from": phone, "state": "paused"})
        await other.wait("typing", lambda f: about(contact["id"])(f) and f["state"] == "paused")

        sandbox(stack, stack_a, "presence", **{"from": phone, "online": True})
        online = await viewer.wait("presence", about(contact["id"]))
        sandbox(stack, stack_a, "presence", **{"from": phone, "online": False})
        offline = await viewer.wait("presence", lambda f: about(contact["id"])(f) and not f["online"])
        await barrier([viewer, other, b], stack_a, stack_b)

        assert online["online"] is True and online["last_seen"] is None
        assert offline["last_seen"] is not None
        assert other.got("presence", about(contact["id"]))  # the chat list's green dot
        assert b.stream() == []
        for socket in (viewer, other):
            advancing_seqs_are_contiguous(socket)
        with stack_a.api() as api:
            stored = api.get(f"/api/v1/contacts/{contact['id']}/").json()
        assert (stored["online"], stored["last_seen"]) == (False, offline["last_seen"])
        await asyncio.gather(viewer.close(), other.close(), b.close())

    run(scenario)


def test_agent_typing_reaches_the_other_viewers_and_the_customer_not_the_sender(stack, stack_a, stack_b, people):
    contact = new_contact(stack_a)
    phone = contact["phone"].lstrip("+")

    def customer_saw(states):
        return [t["state"] for t in stack.customer(stack_a.session.id, phone)["agent_typing"]] == states

    async def scenario():
        sender = await connect(stack, stack_a.host, name="sender", cookie=people.cookie1)
        viewer = await connect(stack, stack_a.host, name="viewer", cookie=people.cookie2)
        other_tab = await connect(stack, stack_a.host, name="other-tab", cookie=people.cookie2)
        crm = await connect(stack, stack_a.host, name="crm", api_key=stack_a.api_key)
        b = await connect(stack, stack_b.host, name="b", cookie=people.cookie_b)
        await sender.subscribe(contact["id"])
        await viewer.subscribe(contact["id"])

        await sender.send({"type": "typing", "contact_id": contact["id"], "state": "typing"})
        await sender.send({"type": "typing", "contact_id": contact["id"], "state": "typing"})  # throttled
        for socket in (viewer, crm):
            typing = await socket.wait("typing", about(contact["id"]))
            assert typing["from"] == "agent" and typing["state"] == "typing"
            assert typing["user"] == {"id": people.agent1.pk, "name": people.agent1.email}
        await asyncio.to_thread(wait_until, lambda: customer_saw(["typing"]), FRAME_TIMEOUT, 0.05,
                                "the sandbox customer to see the agent typing")
        await sender.send({"type": "typing", "contact_id": contact["id"], "state": "paused"})  # a change passes
        await viewer.wait("typing", lambda f: about(contact["id"])(f) and f["state"] == "paused")
        await asyncio.to_thread(wait_until, lambda: customer_saw(["typing", "paused"]), FRAME_TIMEOUT, 0.05,
                                "the sandbox customer to see the agent pause")
        await barrier([sender, viewer, other_tab, crm, b], stack_a, stack_b)

        assert [f["state"] for f in viewer.got("typing", about(contact["id"]))] == ["typing", "paused"]
        assert [f["state"] for f in crm.got("typing", about(contact["id"]))] == ["typing", "paused"]
        assert sender.got("typing") == []  # not echoed to its sender
        assert other_tab.got("typing") == []  # not viewing that contact
        assert b.stream() == []
        await asyncio.gather(*(s.close() for s in (sender, viewer, other_tab, crm, b)))

    run(scenario)


def test_a_burst_of_alternating_agent_typing_is_rate_limited_and_ends_on_its_last_state(stack, stack_a, people):
    from chats.consumers.typing_relay import TYPING_BURST, TYPING_RATE

    contact = new_contact(stack_a)
    phone = contact["phone"].lstrip("+")
    states = ["typing", "paused"] * 30  # 60 frames, each a change of state: each used to be relayed

    def customer_states():
        return [t["state"] for t in stack.customer(stack_a.session.id, phone)["agent_typing"]]

    async def scenario():
        sender = await connect(stack, stack_a.host, name="burst-sender", cookie=people.cookie1)
        viewer = await connect(stack, stack_a.host, name="burst-viewer", cookie=people.cookie2)
        await sender.subscribe(contact["id"])
        await viewer.subscribe(contact["id"])
        loop = asyncio.get_running_loop()
        started = loop.time()

        for state in states:
            await sender.send({"type": "typing", "contact_id": contact["id"], "state": state})
        await sender.sync()
        burst_seconds = loop.time() - started

        def ended_paused(_frame):
            relayed = viewer.got("typing", about(contact["id"]))
            return len(relayed) > TYPING_BURST and relayed[-1]["state"] == "paused"

        # The trailing edge: the last state reaches the viewer and the customer after the window.
        # Once "paused" is the last relayed state, a "paused" still waiting is a repeat, never sent.
        await viewer.wait("typing", ended_paused)
        await asyncio.to_thread(wait_until, lambda: customer_states()[-1:] == ["paused"], FRAME_TIMEOUT, 0.05,
                                "the sandbox customer to see the last state")
        await barrier([sender, viewer], stack_a)
        relayed = [f["state"] for f in viewer.got("typing", about(contact["id"]))]
        bound = TYPING_BURST + int(burst_seconds * TYPING_RATE) + 1  # the burst, the tokens since, the trailing one
        assert len(relayed) <= bound, (relayed, burst_seconds)
        assert relayed[-1] == "paused"
        assert len(customer_states()) <= bound and customer_states()[-1] == "paused"
        assert sender.got("error") == []
        await asyncio.gather(sender.close(), viewer.close())

    run(scenario)


def test_a_read_frame_clears_unread_on_every_inbox_and_sends_the_receipt(stack, stack_a, people):
    phone = new_phone()

    async def scenario():
        reader = await connect(stack, stack_a.host, name="reader", cookie=people.cookie1)
        other = await connect(stack, stack_a.host, name="other", cookie=people.cookie2)
        for n in (1, 2):
            sandbox(stack, stack_a, "inbound", **{"from": phone, "body": f"unread {n}"})
        row = await other.wait("chat.updated", lambda f: f["chat"]["phone"] == f"+{phone}"
                               and f["chat"]["unread_count"] == 2)
        contact_id = row["chat"]["id"]

        await reader.send({"type": "read", "contact_id": contact_id})
        for socket in (reader, other):
            await socket.wait("chat.updated", lambda f: f["chat"]["id"] == contact_id and f["chat"]["unread_count"] == 0)
            read = await socket.wait_many("message.status", lambda f: about(contact_id)(f) and f["status"] == "read",
                                          count=2)
            assert {f["message_id"] for f in read} == {m["id"] for m in thread(stack_a, contact_id).values()}

        assert chat_row(stack_a, {"id": contact_id, "phone": f"+{phone}"})["unread_count"] == 0
        await asyncio.to_thread(wait_until, lambda: stack.customer(stack_a.session.id, phone)["seen_at"],
                                FRAME_TIMEOUT, 0.05, "the read receipt at the customer")
        await asyncio.gather(reader.close(), other.close())

    run(scenario)


def test_session_status_reaches_the_inbox_with_the_qr_while_scanning(stack, stack_a, stack_b, people):
    async def scenario():
        agent = await connect(stack, stack_a.host, name="agent", cookie=people.cookie1)
        b = await connect(stack, stack_b.host, name="b", api_key=stack_b.api_key)

        with stack_a.admin() as api:
            # A QR that does not scan itself: the number waits for a scan, then is logged out.
            created = api.post("/api/v1/sessions/", json={
                "engine": "sandbox", "name": "realtime qr", "options": {**SANDBOX_TEST_OPTIONS,
                                                                        "qr_scan_delay_ms": 600000}}).json()
            # The bridge says "qr" (session.status) just before the QR itself (session.qr), and the
            # API's own answer carries both: a frame without the picture may come first.
            qr = await agent.wait("session.status", lambda f: f["session"]["id"] == created["id"]
                                  and f["session"]["status"] == "qr" and f["session"]["qr"])
            assert qr["session"]["qr"].startswith("data:image/png;base64,")
            assert api.delete(f"/api/v1/sessions/{created['id']}/").status_code == 200
        gone = await agent.wait("session.status", lambda f: f["session"]["id"] == created["id"]
                                and f["session"]["status"] == "logged_out")
        await barrier([agent, b], stack_a, stack_b)

        assert gone["session"]["qr"] is None and gone["seq"] > qr["seq"]
        assert b.stream() == []
        await asyncio.gather(agent.close(), b.close())

    run(scenario)


# --- isolation: exact recipients ----------------------------------------------------------------------------------


def test_each_event_reaches_exactly_its_recipients_and_never_another_workspace(stack, stack_a, stack_b, people):
    from chats.models import Contact

    contact_b = new_contact(stack_b)
    contact = new_contact(stack_a)
    # Workspaces number their contacts independently: take an id of A's that B does not have.
    with schema_context(stack_b.schema):
        while Contact.objects.filter(pk=contact["id"]).exists():
            contact = new_contact(stack_a)
    phone = contact["phone"].lstrip("+")

    async def scenario():
        viewer = await connect(stack, stack_a.host, name="viewer", cookie=people.cookie1)
        sender = await connect(stack, stack_a.host, name="typing-sender", cookie=people.cookie2)
        inbox = await connect(stack, stack_a.host, name="inbox-only", cookie=people.cookie2)
        crm = await connect(stack, stack_a.host, name="crm", api_key=stack_a.api_key)
        b_agent = await connect(stack, stack_b.host, name="b-agent", cookie=people.cookie_b)
        b_crm = await connect(stack, stack_b.host, name="b-crm", query=f"?api_key={stack_b.api_key}")
        a_sockets = [viewer, sender, inbox, crm]
        b_sockets = [b_agent, b_crm]
        await viewer.subscribe(contact["id"])
        await sender.subscribe(contact["id"])
        await b_agent.subscribe(contact["id"])  # A's contact from B's socket: refused
        refusal = await b_agent.wait("error")
        assert (refusal["code"], refusal["seq"]) == ("contact_not_found", 0)
        await barrier(a_sockets + b_sockets, stack_a, stack_b)

        # Every kind of event about the contact, each waited for on one recipient.
        sandbox(stack, stack_a, "presence", **{"from": phone, "online": True})
        await crm.wait("presence", about(contact["id"]))
        text = f"isolation {uuid.uuid4()}"
        inbound = sandbox(stack, stack_a, "inbound", **{"from": phone, "body": text})
        incoming = (await crm.wait("message.new", lambda f: f["message"]["body"] == text))["message"]
        reply = await asyncio.to_thread(api_send, stack_a, contact["id"], "a reply")
        read = await crm.wait("message.status", lambda f: f["message_id"] == reply["id"] and f["status"] == "read")
        sandbox(stack, stack_a, "reactions", **{"from": phone, "wa_message_id": read["wa_message_id"], "emoji": "👍"})
        await crm.wait("message.reaction", about(contact["id"]))
        sandbox(stack, stack_a, "edit", **{"from": phone, "wa_message_id": inbound["wa_message_id"], "body": "edited"})
        await crm.wait("message.updated", lambda f: f["message"]["id"] == incoming["id"])
        sandbox(stack, stack_a, "revoke", **{"from": phone, "wa_message_id": inbound["wa_message_id"]})
        await crm.wait("message.revoked", about(contact["id"]))
        sandbox(stack, stack_a, "typing", **{"from": phone, "state": "typing"})
        await crm.wait("typing", lambda f: about(contact["id"])(f) and f["from"] == "contact")
        await sender.send({"type": "typing", "contact_id": contact["id"], "state": "recording"})
        await crm.wait("typing", lambda f: about(contact["id"])(f) and f["from"] == "agent")
        # And one of B's own events, which no socket of A may see.
        text_b = f"b only {uuid.uuid4()}"
        sandbox(stack, stack_b, "inbound", **{"from": contact_b["phone"].lstrip("+"), "body": text_b})
        await b_crm.wait("message.new", lambda f: f["message"]["body"] == text_b)
        await b_crm.wait("chat.updated", lambda f: f["chat"]["last_message"]["body"] == text_b)
        await barrier(a_sockets + b_sockets, stack_a, stack_b)

        def receivers(kind, predicate=lambda f: True):
            return {s.name for s in a_sockets + b_sockets if s.got(kind, lambda f: about(contact["id"])(f)
                                                                        and predicate(f))}

        everyone_of_a = {"viewer", "typing-sender", "inbox-only", "crm"}
        for kind in ("message.new", "chat.updated", "message.status", "message.reaction", "message.updated",
                     "message.revoked"):
            assert receivers(kind) == everyone_of_a, kind
        assert receivers("typing", lambda f: f["from"] == "contact") == everyone_of_a
        assert receivers("typing", lambda f: f["from"] == "agent") == {"viewer", "crm"}
        assert receivers("presence") == everyone_of_a
        assert receivers("chat.viewers", lambda f: len(f["viewers"]) == 2) == {"viewer", "typing-sender", "crm"}
        # B's sockets got nothing of A's (whatever its ids), A's nothing of B's.
        def b_own(frame):
            if frame is refusal:
                return True
            if frame["type"] in ("message.new", "message.received"):
                return frame["message"]["body"] == text_b
            return frame["type"] == "chat.updated" and frame["chat"]["last_message"]["body"] == text_b

        for socket in b_sockets:
            assert [f for f in socket.stream() if not b_own(f)] == [], socket.name
            assert len([f for f in socket.stream() if f is not refusal]) == 3, socket.name
        for socket in a_sockets:
            assert socket.got("message.new", lambda f: f["message"]["body"] == text_b) == []
            advancing_seqs_are_contiguous(socket)
        # B's socket is still usable after the refusal: it follows its own contact.
        await b_agent.subscribe(contact_b["id"])
        sandbox(stack, stack_b, "presence", **{"from": contact_b["phone"].lstrip("+"), "online": True})
        await b_agent.wait("presence", about(contact_b["id"]))
        await asyncio.gather(*(s.close() for s in a_sockets + b_sockets))

    run(scenario)


# --- a healthy socket ------------------------------------------------------------------------------------------------


def test_malformed_frames_answer_an_error_and_the_socket_stays_healthy(stack, stack_a, people):
    contact = new_contact(stack_a)
    bad_frames = [
        (b"\x00binary", "invalid_frame"),
        ("not json", "invalid_frame"),
        ("[1, 2]", "invalid_frame"),
        ('"subscribe"', "invalid_frame"),
        ({"type": "dance", "contact_id": 1}, "unknown_type"),
        ({"contact_id": contact["id"]}, "unknown_type"),
        ({"type": "subscribe"}, "invalid_frame"),
        ({"type": "subscribe", "contact_id": str(contact["id"])}, "invalid_frame"),
        ({"type": "subscribe", "contact_id": True}, "invalid_frame"),
        ({"type": "subscribe", "contact_id": 1.5}, "invalid_frame"),
        ({"type": "subscribe", "contact_id": -1}, "invalid_frame"),
        ({"type": "subscribe", "contact_id": 2**63}, "invalid_frame"),
        ({"type": "subscribe", "contact_id": 2**62}, "contact_not_found"),
        ({"type": "read", "contact_id": 2**62}, "contact_not_found"),
        ({"type": "typing", "contact_id": contact["id"], "state": "typing"}, "not_subscribed"),
        ({"type": "typing", "contact_id": contact["id"], "state": "dancing"}, "invalid_frame"),
        ("{" * 5000, "invalid_frame"),
        ({"type": [], "contact_id": 1}, "unknown_type"),  # unhashable: the handler lookup raised
        ({"type": {}}, "unknown_type"),
        ("[" * 100_000 + "]" * 100_000, "invalid_frame"),  # deeper than Python's stack: RecursionError
        ('{"type": "typing", "state": ' + "[" * 100_000 + "]" * 100_000 + "}", "invalid_frame"),
    ]

    async def scenario():
        socket = await connect(stack, stack_a.host, name="agent", cookie=people.cookie1)
        for n, (frame, code) in enumerate(bad_frames, 1):
            await socket.send(frame)
            errors = await socket.wait_many("error", count=n)
            assert (errors[-1]["code"], errors[-1]["seq"]) == (code, 0), frame

        # Still healthy: it subscribes, and the contact's events reach it.
        await socket.subscribe(contact["id"])
        sandbox(stack, stack_a, "presence", **{"from": contact["phone"].lstrip("+"), "online": True})
        await socket.wait("presence", about(contact["id"]))
        assert len(socket.got("error")) == len(bad_frames) and socket.close_code is None
        await socket.close()

    run(scenario)


def test_a_socket_follows_at_most_the_subscription_cap(stack, stack_a, people):
    from chats.consumers.inbox import MAX_SUBSCRIPTIONS
    from chats.models import Contact

    phones = [new_phone() for _ in range(MAX_SUBSCRIPTIONS + 1)]

    def create():
        with schema_context(stack_a.schema):
            return [c.pk for c in Contact.objects.bulk_create(
                Contact(wa_id=f"{p}@c.us", phone=f"+{p}", session_id=stack_a.session.id) for p in phones)]

    ids = committed(create)

    async def scenario():
        socket = await connect(stack, stack_a.host, name="agent", cookie=people.cookie1)
        for contact_id in ids[:MAX_SUBSCRIPTIONS]:
            await socket.send({"type": "subscribe", "contact_id": contact_id})
        await socket.subscribe(ids[-1])
        assert [f["code"] for f in socket.got("error")] == ["too_many_subscriptions"]
        await socket.send({"type": "unsubscribe", "contact_id": ids[0]})
        await socket.subscribe(ids[-1])
        assert [f["code"] for f in socket.got("error")] == ["too_many_subscriptions"]  # room again
        await socket.close()

    run(scenario)


# --- old state + events == fresh fetch ------------------------------------------------------------------------------

STATUS_RANK = {"pending": 0, "sent": 1, "delivered": 2, "read": 3, "played": 4}


def apply_frame(messages: dict[int, dict], chat: dict, frame: dict) -> None:
    """A client's reducer for one thread and its chat row (the way the SPA applies frames)."""
    kind = frame["type"]
    if kind in ("message.new", "message.updated"):
        messages[frame["message"]["id"]] = frame["message"]
        if kind == "message.updated" and (chat.get("last_message") or {}).get("id") == frame["message"]["id"]:
            chat["last_message"] = frame["message"]
        return
    if kind == "chat.updated":
        chat.clear()
        chat.update(frame["chat"])
        return
    if kind == "presence":
        chat.update(online=frame["online"], last_seen=frame["last_seen"])
        return
    targets = [m for m in (messages.get(frame.get("message_id")), chat.get("last_message")) if m
               and m["id"] == frame.get("message_id")]
    for message in targets:
        if kind == "message.status":
            new, old = frame["status"], message["status"]
            if new == "failed" or STATUS_RANK.get(new, -1) > STATUS_RANK.get(old, -1):
                message.update(status=new, failure_reason=frame["failure_reason"],
                               wa_message_id=frame["wa_message_id"])
                if new != "failed" and message["direction"] == "in":
                    message[f"{new}_at"] = frame["at"]
                elif new != "failed":
                    # A later tick implies the earlier ones, stamped at the same time.
                    for status, rank in STATUS_RANK.items():
                        if 0 < rank <= STATUS_RANK[new] and message[f"{status}_at"] is None:
                            message[f"{status}_at"] = frame["at"]
                else:
                    message["failed_at"] = frame["at"]
        elif kind == "message.reaction":
            message["reactions"] = frame["reactions"]
        elif kind == "message.revoked":
            message.update(revoked=True, revoked_at=frame["revoked_at"])


def test_a_thread_and_its_chat_row_plus_their_events_equal_a_fresh_fetch(stack, stack_a, people):
    phone = new_phone()
    first = f"first {uuid.uuid4()}"

    async def scenario():
        agent = await connect(stack, stack_a.host, name="agent", cookie=people.cookie1)
        sandbox(stack, stack_a, "inbound", **{"from": phone, "body": first})
        row = (await agent.wait("chat.updated", lambda f: f["chat"]["last_message"]["body"] == first))["chat"]
        contact_id = row["id"]
        await agent.subscribe(contact_id)
        # The earlier state, while nothing is in flight for this contact.
        messages = await asyncio.to_thread(thread, stack_a, contact_id)
        chat = await asyncio.to_thread(chat_row, stack_a, row)
        since = len(agent.frames)
        first_message = next(m for m in messages.values() if m["body"] == first)

        # Then everything that can happen to a thread, one thing at a time (each published frame
        # is a snapshot: two writers at once could publish them in either order).
        reply = await asyncio.to_thread(api_send, stack_a, contact_id, "our reply")
        read = await agent.wait("message.status", lambda f: f["message_id"] == reply["id"] and f["status"] == "read")
        sandbox(stack, stack_a, "reactions", **{"from": phone, "wa_message_id": read["wa_message_id"], "emoji": "🎉"})
        await agent.wait("message.reaction", lambda f: f["message_id"] == reply["id"])
        with stack_a.api() as api:
            reacted = api.post(f"/api/v1/messages/{first_message['id']}/reactions/", json={"emoji": "❤️"})
            assert reacted.status_code == 200, reacted.text
        await agent.wait("message.reaction", lambda f: f["message_id"] == first_message["id"])
        image = sandbox(stack, stack_a, "inbound", **{"from": phone, "type": "image", "caption": "a photo"})
        picture = await agent.wait("message.updated", lambda f: f["message"]["wa_message_id"] == image["wa_message_id"]
                                   and f["message"]["media"]["ready"])
        sandbox(stack, stack_a, "edit", **{"from": phone, "wa_message_id": first_message["wa_message_id"],
                                           "body": "first, edited"})
        await agent.wait("message.updated", lambda f: f["message"]["id"] == first_message["id"])
        sandbox(stack, stack_a, "presence", **{"from": phone, "online": True})
        await agent.wait("presence", about(contact_id))
        sandbox(stack, stack_a, "revoke", **{"from": phone, "wa_message_id": image["wa_message_id"]})
        await agent.wait("message.revoked", lambda f: f["message_id"] == picture["message"]["id"])
        await agent.send({"type": "read", "contact_id": contact_id})
        await agent.wait("chat.updated", lambda f: f["chat"]["id"] == contact_id and f["chat"]["unread_count"] == 0)
        await barrier([agent], stack_a)

        for frame in agent.frames[since:]:
            if not is_barrier(frame) and about(contact_id)(frame):
                apply_frame(messages, chat, frame)
        fresh_messages = await asyncio.to_thread(thread, stack_a, contact_id)
        fresh_chat = await asyncio.to_thread(chat_row, stack_a, row)
        assert len(fresh_messages) == 3
        for message_id, message in fresh_messages.items():
            assert messages.get(message_id) == message, message["body"]
        assert messages.keys() == fresh_messages.keys()
        assert chat == fresh_chat
        await agent.close()

    run(scenario)


# --- a crowd -----------------------------------------------------------------------------------------------------------


def test_a_hundred_sockets_connecting_at_once_all_receive_every_event(stack, stack_a, people):
    phone = new_phone()
    bodies = [f"crowd {n} {uuid.uuid4()}" for n in range(3)]

    async def scenario():
        sockets = await asyncio.gather(*(
            connect(stack, stack_a.host, name=f"s{n}", **({"cookie": people.cookie1} if n % 2 else
                                                          {"api_key": stack_a.api_key}))
            for n in range(100)))
        for body in bodies:
            sandbox(stack, stack_a, "inbound", **{"from": phone, "body": body})

        def mine(f):
            return f["message"]["body"] in bodies

        await asyncio.gather(*(s.wait_many("message.new", mine, count=3) for s in sockets))
        await asyncio.gather(*(s.wait("chat.updated", lambda f: f["chat"]["last_message"]["body"] == bodies[-1])
                               for s in sockets))
        expected = [(f["type"], f["seq"]) for f in sockets[0].got("message.new", mine)]
        for socket in sockets:
            assert [(f["type"], f["seq"]) for f in socket.got("message.new", mine)] == expected, socket.name
            advancing_seqs_are_contiguous(socket)
        await asyncio.gather(*(s.close() for s in sockets))

    run(scenario)


def logged_events(ws, after_seq: int) -> list[dict]:
    with ws.api() as api:
        response = api.get("/api/v1/events/", params={"after_seq": after_seq, "limit": 1000})
    assert response.status_code == 200, response.text
    return response.json()["events"]


def test_a_socket_that_resumes_gets_what_it_missed_then_live_in_order_without_gaps_or_repeats(stack, stack_a):
    phone = new_phone()
    tag = uuid.uuid4().hex[:8]

    def bodies(frames):
        return [f["message"]["body"] for f in frames if f["type"] == "message.new" and tag in f["message"]["body"]]

    async def scenario():
        crm = await connect(stack, stack_a.host, name="crm-before", api_key=stack_a.api_key)
        sandbox(stack, stack_a, "inbound", **{"from": phone, "body": f"{tag} before"})
        seen = await crm.wait("message.new", lambda f: f["message"]["body"] == f"{tag} before")
        await crm.wait("chat.updated", lambda f: f["chat"]["last_message"]["id"] == seen["message"]["id"])
        last = max(f["seq"] for f in crm.frames if f["type"] in ADVANCING)
        await crm.close()

        for n in range(3):  # while the CRM is away
            sandbox(stack, stack_a, "inbound", **{"from": phone, "body": f"{tag} missed {n}"})
        as_frames = lambda: [{"type": e["type"], "seq": e["seq"], **e["data"]} for e in logged_events(stack_a, last)]  # noqa: E731
        await asyncio.to_thread(wait_until, lambda: len(bodies(as_frames())) >= 3, FRAME_TIMEOUT, 0.1,
                                "the missed messages in the log")

        again = await connect(stack, stack_a.host, name="crm-again", api_key=stack_a.api_key)
        await again.send({"type": "resume", "after_seq": last})
        await again.wait("message.new", lambda f: f["message"]["body"] == f"{tag} missed 2")
        sandbox(stack, stack_a, "inbound", **{"from": phone, "body": f"{tag} live"})
        live = await again.wait("message.new", lambda f: f["message"]["body"] == f"{tag} live")
        await again.wait("chat.updated", lambda f: f["chat"]["last_message"]["id"] == live["message"]["id"])

        # From the resume on: every logged seq after `last`, once, in order, what was missed first.
        replayed = [f for f in again.frames if f["type"] in ADVANCING and f["seq"] > last]
        start = replayed.index(next(f for f in replayed if f["seq"] == last + 1))
        seqs = [f["seq"] for f in replayed[start:]]
        assert seqs == list(range(last + 1, last + 1 + len(seqs))), seqs
        assert bodies(replayed[start:]) == [f"{tag} missed 0", f"{tag} missed 1", f"{tag} missed 2", f"{tag} live"]
        # The replayed frames are the logged events, frame for frame.
        logged = {e["seq"]: e for e in logged_events(stack_a, last)}
        for frame in replayed[start:]:
            envelope = logged[frame["seq"]]
            assert {"type": envelope["type"], "id": envelope["id"], "workspace": envelope["workspace"],
                    "occurred_at": envelope["occurred_at"], "seq": frame["seq"], **envelope["data"]} == frame

        await again.send({"type": "resume", "after_seq": 2**62})
        resync = await again.wait("resync_required")
        assert resync["reason"] == "ahead_of_log" and resync["seq"] >= live["seq"]
        await again.close()

    run(scenario)


def test_the_team_events_reach_their_sockets(stack, stack_a, people):
    """chat.status, chat.assigned and note.mention reach the inbox; with "agents see only their own
    and unassigned chats", another agent's socket gets chat.hidden instead (chats/tests/
    test_integration_team.py tells the rest)."""
    phone = new_phone()

    def own_only(value: bool):
        with stack_a.api() as api:
            assert api.patch("/api/v1/inbox-settings/", json={"agents_see_own_only": value}).status_code == 200

    async def scenario():
        await asyncio.to_thread(own_only, True)
        try:
            crm = await connect(stack, stack_a.host, name="crm", api_key=stack_a.api_key)
            other = await connect(stack, stack_a.host, name="agent2", cookie=people.cookie2)
            sandbox(stack, stack_a, "inbound", **{"from": phone, "body": "team events"})
            contact_id = (await crm.wait("chat.updated", lambda f: f["chat"]["phone"].lstrip("+") == phone))["chat"]["id"]
            with stack_a.api() as api:
                assert api.patch(f"/api/v1/chats/{contact_id}/", json={
                    "status": "pending", "assignee_id": people.agent1.pk}).status_code == 200
                assert api.post(f"/api/v1/contacts/{contact_id}/messages/", json={
                    "client_id": f"note-{uuid.uuid4()}", "type": "note",
                    "body": f"@{people.agent1.email} over to you"}).status_code == 201
            await crm.wait("chat.status", about(contact_id))
            await crm.wait("chat.assigned", about(contact_id))
            mention = await crm.wait("note.mention", about(contact_id))
            assert mention["user_id"] == people.agent1.pk
            await other.wait("chat.hidden", about(contact_id))
            await crm.close()
            await other.close()
        finally:
            await asyncio.to_thread(own_only, False)

    run(scenario)


_ran: set[str] = set()


@pytest.fixture(autouse=True)
def _record_ran(request):
    yield
    _ran.add(request.node.originalname or request.node.name)
