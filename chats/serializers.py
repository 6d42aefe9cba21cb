"""The shapes of a message and a chat row: one definition for the REST API and the events."""

from __future__ import annotations

from rest_framework import serializers

from chats.models import Contact, MediaFile, MediaStatus, Message, Reaction


def media_url(media: MediaFile) -> str:
    return f"/api/v1/media/{media.pk}/"


class MediaSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    ready = serializers.SerializerMethodField()

    class Meta:
        model = MediaFile
        fields = ["id", "url", "mimetype", "filename", "size", "ready", "status"]

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


class ReplyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = ["id", "type", "body", "caption", "direction", "revoked"]


def reaction_list(message: Message) -> list[dict]:
    """Reactions as the clients see them. Uses the prefetched `reactions` when present."""
    return [
        {"emoji": r.emoji, "from": "agent" if r.reactor == Reaction.ME else "customer", "reactor": r.reactor,
         "user_id": r.user_id}
        for r in sorted(message.reactions.all(), key=lambda r: (r.updated_at, r.pk))
    ]


def without_reactions(message: Message) -> Message:
    """A message this transaction just created has no reactions yet: say so, as a prefetch would,
    so serialising it reads nothing more."""
    none = Reaction.objects.none()
    none._result_cache = []  # evaluated already: reading it costs nothing
    cache = getattr(message, "_prefetched_objects_cache", {})
    message._prefetched_objects_cache = {**cache, "reactions": none}
    return message


class MessageSerializer(serializers.ModelSerializer):
    contact_id = serializers.IntegerField(read_only=True)
    session_id = serializers.CharField(read_only=True, allow_null=True)
    media = MediaSerializer(read_only=True, allow_null=True)
    reply_to = ReplyRefSerializer(read_only=True, allow_null=True)
    reactions = serializers.SerializerMethodField()
    edited = serializers.SerializerMethodField()
    sent_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Message
        fields = [
            "id", "contact_id", "direction", "type", "body", "caption", "media", "location", "contact_card",
            "status", "failure_reason", "wa_message_id", "client_id", "reply_to", "reactions", "edited", "edits",
            "edited_at", "revoked", "revoked_at", "sent_by", "session_id", "timestamp", "created_at", "sent_at",
            "delivered_at", "read_at", "played_at", "failed_at",
        ]
        read_only_fields = fields

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

    class Meta:
        model = Contact
        fields = ["id", "wa_id", "phone", "name", "push_name", "display_name", "avatar_url", "custom_fields",
                  "tags", "unread_count", "last_message_at", "assignee", "session_id", "online", "last_seen",
                  "created_at", "updated_at"]
        read_only_fields = fields


class ChatSerializer(ContactSerializer):
    """A chat row: the contact and its last message."""

    last_message = MessageSerializer(read_only=True, allow_null=True)

    class Meta(ContactSerializer.Meta):
        fields = [*ContactSerializer.Meta.fields, "last_message"]
        read_only_fields = fields


# One instance each, built once: a ModelSerializer builds its fields per instance, which cost more
# than the query behind an event. to_representation() only reads them, so threads may share it.
_message_serializer = MessageSerializer()
_chat_serializer = ChatSerializer()


def message_data(message: Message) -> dict:
    return dict(_message_serializer.to_representation(message))


def chat_data(contact: Contact) -> dict:
    return dict(_chat_serializer.to_representation(contact))
