"""The one vocabulary of WhatsApp messages and of the bridge contract, for every app.

Read from bridge/src/contract/events.json, the file the bridge's own event builders validate every
event against: the bridge event types and the JSON Schema of each one's `data`, session statuses,
message types and which of them carry media, typing states, and whatsapp-web.js's ack values.
Django's words for an outbound message's ticks (statuses, their rank, ack -> status) are defined
here beside them. The Django models use the choices below; the frontend gets all of it from
`python manage.py export_contract` (frontend/src/generated/contract.js).
"""

from __future__ import annotations

import enum
import json
from pathlib import Path

from django.db import models

CONTRACT_PATH = Path(__file__).resolve().parent.parent / "bridge" / "src" / "contract" / "events.json"
CONTRACT: dict = json.loads(CONTRACT_PATH.read_text())


def _constant(word: str) -> str:
    """`message.ack` -> MESSAGE_ACK, `logged_out` -> LOGGED_OUT (as the bridge names them)."""
    return "".join(char if char.isalnum() else "_" for char in word.upper())


def _choices(name: str, words) -> type[models.TextChoices]:
    return models.TextChoices(name, [(_constant(word), word) for word in words], module=__name__)


# --- the bridge's events ----------------------------------------------------------------------------

EVENT_SCHEMAS: dict[str, dict] = CONTRACT["events"]
EVENT_TYPES: tuple[str, ...] = tuple(EVENT_SCHEMAS)
EventType = enum.StrEnum("EventType", [(_constant(name), name) for name in EVENT_TYPES], module=__name__)

# Bodies that are not one session event: the node heartbeat and a batch of events.
NODE_MESSAGE_SCHEMAS: dict[str, dict] = {k: v for k, v in CONTRACT["node_messages"].items() if not k.startswith("$")}
NodeMessageType = enum.StrEnum("NodeMessageType", [(_constant(name), name) for name in NODE_MESSAGE_SCHEMAS],
                               module=__name__)
# session.status's reason_code when a node let a session go to another node.
RELEASED_REASON_CODE = "released"

# --- sessions ---------------------------------------------------------------------------------------

SESSION_STATUSES: tuple[str, ...] = tuple(CONTRACT["session_statuses"])
SessionStatus = _choices("SessionStatus", SESSION_STATUSES)
# Why a session is failed/disconnected, for a sentence in the UI (the raw reason is the details).
STATUS_REASON_CODES: tuple[str, ...] = tuple(CONTRACT["status_reason_codes"])

# --- messages ---------------------------------------------------------------------------------------

MESSAGE_TYPES: tuple[str, ...] = tuple(CONTRACT["message_types"])
MessageType = _choices("MessageType", MESSAGE_TYPES)
MEDIA_MESSAGE_TYPES: frozenset[str] = frozenset(CONTRACT["media_message_types"])
# What an agent or a CRM cannot send: a revoke is WhatsApp's, unknown is what we make of a type we
# do not know.
UNSENDABLE_MESSAGE_TYPES: frozenset[str] = frozenset({MessageType.REVOKED, MessageType.UNKNOWN})

TYPING_STATES: tuple[str, ...] = tuple(CONTRACT["typing_states"])

# whatsapp-web.js MessageAck, passed through by the bridge unchanged.
ACK: dict[str, int] = dict(CONTRACT["acks"])


class MessageStatus(models.TextChoices):
    """Outbound ticks, WhatsApp Web's, from whatsapp-web.js `message_ack`. Only moves forward
    (chats/services/status.py is the machine)."""

    PENDING = "pending"      # ACK_PENDING = 0, and our own queue before the bridge has it
    SENT = "sent"            # ACK_SERVER = 1: one grey tick
    DELIVERED = "delivered"  # ACK_DEVICE = 2: two grey ticks
    READ = "read"            # ACK_READ = 3: two blue ticks
    PLAYED = "played"        # ACK_PLAYED = 4: two blue ticks, played mark on voice
    FAILED = "failed"        # ACK_ERROR = -1, the bridge refused, or retries ran out


# The forward order. `failed` has no rank of its own: it ranks with pending (see the machine).
STATUS_RANK: dict[str, int] = {
    MessageStatus.PENDING: 0, MessageStatus.SENT: 1, MessageStatus.DELIVERED: 2,
    MessageStatus.READ: 3, MessageStatus.PLAYED: 4,
}
ACK_TO_STATUS: dict[int, str] = {
    ACK["ERROR"]: MessageStatus.FAILED, ACK["PENDING"]: MessageStatus.PENDING, ACK["SERVER"]: MessageStatus.SENT,
    ACK["DEVICE"]: MessageStatus.DELIVERED, ACK["READ"]: MessageStatus.READ, ACK["PLAYED"]: MessageStatus.PLAYED,
}
