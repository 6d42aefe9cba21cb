"""The REST API's and the events' message and chat row: serializers whose field lists are the
payload shapes of the event catalogue (blazz/core/payloads.py), so both say the same."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from blazz.core.payloads import (
    ChatPayload, ContactPayload, LabelPayload, MediaPayload, MessagePayload, ReactionPayload, ReplyPayload, fields_of,
)
from chats.models import Contact, Label, MediaFile, MediaStatus, Message, Reaction


def media_url(media: MediaFile) -> str:
    return f"/api/v1/media/{media.pk}/"


# The JSON columns, typed for the OpenAPI description (they serialise as stored).

class LocationSerializer(serializers.Serializer):
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ContactCardSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=40)


@extend_schema_serializer(component_name="ContactCard")
class StoredContactCardSerializer(ContactCardSerializer):
    """A message's card as stored: what was sent, or what came in (with its vCard)."""

    vcard = serializers.CharField(required=False, help_text="The vCard as received (inbound cards).")


class EditSerializer(serializers.Serializer):
    body = serializers.CharField(help_text="The text before this edit.")
    edited_at = serializers.DateTimeField()


@extend_schema_field(LocationSerializer)
class LocationField(serializers.JSONField):
    pass


@extend_schema_field(StoredContactCardSerializer)
class ContactCardField(serializers.JSONField):
    pass


@extend_schema_field(EditSerializer(many=True))
class EditsField(serializers.JSONField):
    pass


@extend_schema_field({"type": "array", "items": {"type": "number"},
                      "description": "Voice notes: the loudness of the recording in bars, 0 to 1."})
class WaveformField(serializers.JSONField):
    pass


@extend_schema_field({"type": "object", "additionalProperties": {}})
class SystemDataField(serializers.JSONField):
    pass


@extend_schema_field({"type": "object", "additionalProperties": {},
                      "description": "The CRM's own fields: string keys, any JSON values."})
class CustomFieldsField(serializers.JSONField):
    pass


class MediaSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    ready = serializers.SerializerMethodField()
    waveform = WaveformField(read_only=True, allow_null=True)

    class Meta:
        model = MediaFile
        fields = fields_of(MediaPayload)

    def get_url(self, media) -> str:
        return media_url(media)

    def get_ready(self, media) -> bool:
        return media.status == MediaStatus.READY


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()
    email = serializers.CharField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.email


def user_ref(user) -> dict | None:
    """A member as events and the API name them."""
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.email, "email": user.email}


class LabelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Label
        fields = fields_of(LabelPayload)
        read_only_fields = ["id"]


class ReplyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = fields_of(ReplyPayload)


def reaction_list(message: Message) -> list[ReactionPayload]:
    """Reactions as the clients see them: `message.known_reactions` when the caller set it
    (`without_reactions`), else the prefetched `reactions`, else a query."""
    rows = getattr(message, "known_reactions", None)
    if rows is None:
        rows = message.reactions.all()
    return [
        {"emoji": r.emoji, "from": "agent" if r.reactor == Reaction.ME else "customer", "reactor": r.reactor,
         "user_id": r.user_id}
        for r in sorted(rows, key=lambda r: (r.updated_at, r.pk))
    ]


def without_reactions(message: Message) -> Message:
    """A message this transaction just created has no reactions yet: say so, so serialising it
    reads nothing more."""
    message.known_reactions = ()
    return message


class ReactionSerializer(serializers.Serializer):
    """A reaction as the clients see it (reaction_list): only the schema reads this class."""

    emoji = serializers.CharField()
    # "from" is a Python keyword: declared under another name, published under its own.
    from_ = serializers.ChoiceField(choices=["agent", "customer"])
    reactor = serializers.CharField(help_text='The customer\'s WhatsApp id, or "me" for our own number.')
    user_id = serializers.IntegerField(allow_null=True, help_text="The agent who reacted, when one did.")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class MessageSerializer(serializers.ModelSerializer):
    contact_id = serializers.IntegerField(read_only=True)
    session_id = serializers.CharField(read_only=True, allow_null=True)
    media = MediaSerializer(read_only=True, allow_null=True)
    reply_to = ReplyRefSerializer(read_only=True, allow_null=True)
    reactions = serializers.SerializerMethodField()
    edited = serializers.SerializerMethodField()
    sent_by = UserRefSerializer(read_only=True, allow_null=True)
    location = LocationField(read_only=True, allow_null=True)
    contact_card = ContactCardField(read_only=True, allow_null=True)
    edits = EditsField(read_only=True, help_text="Earlier texts, oldest first.")
    system_data = SystemDataField(read_only=True, allow_null=True, help_text=Message._meta.get_field("system_data").help_text)

    class Meta:
        model = Message
        fields = fields_of(MessagePayload)
        read_only_fields = fields

    @extend_schema_field(ReactionSerializer(many=True))
    def get_reactions(self, message) -> list[dict]:
        return reaction_list(message)

    def get_edited(self, message) -> bool:
        return bool(message.edits)


class SearchResultSerializer(MessageSerializer):
    contact = serializers.SerializerMethodField()

    class Meta(MessageSerializer.Meta):
        fields = [*MessageSerializer.Meta.fields, "contact"]
        read_only_fields = fields

    def get_contact(self, message) -> dict:
        return {"id": message.contact_id, "display_name": message.contact.display_name,
                "phone": message.contact.phone}


class ContactSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    # Not a URLField in the schema: "" (no picture) is not a URI.
    avatar_url = serializers.CharField(read_only=True, help_text='The profile picture\'s URL, or "" when there is none.')
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    session_id = serializers.CharField(read_only=True, allow_null=True)
    labels = LabelSerializer(many=True, read_only=True)
    custom_fields = CustomFieldsField(read_only=True)

    class Meta:
        model = Contact
        fields = fields_of(ContactPayload)
        read_only_fields = fields


class ChatSerializer(ContactSerializer):
    """A chat row: the contact and its last message."""

    last_message = MessageSerializer(read_only=True, allow_null=True)

    class Meta(ContactSerializer.Meta):
        fields = fields_of(ChatPayload)
        read_only_fields = fields


# One instance each, built once: a ModelSerializer builds its fields per instance, which cost more
# than the query behind an event. to_representation() only reads them, so threads may share it.
_message_serializer = MessageSerializer()
_chat_serializer = ChatSerializer()


def message_data(message: Message) -> MessagePayload:
    return dict(_message_serializer.to_representation(message))


def chat_data(contact: Contact) -> ChatPayload:
    return dict(_chat_serializer.to_representation(contact))
