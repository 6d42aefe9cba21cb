"""A scheduled message as REST returns it and its events carry it (blazz.core.payloads.ScheduledPayload):
one serializer for both, so a frame and a later GET agree."""

from __future__ import annotations

from rest_framework import serializers

from blazz.core.payloads import ScheduledPayload, check, fields_of
from chats.automation.models import ScheduledMessage


class ScheduledMessageSerializer(serializers.ModelSerializer):
    contact_id = serializers.IntegerField(read_only=True)
    message_id = serializers.IntegerField(read_only=True, allow_null=True)
    template_id = serializers.IntegerField(read_only=True, allow_null=True)
    media_id = serializers.UUIDField(read_only=True, allow_null=True)
    media_mimetype = serializers.SerializerMethodField()
    media_filename = serializers.SerializerMethodField()
    template_name = serializers.SerializerMethodField()

    class Meta:
        model = ScheduledMessage
        fields = fields_of(ScheduledPayload)

    def get_media_mimetype(self, obj) -> str | None:
        return obj.media.mimetype if obj.media_id and obj.media else None

    def get_media_filename(self, obj) -> str | None:
        return obj.media.filename if obj.media_id and obj.media else None

    def get_template_name(self, obj) -> str | None:
        return obj.template.name if obj.template_id and obj.template else None


def scheduled_data(scheduled: ScheduledMessage) -> dict:
    """The payload of a scheduled.* event: JSON-ready (ids and times as strings), shape checked."""
    data = dict(ScheduledMessageSerializer(scheduled).data)
    if data["media_id"] is not None:
        data["media_id"] = str(data["media_id"])
    return check(ScheduledPayload, data)
