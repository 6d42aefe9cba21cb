"""The catalogue of real-time events (server -> browser), and the one publisher.

Every event is a class below: its wire name, its payload fields (a frozen keyword-only dataclass,
so a missing or undeclared field fails at construction, as Zulip's event_types.py does) and who
receives it. Services publish with `publish_on_commit(schema, event)`; nothing else spells an
event name or a group name. The frontend's list of event names (`frontend/src/realtime/events.js`)
and the table in docs/api.md are checked against `EVENT_TYPES` / `FRAME_FIELDS` by
chats/tests/test_events.py. docs/realtime.md tells the whole story.

Wire frame: `{"type": <name>, "seq": <n>, ...payload}`. `seq` comes from a per-workspace counter
in Redis. An event that changes what REST returns and goes to the whole inbox advances it; the
other frames (typing, presence, hello, ping) carry the current value without advancing it, so a
client that sees a *higher* seq than its own knows it missed something and refetches over REST,
the source of truth. `error` answers one socket's frame and carries 0.

Groups (the schema is in every name, so a socket of one workspace can never be in another's):
`t.{schema}.inbox` (every agent socket and API-key socket of the workspace),
`t.{schema}.contact.{id}` (sockets viewing that contact), `t.{schema}.firehose` (API-key sockets,
which receive the per-contact events of every contact).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import typing
import weakref
from typing import Any, ClassVar

import redis
import redis.asyncio
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

logger = logging.getLogger(__name__)

# Audiences: the whole inbox of the workspace, the sockets viewing one contact (and the firehose),
# or the one socket the consumer is talking to (never published).
INBOX = "inbox"
CONTACT = "contact"
SOCKET = "socket"

# What a consumer's channel-layer handler is called for every catalogue event ("blazz.event").
LAYER_MESSAGE_TYPE = "blazz.event"
# How long "typing..." stays on screen without a new frame: a lost "paused" clears itself. Three
# times the agent relay's throttle (chats/consumers.py), so a steady typist never flickers.
TYPING_EXPIRES_SECONDS = 6
TYPING_STATES = ("typing", "recording", "paused")


def inbox_group(schema: str) -> str:
    return f"t.{schema}.inbox"


def contact_group(schema: str, contact_id: int) -> str:
    return f"t.{schema}.contact.{int(contact_id)}"


def firehose_group(schema: str) -> str:
    return f"t.{schema}.firehose"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Event:
    type: ClassVar[str]
    audience: ClassVar[str] = INBOX
    # False for frames that change nothing REST returns: they carry the current seq.
    advances_seq: ClassVar[bool] = True
    # Python field name -> wire name, where the wire name is not a valid identifier.
    wire_names: ClassVar[dict[str, str]] = {}

    def payload(self) -> dict[str, Any]:
        # Shallow: the fields are JSON-ready values an event does not share (asdict() deep-copied
        # every nested message and chat row, a fifth of an event's publishing time).
        data = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        for name, wire in self.wire_names.items():
            data[wire] = data.pop(name)
        return data

    def groups(self, schema: str) -> list[str]:
        if self.audience == INBOX:
            return [inbox_group(schema)]
        if self.audience == CONTACT:
            return [contact_group(schema, self.contact_id), firehose_group(schema)]
        raise TypeError(f"{self.type} frames go to one socket; they are not published")


@dataclasses.dataclass(frozen=True, kw_only=True)
class MessageNew(Event):
    type: ClassVar[str] = "message.new"
    message: dict


@dataclasses.dataclass(frozen=True, kw_only=True)
class MessageStatusChanged(Event):
    type: ClassVar[str] = "message.status"
    message_id: int
    contact_id: int
    client_id: str | None
    wa_message_id: str | None
    status: str
    failure_reason: str
    at: str | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class MessageUpdated(Event):
    type: ClassVar[str] = "message.updated"
    message: dict


@dataclasses.dataclass(frozen=True, kw_only=True)
class MessageReactionChanged(Event):
    type: ClassVar[str] = "message.reaction"
    message_id: int
    contact_id: int
    reactions: list


@dataclasses.dataclass(frozen=True, kw_only=True)
class MessageRevoked(Event):
    type: ClassVar[str] = "message.revoked"
    message_id: int
    contact_id: int
    revoked_at: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class Typing(Event):
    """A contact typing goes to the whole inbox (the chat list shows it in place of the last
    message); an agent typing goes only to the others viewing that contact. Ephemeral: it does
    not advance seq, and `expires_in` clears it if the "paused" is lost."""

    type: ClassVar[str] = "typing"
    advances_seq: ClassVar[bool] = False
    wire_names: ClassVar[dict[str, str]] = {"sender": "from"}
    contact_id: int
    sender: str  # "contact" | "agent"; on the wire: "from"
    user: dict | None
    state: str  # typing | recording | paused
    expires_in: int = TYPING_EXPIRES_SECONDS

    def groups(self, schema):
        if self.sender == "contact":
            return [inbox_group(schema)]
        return [contact_group(schema, self.contact_id), firehose_group(schema)]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Presence(Event):
    """Goes only to the sockets viewing the contact, so it carries the current seq: were it to
    advance the workspace's counter, every other socket would see a gap and refetch."""

    type: ClassVar[str] = "presence"
    audience: ClassVar[str] = CONTACT
    advances_seq: ClassVar[bool] = False
    contact_id: int
    online: bool
    last_seen: str | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ChatUpdated(Event):
    type: ClassVar[str] = "chat.updated"
    chat: dict


@dataclasses.dataclass(frozen=True, kw_only=True)
class SessionStatusChanged(Event):
    type: ClassVar[str] = "session.status"
    session: dict


# Frames the consumer itself sends to one socket (not published to groups).
@dataclasses.dataclass(frozen=True, kw_only=True)
class Hello(Event):
    type: ClassVar[str] = "hello"
    audience: ClassVar[str] = SOCKET
    advances_seq: ClassVar[bool] = False
    user: dict


@dataclasses.dataclass(frozen=True, kw_only=True)
class Ping(Event):
    type: ClassVar[str] = "ping"
    audience: ClassVar[str] = SOCKET
    advances_seq: ClassVar[bool] = False


@dataclasses.dataclass(frozen=True, kw_only=True)
class Error(Event):
    type: ClassVar[str] = "error"
    audience: ClassVar[str] = SOCKET
    advances_seq: ClassVar[bool] = False
    code: str
    message: str


CATALOGUE: tuple[type[Event], ...] = (
    MessageNew, MessageStatusChanged, MessageUpdated, MessageReactionChanged, MessageRevoked, Typing,
    Presence, ChatUpdated, SessionStatusChanged, Hello, Ping, Error,
)
EVENT_TYPES: tuple[str, ...] = tuple(cls.type for cls in CATALOGUE)
BY_TYPE: dict[str, type[Event]] = {cls.type: cls for cls in CATALOGUE}
# Each frame's payload fields (wire name -> Python type), besides type and seq: the schema that
# tests check every frame against.
FRAME_SCHEMA: dict[str, dict[str, Any]] = {
    cls.type: {cls.wire_names.get(f.name, f.name): typing.get_type_hints(cls)[f.name] for f in dataclasses.fields(cls)}
    for cls in CATALOGUE
}
# The fields each frame carries besides type and seq (for schema checks in tests and clients).
FRAME_FIELDS: dict[str, frozenset[str]] = {name: frozenset(fields) for name, fields in FRAME_SCHEMA.items()}


def frame(event: Event, seq: int) -> dict:
    return {"type": event.type, "seq": seq, **event.payload()}


def encode(data: dict) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


# --- the publisher -------------------------------------------------------------------------------
#
# One Lua script takes the seq (INCR, or GET for frames that do not advance it) and PUBLISHes the
# frame to every group's Redis channel in the same atomic step. So frames reach every subscriber in
# seq order even with many publishers at once (daphne's request threads, Celery workers), and a
# frame carrying the current seq is never ahead of the frame that made it current. The frame's JSON
# is built here once, with a hole for the seq; the script fills it and wraps it in the channel
# layer's own wire format (msgpack `{"type": "blazz.event", "text": ..., "origin"?: ...}`), so the
# consumer forwards the text as is: no decoding, no encoding per socket.

_PUBLISH_SCRIPT = """
local seq
if ARGV[1] == '1' then
  seq = redis.call('INCR', KEYS[1])
else
  seq = tonumber(redis.call('GET', KEYS[1]) or '0')
end
local message = {type = ARGV[2], text = ARGV[3] .. string.format('%d', seq) .. ARGV[4]}
if ARGV[5] ~= '' then message['origin'] = ARGV[5] end
local body = cmsgpack.pack(message)
for i = 6, #ARGV do redis.call('PUBLISH', ARGV[i], body) end
return seq
"""


def _layer_config() -> dict:
    return settings.CHANNEL_LAYERS["default"]


def _prefix() -> str:
    return _layer_config()["CONFIG"].get("prefix", "asgi")


def seq_key(schema: str) -> str:
    return f"{_prefix()}:seq:{schema}"


def _group_channel(group: str) -> str:
    # channels_redis's RedisPubSubChannelLayer publishes a group's messages on this Redis channel.
    return f"{_prefix()}__group__{group}"


def _check_layer_format() -> None:
    """The script speaks the pub/sub layer's default format: plain msgpack, no encryption."""
    config = _layer_config()
    options = config.get("CONFIG", {})
    if (config["BACKEND"] != "channels_redis.pubsub.RedisPubSubChannelLayer"
            or options.get("symmetric_encryption_keys") or options.get("serializer_format", "msgpack") != "msgpack"):
        raise ImproperlyConfigured("chats.events publishes in RedisPubSubChannelLayer's plain msgpack format; "
                                   "change the publisher with the layer's configuration")


def _script_call(schema: str, event: Event, origin: str | None) -> tuple[list[str], list[str], dict]:
    payload = event.payload()
    # `{"type":"x","seq":` + seq + `,...payload}`: the payload's JSON without its opening brace.
    head = '{"type":' + json.dumps(event.type) + ',"seq":'
    tail = ("," + encode(payload)[1:]) if payload else "}"
    channels = [_group_channel(group) for group in event.groups(schema)]
    args = ["1" if event.advances_seq else "0", LAYER_MESSAGE_TYPE, head, tail, origin or "", *channels]
    return [seq_key(schema)], args, payload


_sync: tuple[redis.Redis, Any] | None = None
_async: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop -> (client, script)


def _sync_client() -> tuple[redis.Redis, Any]:
    global _sync
    if _sync is None:
        _check_layer_format()
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
        _sync = (client, client.register_script(_PUBLISH_SCRIPT))
    return _sync


def _async_client() -> tuple[redis.asyncio.Redis, Any]:
    loop = asyncio.get_running_loop()
    pair = _async.get(loop)
    if pair is None:
        _check_layer_format()
        client = redis.asyncio.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
        pair = _async[loop] = (client, client.register_script(_PUBLISH_SCRIPT))
    return pair


def current_seq(schema: str) -> int:
    value = _sync_client()[0].get(seq_key(schema))
    return int(value) if value else 0


async def current_seq_async(schema: str) -> int:
    value = await _async_client()[0].get(seq_key(schema))
    return int(value) if value else 0


def publish_now(schema: str, *events: Event) -> list[dict]:
    """Send events to their groups at once, in order; returns their frames. Use
    `publish_on_commit` from services. One Redis round trip for all of them, from any process
    (Celery workers have no event loop to borrow)."""
    client, script = _sync_client()
    calls = [_script_call(schema, event, None) for event in events]
    if len(calls) == 1:
        seqs = [script(keys=calls[0][0], args=calls[0][1])]
    else:
        seqs = _pipelined(client, script, calls)
    return [{"type": event.type, "seq": seq, **call[2]} for event, seq, call in zip(events, seqs, calls)]


def _pipelined(client, script, calls) -> list:
    """EVALSHA per call in one pipeline. Not `script(client=pipe)`: redis-py then asks SCRIPT EXISTS
    first on every execute, a second round trip. A Redis that lost the script (a restart) runs
    none of them: it is loaded and they are sent again."""
    for attempt in (1, 2):
        with client.pipeline(transaction=False) as pipe:
            for keys, args, _payload in calls:
                pipe.evalsha(script.sha, len(keys), *keys, *args)
            try:
                return pipe.execute()
            except redis.exceptions.NoScriptError:
                if attempt == 2:
                    raise
                client.script_load(_PUBLISH_SCRIPT)
    raise AssertionError("unreachable")


async def publish(schema: str, event: Event, *, origin: str | None = None) -> dict:
    """`publish_now` from inside an event loop (the consumer's typing relay). A frame with an
    `origin` (a consumer's channel name) is not sent back to that consumer."""
    keys, args, payload = _script_call(schema, event, origin)
    seq = await _async_client()[1](keys=keys, args=args)
    return {"type": event.type, "seq": seq, **payload}


def publish_on_commit(schema: str, event: Event) -> None:
    """Publish after the current transaction commits (at once outside one). A failure to publish
    is logged, never raised: the data is committed, and clients catch up through `seq`."""

    def send():
        try:
            publish_now(schema, event)
        except Exception:
            logger.exception("could not publish %s to %s", event.type, schema)

    transaction.on_commit(send)
