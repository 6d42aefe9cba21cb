"""A contact's scheduled messages: listed, edited and cancelled until they go. They are created
through the send API with `send_at` (chats/api/messages.py)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from blazz.core.openapi import error_responses
from chats.api.common import contact_or_404
from chats.automation.api.common import ScheduledMessageSerializer
from chats.automation.models import ScheduledMessage, ScheduledStatus
from chats.automation.services import schedules as service
from workspaces import scopes
from workspaces.scopes import Scope


class ContactScheduledApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(operation_id="scheduled_messages_list", responses={200: ScheduledMessageSerializer(many=True),
                                                                      **error_responses(401, 403, 404)},
                   description="The contact's messages still scheduled (`?all=1`: sent, cancelled and failed too).")
    def get(self, request, contact_id: int):
        contact = contact_or_404(contact_id)
        rows = ScheduledMessage.objects.filter(contact=contact)
        if request.query_params.get("all") not in ("1", "true"):
            rows = rows.filter(status=ScheduledStatus.SCHEDULED)
        return Response(ScheduledMessageSerializer(rows[:200], many=True).data)


class ScheduledDetailApi(APIView):
    api_key_scopes = {"GET": Scope.READ, "PATCH": Scope.SEND, "DELETE": Scope.SEND}

    class InputSerializer(serializers.Serializer):
        send_at = serializers.DateTimeField(required=False)
        body = serializers.CharField(max_length=65536, required=False, allow_blank=True, trim_whitespace=False)
        caption = serializers.CharField(max_length=4096, required=False, allow_blank=True, trim_whitespace=False)
        variables = serializers.DictField(child=serializers.CharField(max_length=1000, allow_blank=True),
                                          required=False)

    @extend_schema(operation_id="scheduled_messages_retrieve", responses={200: ScheduledMessageSerializer,
                                                                         **error_responses(401, 403, 404)})
    def get(self, request, scheduled_id: int):
        return Response(ScheduledMessageSerializer(service.scheduled_get(scheduled_id)).data)

    @extend_schema(operation_id="scheduled_messages_update", request=InputSerializer,
                   responses={200: ScheduledMessageSerializer, **error_responses(400, 401, 403, 404, 409)})
    def patch(self, request, scheduled_id: int):
        scheduled = service.scheduled_get(scheduled_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(ScheduledMessageSerializer(service.scheduled_update(scheduled=scheduled,
                                                                            **data.validated_data)).data)

    @extend_schema(operation_id="scheduled_messages_cancel", responses={200: ScheduledMessageSerializer,
                                                                        **error_responses(401, 403, 404, 409)})
    def delete(self, request, scheduled_id: int):
        scheduled = service.scheduled_cancel(scheduled=service.scheduled_get(scheduled_id))
        return Response(ScheduledMessageSerializer(scheduled).data, status=status.HTTP_200_OK)
