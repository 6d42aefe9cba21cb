"""The catalogue of real-time events (server -> browser), and the one publisher.

Every event is a class below: its wire name, its payload fields (a frozen keyword-only dataclass,
so a missing or undeclared field fails at construction, as Zulip's event_types.py does) and who
receives it. Services publish with `publish_on_commit(schema, event)`; nothing else spells an
event name or a group name. The frontend's list of event names is checked against `EVENT_TYPES`
by a test.

Wire frame: `{"type": <name>, "seq": <n>, ...payload}`. `seq` comes from a per-workspace counter
in Redis: a client that sees a gap (or reconnects) refetches over REST, the source of truth.

Groups (the schema is in every name, so a socket of one workspace can never be in another's):
`t.{schema}.inbox` (every agent socket and API-key socket of the workspace),
`t.{schema}.contact.{id}` (sockets viewing that contact), `t.{schema}.firehose` (API-key sockets,
which receive the per-contact events of every contact).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any, ClassVar

import redis
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

INBOX = "inbox"
CONTACT = "contact"

# What a consumer's channel-layer handler is called for every catalogue event ("blazz.event").
LAYER_MESSAGE_TYPE = "blazz.event"
# How long "typing..." stays on screen without a new frame: a lost "paused" clears itself.
TYPING_EXPIRES_SECONDS = 6


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

    def payload(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def groups(self, schema: str) -> list[str]:
        if self.audience == INBOX:
            return [inbox_group(schema)]
        contact_id = self.payload()["contact_id"]
        return [contact_group(schema, contact_id), firehose_group(schema)]


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
    """A customer typing goes to the whole inbox (the chat list shows it in place of the last
    message); an agent typing goes only to the others viewing that contact."""

    type: ClassVar[str] = "typing"
    contact_id: int
    sender: str  # "contact" | "agent"; on the wire: "from"
    user: dict | None
    state: str  # typing | recording | paused
    expires_in: int = TYPING_EXPIRES_SECONDS

    def payload(self):
        data = dataclasses.asdict(self)
        data["from"] = data.pop("sender")
        return data

    def groups(self, schema):
        if self.sender == "contact":
            return [inbox_group(schema)]
        return [contact_group(schema, self.contact_id), firehose_group(schema)]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Presence(Event):
    type: ClassVar[str] = "presence"
    audience: ClassVar[str] = CONTACT
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
    user: dict


@dataclasses.dataclass(frozen=True, kw_only=True)
class Ping(Event):
    type: ClassVar[str] = "ping"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Error(Event):
    type: ClassVar[str] = "error"
    code: str
    message: str


CATALOGUE: tuple[type[Event], ...] = (
    MessageNew, MessageStatusChanged, MessageUpdated, MessageReactionChanged, MessageRevoked, Typing,
    Presence, ChatUpdated, SessionStatusChanged, Hello, Ping, Error,
)
EVENT_TYPES: tuple[str, ...] = tuple(cls.type for cls in CATALOGUE)
# The fields each frame carries besides type and seq (for schema checks in tests and clients).
FRAME_FIELDS: dict[str, frozenset[str]] = {
    cls.type: frozenset(("from" if f.name == "sender" else f.name) for f in dataclasses.fields(cls))
    for cls in CATALOGUE
}


# --- the publisher -------------------------------------------------------------------------------

_redis_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _redis_client
    if _redis_client is None:
        _redis_client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
    return _redis_client


def _seq_key(schema: str) -> str:
    return f"{settings.CHANNEL_LAYERS['default']['CONFIG'].get('prefix', 'asgi')}:seq:{schema}"


def current_seq(schema: str) -> int:
    value = _redis().get(_seq_key(schema))
    return int(value) if value else 0


def frame(event: Event, seq: int) -> dict:
    return {"type": event.type, "seq": seq, **event.payload()}


def _group_channel(group: str) -> str:
    # channels_redis's RedisPubSubChannelLayer publishes a group's messages on this Redis channel.
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"].get("prefix", "asgi")
    return f"{prefix}__group__{group}"


def publish_now(schema: str, event: Event) -> dict:
    """Send one event to its groups at once. Use `publish_on_commit` from services.

    Publishes straight to Redis with a sync client, in the channel layer's own wire format, so it
    costs two round trips from any process (Celery workers have no event loop to borrow).
    """
    from channels.layers import get_channel_layer

    client = _redis()
    seq = client.incr(_seq_key(schema))
    data = frame(event, seq)
    layer = get_channel_layer()
    # Encoded once here rather than once per socket by every consumer.
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    body = layer.serialize({"type": LAYER_MESSAGE_TYPE, "frame": data, "text": text})
    pipe = client.pipeline(transaction=False)
    for group in event.groups(schema):
        pipe.publish(_group_channel(group), body)
    pipe.execute()
    return data


def publish_on_commit(schema: str, event: Event) -> None:
    """Publish after the current transaction commits (at once outside one). A failure to publish
    is logged, never raised: the data is committed, and clients catch up through `seq`."""

    def send():
        try:
            publish_now(schema, event)
        except Exception:
            logger.exception("could not publish %s to %s", event.type, schema)

    transaction.on_commit(send)
