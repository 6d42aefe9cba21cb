"""What the real-time benchmarks (bench/rt_*.py) share, on top of `_lib` (not a benchmark:
`run_all.sh` skips files starting with `_`).

Signed bridge webhooks posted the way the bridge posts them, WebSocket clients on a workspace host
(Python `websockets` connecting to 127.0.0.1 with the Host header), logged-in agent sessions made
the way the login view makes them, and the process limits a thousand sockets need.
"""

from __future__ import annotations

import asyncio
import collections
import json
import resource
import secrets
import time
from contextlib import contextmanager
from datetime import datetime, timezone

import _lib


def raise_fd_limit(wanted: int) -> int:
    """Raise this process's soft RLIMIT_NOFILE towards `wanted` (children started afterwards,
    daphne among them, inherit it). Returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kb(pid: int) -> int:
    """VmRSS of a process, in KiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def agent_cookie(workspace, user) -> str:
    """A `Cookie` header value for a logged-in session of `user` on `workspace`'s host: the session
    row the login view would write (auth keys + the workspace it was made on), in the database
    daphne reads."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection

    from workspaces.middleware import SESSION_WORKSPACE_KEY

    connection.set_schema_to_public()
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[SESSION_WORKSPACE_KEY] = workspace.schema_name
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def agents(workspace, count: int) -> list:
    """`count` agent members of the workspace (no password: nothing to hash)."""
    from workspaces import services
    from workspaces.models import Membership, Role

    owner = Membership.objects.filter(workspace=workspace, role=Role.OWNER).select_related("user").first().user
    users = []
    for index in range(count):
        user = services.user_get_or_create(email=f"agent{index}@{workspace.slug}.bench", password=None)
        Membership.objects.create(workspace=workspace, user=user, role=Role.AGENT)  # a script: no invitation
        users.append(user)
    return users


async def connect(stack, host: str, *, open_timeout: float = 30, **headers):
    """A WebSocket on `host`'s /ws/inbox/ (TCP to 127.0.0.1, the URI names the workspace host).
    Returns it after its `hello` frame."""
    import websockets

    socket = await websockets.connect(
        f"ws://{host}:{stack.web_port}/ws/inbox/", host="127.0.0.1", additional_headers=headers,
        open_timeout=open_timeout, max_queue=None, ping_interval=None, compression=None,
    )
    hello = json.loads(await asyncio.wait_for(socket.recv(), open_timeout))
    if hello.get("type") != "hello":
        raise RuntimeError(f"expected a hello frame, got {hello}")
    return socket


class Frames:
    """Reads one socket in the background and notes when each frame of interest arrived
    (perf_counter seconds), under `key(frame)` (None: not of interest)."""

    def __init__(self, socket, key):
        self.socket = socket
        self.key = key
        self.at: dict = {}
        self.frames: dict = {}
        self.counts: collections.Counter = collections.Counter()
        self._changed = asyncio.Event()
        self.task = asyncio.create_task(self._read())

    async def _read(self):
        import websockets

        try:
            async for text in self.socket:
                now = time.perf_counter()
                frame = json.loads(text)
                self.counts[frame["type"]] += 1
                key = self.key(frame)
                if key is not None and key not in self.at:
                    self.at[key] = now
                    self.frames[key] = frame
                    self._changed.set()
        except websockets.ConnectionClosed:
            pass

    async def wait_for(self, keys, timeout: float) -> bool:
        """Until every key has arrived (True) or `timeout` seconds pass (False)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        pending = [key for key in keys if key not in self.at]
        while pending:
            self._changed.clear()
            pending = [key for key in pending if key not in self.at]
            if not pending:
                break
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                return False
        return True

    async def close(self):
        await self.socket.close()
        await self.task


class Bridge:
    """Posts signed webhooks to daphne's /hooks/bridge/, as the bridge's outbox does (Standard
    Webhooks over the exact bytes sent)."""

    def __init__(self, stack, workspace, session):
        import httpx
        from standardwebhooks.webhooks import Webhook

        self.signer = Webhook(stack.env["BRIDGE_WEBHOOK_SECRET"])
        self.session_id = session.pk
        self.schema = workspace.schema_name
        # The public host (127.0.0.1) serves the bridge webhook.
        self.client = httpx.AsyncClient(base_url=stack.web_url, timeout=30,
                                        limits=httpx.Limits(max_connections=100, max_keepalive_connections=100))
        self.failures: list[str] = []

    def signed(self, event_type: str, data: dict) -> tuple[bytes, dict]:
        now = datetime.now(timezone.utc)
        body = json.dumps({"type": event_type, "session_id": self.session_id, "workspace": self.schema,
                           "occurred_at": round(time.time(), 3), "data": data}, separators=(",", ":"))
        webhook_id = "bench_" + secrets.token_hex(12)
        headers = {"content-type": "application/json", "webhook-id": webhook_id,
                   "webhook-timestamp": str(int(now.timestamp())),
                   "webhook-signature": self.signer.sign(webhook_id, now, body)}
        return body.encode(), headers

    async def post(self, body: bytes, headers: dict, on_start=None) -> float:
        """POST one signed webhook; returns the seconds until its response. `on_start(t)` gets the
        perf_counter just before the request goes out. A non-2xx (or a duplicate) is recorded in
        `failures`."""
        started = time.perf_counter()
        if on_start is not None:
            on_start(started)
        response = await self.client.post("/hooks/bridge/", content=body, headers=headers)
        elapsed = time.perf_counter() - started
        if response.status_code != 200 or response.json().get("duplicate"):
            self.failures.append(f"{response.status_code} {response.text[:200]}")
        return elapsed

    async def send(self, event_type: str, data: dict, on_start=None) -> float:
        body, headers = self.signed(event_type, data)
        return await self.post(body, headers, on_start)

    async def close(self):
        await self.client.aclose()


def customer_message(index: int, *, tag: str, customers: int = 50) -> dict:
    """message.received data from one of `customers` simulated customers."""
    chat_id = f"62811{index % customers:07d}@c.us"
    return {"wa_message_id": f"false_{chat_id}_{tag}{index:06d}", "chat_id": chat_id, "from": chat_id,
            "from_name": f"Customer {index % customers}", "to": "6280000000000@c.us", "type": "text",
            "body": f"bench {tag} {index}", "caption": None, "media": None, "reply_to": None,
            "timestamp": int(time.time())}


async def paced(count: int, rate: float, fire, *, max_in_flight: int | None = None, seconds: float | None = None,
                drain_timeout: float = 20.0) -> int:
    """Call `fire(i)` (a coroutine function) for i in 0..count-1, each due at start + i/rate.
    Open loop, except that at most `max_in_flight` run at once (the bridge's outbox POSTs one
    webhook per session at a time): one that falls due while the window is full waits for a
    slot. Nothing new starts after `seconds`; then waits up to `drain_timeout` seconds for the
    stragglers and cancels the rest, so an overloaded server cannot stretch the run. Returns how
    many were started."""
    loop = asyncio.get_running_loop()
    start = last_log = loop.time()
    window = asyncio.Semaphore(max_in_flight) if max_in_flight else None
    tasks = []

    async def run(index):
        try:
            await fire(index)
        finally:
            if window is not None:
                window.release()

    for index in range(count):
        delay = start + index / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if window is not None:
            await window.acquire()
        if seconds is not None and loop.time() - start > seconds:
            if window is not None:
                window.release()
            _lib.log(f"time is up after {index} of {count}: the server did not keep up with {rate}/s")
            break
        tasks.append(asyncio.create_task(run(index)))
        if loop.time() - last_log >= 5:
            last_log = loop.time()
            _lib.log(f"{index + 1} started, {sum(t.done() for t in tasks)} done")
    if not tasks:
        return 0
    done, pending = await asyncio.wait(tasks, timeout=drain_timeout)
    for task in pending:
        task.cancel()
    if pending:
        _lib.log(f"{len(pending)} still unanswered {drain_timeout:.0f}s after the last one: cancelled")
        await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        if task.exception() is not None:
            raise task.exception()
    return len(tasks)


def latency_figures(prefix: str, seconds: list[float]) -> dict:
    values = [s * 1000 for s in seconds]
    return {f"{prefix}p50_ms": _lib.rounded(_lib.percentile(values, 50), 2),
            f"{prefix}p99_ms": _lib.rounded(_lib.percentile(values, 99), 2),
            f"{prefix}max_ms": _lib.rounded(max(values) if values else None, 2)}


@contextmanager
def start_world(name: str, *, env: dict | None = None):
    """A migrated database of its own, the running stack, and a workspace with a connected sandbox
    session: yields (stack, workspace, api_key, session); everything is stopped and dropped on the
    way out."""
    _database_url, redis_url = _lib.server_urls()
    with _lib.bench_database(name) as url, _lib.running_stack(url, redis_url, env=env) as stack:
        _lib.log(f"daphne pid {stack.web.proc.pid}")
        workspace, api_key, session = _lib.workspace_with_session(name.replace("_", "-"))
        _lib.wait_session_connected(workspace, session)
        try:
            yield stack, workspace, api_key, session
        finally:
            _log_server_errors(stack)


def _log_server_errors(stack) -> None:
    """The first traceback each process logged, to stderr (their logs are deleted on success)."""
    for process in (stack.web, stack.worker):
        try:
            text = process.log_path.read_text(errors="replace")
        except FileNotFoundError:
            continue
        count = text.count("Traceback (most recent call last)")
        if count:
            first = text.index("Traceback (most recent call last)")
            _lib.log(f"{process.name} logged {count} tracebacks; the first:\n{text[max(0, first - 300):first + 4000]}")
