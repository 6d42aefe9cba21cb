"""/api/v1/automation-settings/: the workspace's automation settings (opt-out keywords)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from blazz.core.openapi import error_responses
from chats.automation.api.common import AdminWrites
from chats.automation.services import config


class AutomationSettingsSerializer(serializers.Serializer):
    optout_keywords = serializers.ListField(child=serializers.CharField(max_length=50), max_length=50)


class AutomationSettingsApi(AdminWrites, APIView):
    @extend_schema(operation_id="automation_settings_retrieve",
                   responses={200: AutomationSettingsSerializer, **error_responses(401, 403)})
    def get(self, request):
        return Response(AutomationSettingsSerializer(config.settings_get()).data)

    @extend_schema(operation_id="automation_settings_update", request=AutomationSettingsSerializer,
                   responses={200: AutomationSettingsSerializer, **error_responses(400, 401, 403)})
    def put(self, request):
        data = AutomationSettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(AutomationSettingsSerializer(config.settings_save(**data.validated_data)).data)
