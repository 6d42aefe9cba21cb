"""What the automation API views share: permissions (members read, owners and admins change) and
the serializers of its records."""

from __future__ import annotations

from rest_framework import serializers

from chats.automation.models import AutoReplyRule, BusinessHours, Template
from chats.automation.serializers import ScheduledMessageSerializer  # noqa: F401  its home; the views' import
from chats.services.variables import names_in
from workspaces.permissions import IsWorkspaceAdmin, IsWorkspaceMember


class AdminWrites:
    """GET for members; every write for owners, admins and API keys."""

    def get_permissions(self):
        return [IsWorkspaceMember()] if self.request.method == "GET" else [IsWorkspaceAdmin()]


class TemplateSerializer(serializers.ModelSerializer):
    variables = serializers.SerializerMethodField()
    media_id = serializers.UUIDField(allow_null=True, read_only=True)
    media_type = serializers.SerializerMethodField()

    class Meta:
        model = Template
        fields = ["id", "name", "category", "body", "variables", "fallbacks", "media_id", "media_type",
                  "created_at", "updated_at"]

    def get_variables(self, obj) -> list[str]:
        return names_in(obj.body)

    def get_media_type(self, obj) -> str | None:
        from chats.automation.services.templates import media_message_type

        return media_message_type(obj.media) if obj.media_id and obj.media else None


class BusinessHoursSerializer(serializers.ModelSerializer):
    open_now = serializers.SerializerMethodField()

    class Meta:
        model = BusinessHours
        fields = ["timezone", "weekly", "closed_dates", "open_now", "updated_at"]

    def get_open_now(self, obj) -> bool:
        from django.utils import timezone

        from chats.automation.services.hours import is_open

        return is_open(obj, timezone.now())


class RuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = AutoReplyRule
        fields = ["id", "name", "position", "enabled", "session_ids", "trigger", "match_type", "pattern",
                  "condition_statuses", "condition_label_ids", "condition_contact_is_new", "condition_unassigned",
                  "reply_template_id", "reply_text", "assign_to_id", "add_label_ids", "set_status", "cooldown_seconds", "stop_here", "fired_count",
                  "last_fired_at", "last_error", "last_error_at", "error_count", "created_at", "updated_at"]
