"""`/ws/inbox/`: one socket per tab (or per CRM stream) on a workspace host.

The workspace comes from the Host header (TenantWebsocketMiddleware, before auth). A browser
socket needs a session made on this host by a member; a CRM socket needs this workspace's API
key (`Authorization: Bearer` header, or `?api_key=`). Every ORM call runs inside `tenant_context`
within `database_sync_to_async`.

One handler (`blazz_event`) forwards every catalogue event: adding an event needs no change here.
An agent's typing goes through its typing relay (typing_relay.py). See docs/realtime.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django_tenants.utils import tenant_context

from blazz.core import eventlog, events, metrics
from blazz.core.errors import NotFound
from blazz.core.publisher import current_seq_async
from chats import online, services
from chats.consumers.principal import authenticate, principal_groups, still_valid
from chats.consumers.typing_relay import TypingRelay
from chats.consumers.viewing import Viewing
from chats.models import Contact
from sessions_wa.contract import TYPING_STATES
from workspaces.asgi import CLOSE_UNAUTHENTICATED
from workspaces.scopes import SOCKET_SEND_FRAMES, Scope

logger = logging.getLogger(__name__)

# Every 20 s: under the usual 30-60 s idle timeouts of proxies and NATs, and what the client's
# heartbeat (two missed pings) expects. Tests shorten it (REALTIME_PING_SECONDS).
PING_SECONDS = float(getattr(settings, "REALTIME_PING_SECONDS", 20))
# A tab views one contact at a time; the cap bounds what one socket can make the server hold.
MAX_SUBSCRIPTIONS = 100
# Events read from the log per query while replaying a resume or filling a gap.
REPLAY_PAGE = 500


def _int_or_none(text: str):
    return int(text) if text.isdigit() else None


class InboxConsumer(AsyncWebsocketConsumer):
    principal = None
    viewer_id = None
    envelope = False  # `?format=envelope` (connect)

    async def connect(self):
        self.tenant = self.scope["tenant"]
        self.schema = self.tenant.schema_name
        self.contacts: dict[int, tuple[str, str | None]] = {}  # known: id -> (wa_id, session id)
        self.groups_joined: list[str] = []
        self.typing: TypingRelay | None = None
        self.viewing: Viewing | None = None  # an agent's open chats ("Budi is viewing")
        # The highest logged seq this socket has been given: logged frames go out in seq order,
        # each once (a lower or equal one is dropped, a gap is filled from the log first).
        self.cursor = 0
        self.ping_task = None
        # `?format=envelope` (a CRM's stream): every frame as the webhooks' envelope
        # `{id, type, workspace, seq, occurred_at, data}`; the inbox's frames are flat.
        self.query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self.envelope = self.query.get("format") == ["envelope"]
        # Accept first: the handshake must finish within daphne's 5 s even when a burst of
        # connects queues up in the one database thread, and a refused socket needs to be open
        # for its close code to reach the client. Frames that arrive meanwhile wait for connect().
        await self.accept()
        principal, close_code = await authenticate(self.scope)
        if principal is None:
            await self.close(code=close_code)
            return
        self.principal = principal
        self.counted = True
        metrics.sockets.inc()
        # An agent who sees only their own and unassigned chats: contact id -> assignee id, as the
        # frames and the database said (chats/selectors.py visible_only_to).
        self.viewer_id = principal.get("viewer_id")
        self.assignees: dict[int, int | None] = {}
        self.typing = TypingRelay(schema=self.schema, user=principal["user"], origin=self.channel_name)
        if principal["kind"] == "user":
            self.viewing = Viewing(schema=self.schema, user=principal["user"], socket=self.channel_name)
        # The principal's groups first: a revocation from now on closes this socket; one that came
        # before is caught by the check after joining.
        for group in principal_groups(self.schema, principal):
            await self._join(group)
        if not await still_valid(self.tenant, principal):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        groups = [events.inbox_group(self.schema)]
        if principal["kind"] == "api_key":
            groups.append(events.firehose_group(self.schema))
        for group in groups:
            await self._join(group)
        # Read after joining: every event with a higher seq commits later, so it is published to
        # the groups we are in; every event up to it is committed, so REST returns it.
        self.cursor = await self._log_last()
        await self._out(events.encode(events.frame(events.Hello(user=principal["user"]), self.cursor)))
        after_seq = self.query.get("after_seq")
        if after_seq:
            await self._resume_frame({"after_seq": _int_or_none(after_seq[0])})
        await self._online()
        self.ping_task = asyncio.create_task(self._ping_forever())

    async def _online(self):
        if self.principal["kind"] == "user":
            try:
                await online.here(self.schema, self.principal["user"]["id"], self.channel_name)
            except Exception:  # auto-assignment then skips this agent; the inbox works on
                logger.warning("could not record %s as online", self.channel_name, exc_info=True)

    async def disconnect(self, code):
        if getattr(self, "counted", False):
            self.counted = False
            metrics.sockets.dec()
        if self.ping_task is not None:
            self.ping_task.cancel()
        if self.principal is not None and self.principal["kind"] == "user":
            try:
                await online.gone(self.schema, self.principal["user"]["id"], self.channel_name)
            except Exception:
                logger.warning("could not record %s as gone", self.channel_name, exc_info=True)
        if getattr(self, "viewing", None) is not None:
            await self.viewing.closed_all()
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _join(self, group: str):
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.append(group)

    async def _ping_forever(self):
        while True:
            await asyncio.sleep(PING_SECONDS)
            await self._send_local(events.Ping())
            await self._online()
            if self.viewing is not None:
                await self.viewing.refresh()

    async def _out(self, text: str):
        if self.envelope:
            text = events.encode(eventlog.envelope_of_frame(json.loads(text), self.schema))
        await self.send(text_data=text)

    async def _send_local(self, event: events.Event):
        """A frame for this socket only (hello, ping): it carries the current seq."""
        seq = await current_seq_async(self.schema)
        await self._out(events.encode(events.frame(event, seq)))

    async def _error(self, code: str, message: str):
        # An answer to this socket's own frame, outside the workspace's stream: seq 0.
        await self._out(events.encode(events.frame(events.Error(code=code, message=message), 0)))

    async def dispatch(self, message):
        # Channels' dispatch also closes stale database connections before every handler: a hop to
        # the one sync thread for each frame of each socket, which serialised broadcasts. Every
        # ORM call here runs in database_sync_to_async, which does that cleanup itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- server -> client: every catalogue event -------------------------------------------------------

    async def blazz_event(self, message):
        if message.get("origin") == self.channel_name:
            return  # our own typing, relayed to the others
        seq = message.get("seq")
        if seq is not None:  # a logged event: in seq order, once
            if seq <= self.cursor:
                return
            if seq > self.cursor + 1:
                # Another transaction's frame is still on its way (commits are in seq order,
                # their publishes race): the log already has it.
                await self._replay(until=seq - 1)
            self.cursor = seq
        text = message.get("text")
        if self.viewer_id is not None and text is not None:
            text = await self._as_visible(text)
        await self._out(text if text is not None else events.encode(message["frame"]))
        if message.get("at"):
            metrics.event_to_frame.observe(max(0.0, time.time() - float(message["at"])))

    async def blazz_close(self, message):
        """The principal was revoked (blazz.core.publisher.close_sockets_on_commit)."""
        self.principal = None  # frames still queued are not acted on
        await self.close(code=message.get("code", CLOSE_UNAUTHENTICATED))

    # --- the event log: resume and gaps ----------------------------------------------------------------

    @database_sync_to_async
    def _log_last(self) -> int:
        return eventlog.bounds(self.schema)[1]

    @database_sync_to_async
    def _log_page(self, after_seq: int, limit: int) -> list:
        return eventlog.after(self.schema, after_seq, limit=limit)

    @database_sync_to_async
    def _resume_problem(self, after_seq: int):
        return eventlog.resume_problem(self.schema, after_seq)

    async def _replay(self, *, until: int | None = None):
        """Send the logged events after the cursor (up to `until`), in order, moving the cursor."""
        while until is None or self.cursor < until:
            limit = REPLAY_PAGE if until is None else min(REPLAY_PAGE, until - self.cursor)
            page = await self._log_page(self.cursor, limit)
            for logged in page:
                text = events.encode(logged.frame(self.schema))
                if self.viewer_id is not None:
                    text = await self._as_visible(text)
                await self._out(text)
                self.cursor = logged.seq
            if len(page) < limit:
                return

    async def _resume_frame(self, content: dict):
        """`{"type": "resume", "after_seq": N}`: every logged event after N, in order, then live.
        Frames after N this socket already sent come again (the client skips what is not the
        next seq until the replay reaches it: docs/realtime.md)."""
        after_seq = content.get("after_seq")
        if isinstance(after_seq, bool) or not isinstance(after_seq, int) or not 0 <= after_seq < 2**63:
            return await self._error("invalid_frame", "after_seq must be a non-negative integer.")
        problem = await self._resume_problem(after_seq)
        if problem is not None:
            self.cursor = await self._log_last()
            frame = events.ResyncRequired(reason=problem)
            return await self._out(events.encode(events.frame(frame, self.cursor)))
        self.cursor = after_seq
        await self._replay()

    async def _as_visible(self, text: str) -> str:
        """The frame, or chat.hidden with its seq when it is about a chat this agent may not see."""
        frame = json.loads(text)
        contact_id = frame.get("contact_id")
        if frame["type"] == events.ChatUpdated.type:
            contact_id = frame["chat"]["id"]
            self.assignees[contact_id] = (frame["chat"]["assignee"] or {}).get("id")
        elif frame["type"] == events.ChatAssigned.type:
            self.assignees[contact_id] = (frame["assignee"] or {}).get("id")
        elif isinstance(frame.get("message"), dict):
            contact_id = frame["message"]["contact_id"]
        elif isinstance(frame.get("contact"), dict):  # contact.created, contact.updated
            contact_id = frame["contact"]["id"]
            self.assignees[contact_id] = (frame["contact"]["assignee"] or {}).get("id")
        if not isinstance(contact_id, int):
            return text
        if contact_id not in self.assignees:
            found = await self._find_contact(contact_id)
            self.assignees[contact_id] = found[2] if found else None
        if self.assignees[contact_id] in (None, self.viewer_id):
            return text
        return events.encode(events.frame(events.ChatHidden(contact_id=contact_id), frame["seq"]))

    # --- client -> server ---------------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.principal is None:
            return  # refused; the close is on its way
        try:
            content = json.loads(text_data) if text_data is not None else None
        except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python's stack
            content = None
        if not isinstance(content, dict):
            return await self._error("invalid_frame", "Frames are JSON objects (text).")
        kind = content.get("type")
        # A type that is not a string (a list, an object) is unhashable: looked up, it would raise.
        handler = self._handlers().get(kind) if isinstance(kind, str) else None
        if handler is None:
            # Only a string is echoed: the repr of a deeply nested value could itself recurse too deep.
            shown = repr(kind[:40]) if isinstance(kind, str) else "(not a string)"
            return await self._error("unknown_type", f"Unknown frame type {shown}.")
        # Re-checked before acting on every frame: a revocation whose close is still on its way (or
        # was lost with a Redis hiccup) must not replay the log, mark chats read or send typing.
        if not await still_valid(self.tenant, self.principal):
            self.principal = None
            return await self.close(code=CLOSE_UNAUTHENTICATED)
        if kind == events.RESUME:
            return await self._resume_frame(content)
        contact_id = content.get("contact_id")
        if isinstance(contact_id, bool) or not isinstance(contact_id, int) or not 0 < contact_id < 2**63:
            return await self._error("invalid_frame", "contact_id must be a positive integer.")
        if kind in SOCKET_SEND_FRAMES and Scope.SEND not in self.principal.get("scopes", (Scope.SEND,)):
            return await self._error("insufficient_scope", "This API key lacks the “send” scope.")
        try:
            await handler(contact_id, content)
        except Exception:
            logger.exception("inbox frame %s failed", content.get("type"))
            await self._error("server_error", "That did not work; try again.")

    def _handlers(self) -> dict:
        return {events.SUBSCRIBE: self._subscribe, events.UNSUBSCRIBE: self._unsubscribe, events.TYPING: self._typing,
                events.READ: self._read, events.RESUME: self._resume_frame}

    @database_sync_to_async
    def _find_contact(self, contact_id: int):
        with tenant_context(self.tenant):
            return Contact.objects.filter(pk=contact_id).values_list("wa_id", "session_id", "assignee_id").first()

    async def _known_contact(self, contact_id: int) -> bool:
        if contact_id not in self.contacts:
            found = await self._find_contact(contact_id)
            if found is None or (self.viewer_id is not None and found[2] not in (None, self.viewer_id)):
                await self._error("contact_not_found", "No such contact in this workspace.")
                return False
            self.contacts[contact_id] = found[:2]
        return True

    async def _subscribe(self, contact_id: int, content: dict):
        group = events.contact_group(self.schema, contact_id)
        if group in self.groups_joined:
            return
        if len(self.contacts) >= MAX_SUBSCRIPTIONS and contact_id not in self.contacts:
            return await self._error("too_many_subscriptions", f"At most {MAX_SUBSCRIPTIONS} contacts per socket.")
        if not await self._known_contact(contact_id):
            return
        if self.principal["kind"] == "api_key":
            return  # the firehose brings every contact's events already
        await self._join(group)
        await self.viewing.opened(contact_id)

    async def _unsubscribe(self, contact_id: int, content: dict):
        self.contacts.pop(contact_id, None)
        self.typing.forget_idle(self.contacts)
        group = events.contact_group(self.schema, contact_id)
        if group in self.groups_joined:
            self.groups_joined.remove(group)
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.viewing is not None:
            await self.viewing.closed(contact_id)

    async def _typing(self, contact_id: int, content: dict):
        state = content.get("state")
        if state not in TYPING_STATES:
            return await self._error("invalid_frame", "state must be typing, recording or paused.")
        if contact_id not in self.contacts:
            return await self._error("not_subscribed", "Subscribe to the contact first.")
        wa_id, session_id = self.contacts[contact_id]
        await self.typing.state(contact_id, state, wa_id=wa_id, session_id=session_id)

    async def _read(self, contact_id: int, content: dict):
        if self.viewer_id is not None and not await self._known_contact(contact_id):
            return
        if not await self._mark_read(contact_id):
            await self._error("contact_not_found", "No such contact in this workspace.")

    @database_sync_to_async
    def _mark_read(self, contact_id: int) -> bool:
        with tenant_context(self.tenant):
            contact = Contact.objects.select_related("session").filter(pk=contact_id).first()
            if contact is None:
                return False
            try:
                services.contact_mark_read(contact=contact)
            except NotFound:  # deleted since it was read above
                return False
            return True
