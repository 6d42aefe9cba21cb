"""The contract of each bridge event's `data` (docs/bridge.md "Webhooks", DESIGN "Payload data per
type"), checked before anything is applied: types, required fields, and lengths that fit the
columns they land in. A signed event that breaks it is refused (422 `invalid_payload`, fields
named), never half-applied and never a 500.

The bridge sends every declared field, null where it has nothing (bridge/src/contract/events.json), so most
fields accept null; a field is required here only when Django cannot apply the event without it.
Fields are strict about JSON types: a number is not a string, `true` is not 1 (DRF's own fields
coerce both ways). `validated_data` holds only the fields declared here: a field a service reads
must be declared, or it reads None.
"""

from __future__ import annotations

import math

from django.core.validators import RegexValidator
from rest_framework import serializers

from sessions_wa.models import SessionStatus

# Column sizes the values land in (chats.models, sessions_wa.models).
WA_MESSAGE_ID_MAX = 200  # Message.wa_message_id, reply_to_wa_id, PendingMessageEvent.wa_message_id, MediaFile.bridge_media_id
CHAT_ID_MAX = 100        # Contact.wa_id, Reaction.reactor
CLIENT_ID_MAX = 100      # Message.client_id
EMOJI_MAX = 32           # Reaction.emoji
PHONE_DIGITS_MAX = 31    # WhatsAppSession.phone / Contact.phone hold 32 characters: "+" and the digits
BIGINT_MAX = 2 ** 63 - 1  # MediaFile.size

TYPING_STATES = ("typing", "recording", "paused")


class Text(serializers.CharField):
    """A JSON string, taken as sent: no trimming, and a number is not turned into text. DRF's
    CharField already refuses NUL bytes and lone surrogates, which PostgreSQL cannot store."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Choice(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class Integer(serializers.IntegerField):
    """A JSON integer: not a string of digits, not 2.0, not a boolean."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class Number(serializers.Field):
    """A JSON number (integer or not), finite, optionally within [min_value, max_value]."""

    default_error_messages = {
        "invalid": "A number is required.",
        "out_of_range": "Must be between {min_value} and {max_value}.",
    }

    def __init__(self, *, min_value=None, max_value=None, **kwargs):
        self.min_value, self.max_value = min_value, max_value
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        if isinstance(data, float) and not math.isfinite(data):
            self.fail("invalid")
        if (self.min_value is not None and data < self.min_value) or (
                self.max_value is not None and data > self.max_value):
            self.fail("out_of_range", min_value=self.min_value, max_value=self.max_value)
        return data

    def to_representation(self, value):
        return value


class Boolean(serializers.BooleanField):
    """A JSON boolean: not "yes", not 1."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


def wa_message_id(**kwargs):
    return Text(max_length=WA_MESSAGE_ID_MAX, allow_blank=False, **kwargs)


def chat_id(**kwargs):
    """A chat's WhatsApp id, `user@server` (`6281234567890@c.us`). A contact's phone is derived
    from the user part, so that part fits Contact.phone."""
    return Text(max_length=CHAT_ID_MAX, allow_blank=False, validators=[RegexValidator(
        rf"^[^@\s]{{1,{PHONE_DIGITS_MAX}}}@[^@\s]+$",
        f"A WhatsApp id, user@server, whose user part has at most {PHONE_DIGITS_MAX} characters.")], **kwargs)


def optional(field_class, **kwargs):
    return field_class(required=False, allow_null=True, **kwargs)


def schema(name: str, fields: dict) -> type[serializers.Serializer]:
    """A serializer class from a table of fields (a table, because `from` is a Python keyword)."""
    return type(name, (serializers.Serializer,), {"__module__": __name__, **fields})


MediaData = schema("MediaData", {
    "id": optional(Text, max_length=WA_MESSAGE_ID_MAX),  # null: the bridge could not download it
    "mimetype": optional(Text),   # the service keeps the first 100 characters
    "filename": optional(Text),   # ... and 255
    "size": optional(Integer, min_value=0, max_value=BIGINT_MAX),
})

LocationData = schema("LocationData", {
    "latitude": Number(min_value=-90, max_value=90),
    "longitude": Number(min_value=-180, max_value=180),
    "name": optional(Text),
    "address": optional(Text),
})

ContactCardData = schema("ContactCardData", {
    "name": optional(Text),
    "phone": optional(Text),
    "vcard": optional(Text),
})


def _message_fields() -> dict:
    """message.received and message.created."""
    return {
        "wa_message_id": wa_message_id(),
        "chat_id": chat_id(),
        "from": optional(Text, max_length=CHAT_ID_MAX),
        "from_name": optional(Text),  # the service keeps the first 200 characters
        "to": optional(Text, max_length=CHAT_ID_MAX),
        "type": optional(Text),       # an unknown type is stored as `unknown`
        "body": optional(Text),
        "caption": optional(Text),
        "media": MediaData(required=False, allow_null=True),
        "reply_to": optional(Text, max_length=WA_MESSAGE_ID_MAX),
        "timestamp": optional(Number),
        "client_id": optional(Text, max_length=CLIENT_ID_MAX),
        "location": LocationData(required=False, allow_null=True),
        "contact": ContactCardData(required=False, allow_null=True),
    }


EVENT_SCHEMAS: dict[str, type[serializers.Serializer]] = {
    "session.qr": schema("SessionQrData", {
        "qr": Text(allow_blank=False),
        "qr_data_url": optional(Text),
    }),
    "session.status": schema("SessionStatusData", {
        "status": Choice(choices=SessionStatus.values),
        "phone": optional(Text, validators=[RegexValidator(
            rf"^\+?[0-9]{{0,{PHONE_DIGITS_MAX}}}$", f"Digits (at most {PHONE_DIGITS_MAX}), optionally after a +.")]),
        "reason": optional(Text),  # the service keeps the first 500 characters
    }),
    "message.received": schema("MessageReceivedData", _message_fields()),
    "message.created": schema("MessageCreatedData", _message_fields()),
    "message.ack": schema("MessageAckData", {
        "wa_message_id": wa_message_id(),
        "ack": Integer(min_value=-1, max_value=4),
    }),
    "message.reaction": schema("MessageReactionData", {
        "wa_message_id": wa_message_id(),
        "from": Text(max_length=CHAT_ID_MAX),
        "emoji": Text(max_length=EMOJI_MAX),  # "" = removed
    }),
    "message.edited": schema("MessageEditedData", {
        "wa_message_id": wa_message_id(),
        "body": Text(),
    }),
    "message.revoked": schema("MessageRevokedData", {
        "wa_message_id": wa_message_id(),
    }),
    "chat.typing": schema("ChatTypingData", {
        "chat_id": chat_id(),
        "from": optional(Text, max_length=CHAT_ID_MAX),
        "state": Choice(choices=TYPING_STATES),
    }),
    "contact.presence": schema("ContactPresenceData", {
        "chat_id": chat_id(),
        "online": Boolean(),
        "last_seen": optional(Number),
    }),
}


def _plain(value):
    """validated_data's OrderedDicts -> dicts (stored as JSON by PendingMessageEvent)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


# One instance per type, built once: building a serializer deep-copies its fields, which cost more
# than validating. `run_validation` (what is_valid() calls) keeps nothing on the instance, so
# threads may share it.
_VALIDATORS = {event_type: schema_class() for event_type, schema_class in EVENT_SCHEMAS.items()}


def event_data_validate(event_type: str, data) -> tuple[dict | None, dict]:
    """(the data as its schema reads it, {}) or (None, DRF's nested error detail)."""
    try:
        validated = _VALIDATORS[event_type].run_validation(data)
    except serializers.ValidationError as exc:
        return None, exc.detail
    return _plain(validated), {}
