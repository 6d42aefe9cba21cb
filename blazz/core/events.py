"""The catalogue of real-time events (server -> browser): every frame the inbox socket carries.

Every event is a class below: its wire name, its payload fields (a frozen keyword-only dataclass,
so a missing or undeclared field fails at construction, as Zulip's event_types.py does; a field
typed with a shape of blazz/core/payloads.py has that shape checked, nested fields included) and
who receives it. Services hand events to the one publisher (blazz/core/publisher.py); nothing else
spells an event name or a group name. The frontend's copy is generated from it
(frontend/src/generated/contract.js, `manage.py export_contract`; chats/tests/test_export_contract.py)
and the table in docs/api.md is checked against it (blazz/tests/test_events.py). docs/realtime.md
tells the whole story.

Wire frame: `{"type": <name>, "seq": <n>, ...payload}`; a logged event's also carries the envelope's
`id`, `workspace` and `occurred_at` (an `?format=envelope` socket gets the envelope itself). An
event that changes what REST returns advances the workspace's seq: it is written to the event log,
which hands out the seq in commit order (blazz/core/eventlog.py); the socket delivers those in seq
order, each once, and replays them after a `resume`. The other frames (typing, presence, hello,
ping) carry the current value without advancing it. `error` answers one socket's frame and carries 0.

Who receives what: the groups of blazz/core/groups.py.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any, ClassVar

from blazz.core import payloads
from blazz.core.event_base import (  # noqa: F401  their home; re-exported: events.INBOX, events.Event
    CONTACT, INBOX, SOCKET, USER, Event, _shaped_fields,
)
from blazz.core.groups import (  # noqa: F401  their home; re-exported: events.inbox_group(...)
    api_key_group, contact_group, firehose_group, inbox_group, session_group, user_group,
)
from blazz.core.payloads import (
    ChatPayload, ContactPayload, MessagePayload, ReactionPayload, ScheduledPayload, SessionPayload, SocketUser, UserRef,
)

# What a consumer's channel-layer handler is called for every catalogue event ("blazz.event").
LAYER_MESSAGE_TYPE = "blazz.event"
# ... and for an order to close the socket with a code ("blazz.close" {code}).
LAYER_CLOSE_TYPE = "blazz.close"
# How long "typing..." stays on screen without a new frame: a lost "paused" clears itself. Three
# times the agent relay's throttle (chats/consumers/typing_relay.py), so a steady typist never flickers.
TYPING_EXPIRES_SECONDS = 6

# Client -> server frame types of the inbox socket (each `{"type", "contact_id", ...}`).
SUBSCRIBE, UNSUBSCRIBE, TYPING, READ = "subscribe", "unsubscribe", "typing", "read"
RESUME = "resume"  # {"type": "resume", "after_seq": N}: no contact_id
CLIENT_FRAMES: tuple[str, ...] = (SUBSCRIBE, UNSUBSCRIBE, TYPING, READ, RESUME)


@dataclasses.dataclass(frozen=True, kw_only=True)
class MessageNew(Event):
    type: ClassVar[str] = "message.new"
    message: MessagePayload


# The CRM's names for a new message (webhooks, GET /events/, the socket alike). The inbox applies
# message.new, which every new message also gets (notes and system lines only that one); these two
# say which way it went. `message.origin` tells who made an outbound one: agent, api, auto_reply,
# broadcast, schedule, or the phone itself.
@dataclasses.dataclass(frozen=True, kw_only=True)
class MessageReceived(Event):
    type: ClassVar[str] = "message.received"
    message: MessagePayload


@dataclasses.dataclass(frozen=True, kw_only=True)
class MessageSent(Event):
    type: ClassVar[str] = "message.sent"
    message: MessagePayload


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
    message: MessagePayload


@dataclasses.dataclass(frozen=True, kw_only=True)
class MessageReactionChanged(Event):
    type: ClassVar[str] = "message.reaction"
    message_id: int
    contact_id: int
    reactions: list[ReactionPayload]


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
    user: SocketUser | None  # the agent; None for the contact
    state: str  # sessions_wa.contract.TYPING_STATES
    expires_in: int = TYPING_EXPIRES_SECONDS

    def groups(self, schema):
        if self.sender == "contact":
            return [inbox_group(schema)]
        return [contact_group(schema, self.contact_id), firehose_group(schema)]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Presence(Event):
    """A customer online or not: to the whole inbox (the chat list shows a dot) and the firehose.
    Ephemeral, it carries the current seq: it changes no REST row's order, and the contact's
    `online` in a fetched row is as fresh as the last frame."""

    type: ClassVar[str] = "presence"
    advances_seq: ClassVar[bool] = False
    contact_id: int
    online: bool
    last_seen: str | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ChatViewers(Event):
    """The agents who have a chat open now (chats/viewers.py), sent to the sockets viewing it
    whenever one opens or leaves it. Ephemeral: nothing is stored but the Redis set."""

    type: ClassVar[str] = "chat.viewers"
    audience: ClassVar[str] = CONTACT
    advances_seq: ClassVar[bool] = False
    contact_id: int
    viewers: list[SocketUser]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ChatUpdated(Event):
    type: ClassVar[str] = "chat.updated"
    chat: ChatPayload


@dataclasses.dataclass(frozen=True, kw_only=True)
class ContactCreated(Event):
    """A contact was made: by a CRM or an agent (POST /contacts/), or by a first message."""

    type: ClassVar[str] = "contact.created"
    contact: ContactPayload


@dataclasses.dataclass(frozen=True, kw_only=True)
class ContactUpdated(Event):
    """A contact's name, custom fields, tags or assignee changed (PATCH /contacts/{id}/)."""

    type: ClassVar[str] = "contact.updated"
    contact: ContactPayload


@dataclasses.dataclass(frozen=True, kw_only=True)
class ContactDeleted(Event):
    type: ClassVar[str] = "contact.deleted"
    contact_id: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class ChatStatusChanged(Event):
    """A conversation's status changed (chats/services/team.py): by an agent or a CRM (`by` None
    for an API key or Blazz itself: a customer's message, a snooze that ended)."""

    type: ClassVar[str] = "chat.status"
    contact_id: int
    status: str  # chats.models.ChatStatus
    previous: str
    snoozed_until: str | None
    by: UserRef | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ChatAssigned(Event):
    """A chat's assignee changed (None: unassigned). `by` None: an API key or auto-assignment."""

    type: ClassVar[str] = "chat.assigned"
    contact_id: int
    assignee: UserRef | None
    previous_assignee_id: int | None
    by: UserRef | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ContactErased(Event):
    """A contact was erased with its messages (chats/services/retention.py): open inboxes drop its
    chat and thread. Only the id: nothing about the person is kept."""

    type: ClassVar[str] = "contact.erased"
    contact_id: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class ContactMerged(Event):
    """Two contacts were one person (a LID and a phone id: chats/services/identity.py): `contact_id`
    is gone, its messages are `into_contact_id`'s now (whose chat.updated follows)."""

    type: ClassVar[str] = "contact.merged"
    contact_id: int
    into_contact_id: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class NoteMentioned(Event):
    """A private note names a member with @: their inbox notifies them (`user_id`: whom)."""

    type: ClassVar[str] = "note.mention"
    contact_id: int
    message_id: int
    user_id: int
    by: UserRef | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ChatHidden(Event):
    """Sent in place of a frame about a chat this socket's agent may not see (the workspace's
    "agents see only their own and unassigned chats"), with that frame's seq: the client drops the
    row and its seq stays continuous."""

    type: ClassVar[str] = "chat.hidden"
    audience: ClassVar[str] = SOCKET
    contact_id: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class ChatMuted(Event):
    """A member muted or unmuted a chat (chats/services/mutes.py): only their own sockets hear it,
    so every device of theirs stops (or starts) notifying at once. `muted_until` None with `muted`:
    for good. It carries the current seq (the other sockets never see it: advancing would be a gap
    for them); a tab that was away reads `GET /api/v1/mutes/` again when it reconnects."""

    type: ClassVar[str] = "chat.muted"
    audience: ClassVar[str] = USER
    advances_seq: ClassVar[bool] = False
    contact_id: int
    user_id: int
    muted: bool
    muted_until: str | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class SessionStatusChanged(Event):
    type: ClassVar[str] = "session.status"
    session: SessionPayload


@dataclasses.dataclass(frozen=True, kw_only=True)
class ScheduledCreated(Event):
    """A message was scheduled for a chat (chats/automation/services/schedules.py); its siblings
    below: edited (or failed when due: `scheduled.status` "failed", `error` why), cancelled, sent.
    The thread's scheduled list follows them."""

    type: ClassVar[str] = "scheduled.created"
    contact_id: int
    scheduled: ScheduledPayload


@dataclasses.dataclass(frozen=True, kw_only=True)
class ScheduledUpdated(ScheduledCreated):
    type: ClassVar[str] = "scheduled.updated"


@dataclasses.dataclass(frozen=True, kw_only=True)
class ScheduledCancelled(ScheduledCreated):
    type: ClassVar[str] = "scheduled.cancelled"


@dataclasses.dataclass(frozen=True, kw_only=True)
class ScheduledSent(ScheduledCreated):
    type: ClassVar[str] = "scheduled.sent"


# Frames the consumer itself sends to one socket (not published to groups).
@dataclasses.dataclass(frozen=True, kw_only=True)
class Hello(Event):
    type: ClassVar[str] = "hello"
    audience: ClassVar[str] = SOCKET
    advances_seq: ClassVar[bool] = False
    user: SocketUser


@dataclasses.dataclass(frozen=True, kw_only=True)
class Ping(Event):
    type: ClassVar[str] = "ping"
    audience: ClassVar[str] = SOCKET
    advances_seq: ClassVar[bool] = False


@dataclasses.dataclass(frozen=True, kw_only=True)
class ResyncRequired(Event):
    """The answer to a resume the log cannot serve (reason: "older_than_log", events after that
    seq were deleted by retention; "ahead_of_log", a seq this workspace never handed out): refetch
    over REST, then follow from this frame's seq."""

    type: ClassVar[str] = "resync_required"
    audience: ClassVar[str] = SOCKET
    advances_seq: ClassVar[bool] = False
    reason: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class Error(Event):
    type: ClassVar[str] = "error"
    audience: ClassVar[str] = SOCKET
    advances_seq: ClassVar[bool] = False
    code: str
    message: str


CATALOGUE: tuple[type[Event], ...] = (
    MessageNew, MessageStatusChanged, MessageUpdated, MessageReactionChanged, MessageRevoked, Typing,
    Presence, ChatViewers, ChatUpdated, ChatStatusChanged, ChatAssigned, NoteMentioned, ChatMuted, SessionStatusChanged,
    Hello, Ping, ResyncRequired, Error, ChatHidden, ContactErased, ContactMerged, MessageReceived, MessageSent,
    ContactCreated, ContactUpdated, ContactDeleted, ScheduledCreated, ScheduledUpdated, ScheduledCancelled, ScheduledSent,
)
EVENT_TYPES: tuple[str, ...] = tuple(cls.type for cls in CATALOGUE)
BY_TYPE: dict[str, type[Event]] = {cls.type: cls for cls in CATALOGUE}
# Each frame's payload fields (wire name -> Python type) besides type and seq, and their names:
# the schema tests and clients check every frame against.
FRAME_SCHEMA: dict[str, dict[str, Any]] = {
    cls.type: {cls.wire_names.get(f.name, f.name): typing.get_type_hints(cls)[f.name] for f in dataclasses.fields(cls)}
    for cls in CATALOGUE
}
FRAME_FIELDS: dict[str, frozenset[str]] = {name: frozenset(fields) for name, fields in FRAME_SCHEMA.items()}
ADVANCING: tuple[str, ...] = tuple(cls.type for cls in CATALOGUE if cls.advances_seq)


def frame(event: Event, seq: int) -> dict:
    return {"type": event.type, "seq": seq, **event.payload()}


def frame_problems(frame: dict) -> list[str]:
    """Everything about a frame (as a socket receives it) that its schema does not allow: its
    type, its seq, its fields, and each field's type at any depth. [] when it holds."""
    kind = frame.get("type")
    if kind not in FRAME_SCHEMA:
        return [f"unknown frame type {kind!r}"]
    found = payloads.problems(frame.get("seq"), int, f"{kind}.seq")
    stamp = {"id", "workspace", "occurred_at"} & set(frame) if kind in ADVANCING else set()  # a logged event's
    found += [f"{kind}.{name} is not a string" for name in stamp if not isinstance(frame[name], str)]
    fields = set(frame) - {"type", "seq"} - stamp
    if fields != FRAME_FIELDS[kind]:
        found.append(f"{kind}: fields {sorted(fields)} != {sorted(FRAME_FIELDS[kind])}")
    for name, hint in FRAME_SCHEMA[kind].items():
        if name in frame:
            found += payloads.problems(frame[name], hint, f"{kind}.{name}")
    return found


def encode(data: dict) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


