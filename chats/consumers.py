"""`/ws/inbox/`: one socket per tab (or per CRM stream) on a workspace host.

The workspace comes from the Host header (TenantWebsocketMiddleware, before auth). A browser
socket needs a session made on this host by a member; a CRM socket needs this workspace's API
key (`Authorization: Bearer` header, or `?api_key=`). Every ORM call runs inside `tenant_context`
within `database_sync_to_async`.

One handler (`blazz_event`) forwards every catalogue event: adding an event needs no change here.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django_tenants.utils import tenant_context

from chats import events
from workspaces.asgi import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED
from workspaces.middleware import SESSION_WORKSPACE_KEY

logger = logging.getLogger(__name__)

PING_SECONDS = 20
# An agent's "typing" is relayed at most this often per contact; state changes always pass.
TYPING_THROTTLE_SECONDS = 2.0
TYPING_STATES = ("typing", "recording", "paused")


def _api_key_from_scope(scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            parts = value.decode("latin-1").split()
            if len(parts) == 2 and parts[0] == "Bearer":
                return parts[1]
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return (query.get("api_key") or [""])[0]


@database_sync_to_async
def _authenticate(scope):
    """Returns (principal dict, close code). principal: {"kind": "user"|"api_key", "user": {...}}."""
    from workspaces.authentication import authenticate_api_key
    from workspaces.selectors import membership_for

    tenant = scope["tenant"]
    raw_key = _api_key_from_scope(scope)
    if raw_key:
        key = authenticate_api_key(raw_key, tenant)
        if key is None:
            return None, CLOSE_UNAUTHENTICATED
        return {"kind": "api_key", "user": {"id": None, "name": f"api-key:{key.prefix}"}}, None
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        return None, CLOSE_UNAUTHENTICATED
    session = scope.get("session")
    if session is None or session.get(SESSION_WORKSPACE_KEY) != tenant.schema_name:
        return None, CLOSE_UNAUTHENTICATED  # a login made on another host
    if membership_for(user=user, workspace=tenant) is None:
        return None, CLOSE_FORBIDDEN
    return {"kind": "user", "user": {"id": user.pk, "name": user.get_full_name() or user.email}}, None


class InboxConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.tenant = self.scope["tenant"]
        self.schema = self.tenant.schema_name
        self.contacts: dict[int, tuple[str, str | None]] = {}  # subscribed: id -> (wa_id, session id)
        self.typing_sent: dict[int, tuple[str, float]] = {}
        self.ping_task = None
        principal, close_code = await _authenticate(self.scope)
        await self.accept()  # accept first, so the close code reaches the client
        if principal is None:
            await self.close(code=close_code)
            return
        self.principal = principal
        self.groups_joined = [events.inbox_group(self.schema)]
        if principal["kind"] == "api_key":
            self.groups_joined.append(events.firehose_group(self.schema))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        seq = await sync_to_async(events.current_seq, thread_sensitive=False)(self.schema)
        await self._send(events.frame(events.Hello(user=principal["user"]), seq))
        self.ping_task = asyncio.create_task(self._ping_forever())

    async def disconnect(self, code):
        if self.ping_task is not None:
            self.ping_task.cancel()
        for group in getattr(self, "groups_joined", []) + [events.contact_group(self.schema, c) for c in self.contacts]:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _ping_forever(self):
        while True:
            await asyncio.sleep(PING_SECONDS)
            seq = await sync_to_async(events.current_seq, thread_sensitive=False)(self.schema)
            await self._send(events.frame(events.Ping(), seq))

    async def _send(self, frame: dict):
        await self.send(text_data=json.dumps(frame, separators=(",", ":"), ensure_ascii=False))

    async def _error(self, code: str, message: str):
        await self._send(events.frame(events.Error(code=code, message=message), 0))

    # --- server -> client: every catalogue event -------------------------------------------------------

    async def blazz_event(self, message):
        if message.get("origin") and message["origin"] == self.channel_name:
            return  # our own typing, relayed to the others
        if "text" in message:
            await self.send(text_data=message["text"])
        else:
            await self._send(message["frame"])

    # --- client -> server ---------------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        try:
            content = json.loads(text_data or "")
        except ValueError:
            return await self._error("invalid_frame", "Frames are JSON objects.")
        if not isinstance(content, dict):
            return await self._error("invalid_frame", "Frames are JSON objects.")
        handler = {"subscribe": self._subscribe, "unsubscribe": self._unsubscribe, "typing": self._typing,
                   "read": self._read}.get(content.get("type"))
        if handler is None:
            return await self._error("unknown_type", f"Unknown frame type {content.get('type')!r}.")
        contact_id = content.get("contact_id")
        if isinstance(contact_id, bool) or not isinstance(contact_id, int) or contact_id <= 0:
            return await self._error("invalid_frame", "contact_id must be a positive integer.")
        try:
            await handler(contact_id, content)
        except Exception:
            logger.exception("inbox frame %s failed", content.get("type"))
            await self._error("server_error", "That did not work; try again.")

    @database_sync_to_async
    def _contact(self, contact_id: int):
        from chats.models import Contact

        with tenant_context(self.tenant):
            return Contact.objects.filter(pk=contact_id).values_list("wa_id", "session_id").first()

    async def _subscribe(self, contact_id: int, content: dict):
        if self.principal["kind"] == "api_key":
            return  # an API-key socket receives every contact's events already
        if contact_id not in self.contacts:
            found = await self._contact(contact_id)
            if found is None:
                return await self._error("contact_not_found", "No such contact in this workspace.")
            self.contacts[contact_id] = found
            await self.channel_layer.group_add(events.contact_group(self.schema, contact_id), self.channel_name)

    async def _unsubscribe(self, contact_id: int, content: dict):
        if self.contacts.pop(contact_id, None) is not None:
            await self.channel_layer.group_discard(events.contact_group(self.schema, contact_id), self.channel_name)

    async def _typing(self, contact_id: int, content: dict):
        state = content.get("state")
        if state not in TYPING_STATES:
            return await self._error("invalid_frame", "state must be typing, recording or paused.")
        if contact_id not in self.contacts:
            return await self._error("not_subscribed", "Subscribe to the contact first.")
        now = time.monotonic()
        last = self.typing_sent.get(contact_id)
        if last and last[0] == state and now - last[1] < TYPING_THROTTLE_SECONDS:
            return  # throttled: the same state again too soon
        self.typing_sent[contact_id] = (state, now)
        event = events.Typing(contact_id=contact_id, sender="agent", user=self.principal["user"], state=state)
        frame = events.frame(event, await sync_to_async(events.current_seq, thread_sensitive=False)(self.schema))
        # Relayed straight to the others viewing the contact: no database, no Celery, no seq bump.
        for group in event.groups(self.schema):
            await self.channel_layer.group_send(group, {"type": events.LAYER_MESSAGE_TYPE, "frame": frame,
                                                        "origin": self.channel_name})
        wa_id, session_id = self.contacts[contact_id]
        if session_id:
            asyncio.create_task(self._typing_to_whatsapp(session_id, wa_id, state))

    @staticmethod
    async def _typing_to_whatsapp(session_id: str, wa_id: str, state: str):
        from sessions_wa import bridge

        try:
            await sync_to_async(bridge.chat_typing, thread_sensitive=False)(session_id, wa_id, state)
        except (bridge.BridgeUnavailable, bridge.BridgeError) as exc:
            logger.info("typing not relayed to WhatsApp: %s", exc)

    async def _read(self, contact_id: int, content: dict):
        found = await self._mark_read(contact_id)
        if not found:
            await self._error("contact_not_found", "No such contact in this workspace.")

    @database_sync_to_async
    def _mark_read(self, contact_id: int) -> bool:
        from chats import services
        from chats.models import Contact

        with tenant_context(self.tenant):
            contact = Contact.objects.select_related("session").filter(pk=contact_id).first()
            if contact is None:
                return False
            services.contact_mark_read(contact=contact)
            return True
