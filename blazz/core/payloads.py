"""The shapes the real-time events carry: a message, a chat row, a session, and the small records
inside them, each a TypedDict with its explicit field list (wire names).

The REST API answers the same shapes: chats/serializers.py and sessions_wa/serializers.py take
their field lists from these. An event checks its payload at construction (`check`): a missing or
undeclared field, at any depth, is a TypeError there, not a surprise in a browser. Types are
checked by `problems` (tests, and anyone who wants the full schema check of a frame).
"""

from __future__ import annotations

import types
import typing
from functools import cache
from typing import Any, TypedDict, Union, get_args, get_origin, get_type_hints, is_typeddict


class UserRef(TypedDict):
    id: int
    name: str
    email: str


class SocketUser(TypedDict):
    """Who is on a socket: an agent (id) or an API key (id None, name `api-key:<prefix>`)."""

    id: int | None
    name: str


class MediaPayload(TypedDict):
    id: str
    url: str
    mimetype: str
    filename: str
    size: int
    ready: bool
    status: str
    width: int | None
    height: int | None
    duration: float | None
    waveform: list | None


class ReplyPayload(TypedDict):
    """The quoted message, as much of it as a reply shows."""

    id: int
    type: str
    body: str
    caption: str
    direction: str
    revoked: bool


# `from` is a Python keyword: the functional form.
ReactionPayload = TypedDict("ReactionPayload", {"emoji": str, "from": str, "reactor": str, "user_id": int | None})


class EditPayload(TypedDict):
    body: str
    edited_at: str


class MessagePayload(TypedDict):
    id: int
    contact_id: int
    direction: str
    type: str
    body: str
    caption: str
    media: MediaPayload | None
    location: dict | None
    contact_card: dict | None
    status: str
    failure_reason: str
    wa_message_id: str | None
    client_id: str | None
    reply_to: ReplyPayload | None
    reactions: list[ReactionPayload]
    edited: bool
    edits: list[EditPayload]
    system_data: dict | None
    edited_at: str | None
    revoked: bool
    revoked_at: str | None
    forwarded: bool
    origin: str
    history: bool
    sent_by: UserRef | None
    session_id: str | None
    timestamp: str
    created_at: str
    sent_at: str | None
    delivered_at: str | None
    read_at: str | None
    played_at: str | None
    failed_at: str | None


class LabelPayload(TypedDict):
    id: int
    name: str
    color: str


class ContactPayload(TypedDict):
    id: int
    wa_id: str
    phone: str
    name: str
    push_name: str
    display_name: str
    avatar_url: str
    custom_fields: dict
    tags: list
    unread_count: int
    last_message_at: str | None
    assignee: UserRef | None
    status: str
    snoozed_until: str | None
    labels: list[LabelPayload]
    session_id: str | None
    online: bool
    last_seen: str | None
    created_at: str
    updated_at: str


class ChatPayload(ContactPayload):
    """A chat-list row: the contact and its last message."""

    last_message: MessagePayload | None


class SessionPayload(TypedDict):
    id: str
    name: str
    engine: str
    status: str
    phone: str
    reason: str
    reason_code: str
    pairing_code: str
    qr: str | None
    qr_svg: str | None
    node: str
    options: dict
    created_at: str
    updated_at: str
    connected_at: str | None


class ScheduledPayload(TypedDict):
    """A scheduled message (chats/automation): what it will send and when."""

    id: int
    contact_id: int
    client_id: str
    send_at: str
    status: str  # scheduled | sent | cancelled | failed
    type: str
    body: str
    caption: str
    media_id: str | None
    media_mimetype: str | None  # the attachment's, for the bubble
    media_filename: str | None
    template_id: int | None
    template_name: str | None
    variables: dict
    session_id: str
    message_id: int | None
    error: str
    created_at: str
    sent_at: str | None


def fields_of(shape) -> list[str]:
    """A shape's field names, in declaration order (what a serializer lists)."""
    return list(shape.__annotations__)


# --- checking -------------------------------------------------------------------------------------


def shape_of(hint) -> tuple[str, Any] | None:
    """("one" | "optional" | "list", shape) when `hint` holds a TypedDict, else None."""
    if is_typeddict(hint):
        return "one", hint
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        inner = [arg for arg in args if arg is not type(None)]
        if len(inner) == 1 and is_typeddict(inner[0]):
            return "optional", inner[0]
    if origin is list and args and is_typeddict(args[0]):
        return "list", args[0]
    return None


@cache
def _plan(shape) -> tuple[frozenset, tuple]:
    """The keys of `shape`, and (key, how, nested shape) for each field that holds a shape."""
    nested = tuple((name, *found) for name, hint in get_type_hints(shape).items() if (found := shape_of(hint)))
    return frozenset(shape.__annotations__), nested


def check(shape, value: dict, where: str = "") -> dict:
    """`value` has exactly the fields of `shape`, nested shapes included; returns it. Raises
    TypeError naming the first missing or undeclared field."""
    keys, nested = _plan(shape)
    if not isinstance(value, dict):
        raise TypeError(f"{where or shape.__name__}: a {shape.__name__} object is required, not {type(value).__name__}")
    if value.keys() != keys:
        missing, extra = sorted(keys - value.keys()), sorted(value.keys() - keys)
        raise TypeError(f"{where or shape.__name__}: " + "; ".join(
            part for part in (missing and f"missing {', '.join(missing)}", extra and f"undeclared {', '.join(extra)}")
            if part))
    for name, how, inner in nested:
        item = value[name]
        if how == "list":
            for index, element in enumerate(item):
                check(inner, element, f"{where or shape.__name__}.{name}.{index}")
        elif item is not None or how == "one":
            check(inner, item, f"{where or shape.__name__}.{name}")
    return value


def problems(value, hint, where: str = "") -> list[str]:
    """Everything about `value` that `hint` (a type, a TypedDict, `X | None`, `list[X]`) does not
    allow, field by field: the full schema check a test runs on every frame."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return []
        found = [problems(value, arg, where) for arg in args if arg is not type(None)]
        return [] if any(not found_one for found_one in found) else found[0]
    if is_typeddict(hint):
        if not isinstance(value, dict):
            return [f"{where}: {value!r} is not an object"]
        hints = get_type_hints(hint)
        out = [f"{where}.{name}: missing" for name in hints if name not in value]
        out += [f"{where}.{name}: undeclared" for name in value if name not in hints]
        for name, field_hint in hints.items():
            if name in value:
                out += problems(value[name], field_hint, f"{where}.{name}")
        return out
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: {value!r} is not a list"]
        return [problem for index, item in enumerate(value) for problem in problems(item, args[0], f"{where}.{index}")]
    if hint is typing.Any:
        return []
    runtime = origin or hint
    if runtime is int and isinstance(value, bool):
        return [f"{where}: {value!r} is not int"]
    return [] if isinstance(value, runtime) else [f"{where}: {value!r} is not {getattr(runtime, '__name__', runtime)}"]
