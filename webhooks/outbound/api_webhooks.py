"""`/api/v1/webhooks/`: CRM endpoints, their secret, their delivery log and replays."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from blazz.core.openapi import error_responses
from webhooks.errors import WebhookErrorCode as Code
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.outbound import delivery as deliveries, endpoints as services
from webhooks.outbound.trigger import ENDPOINTS_CACHE_SECONDS, forget, pump_soon
from workspaces.permissions import IsWorkspaceAdmin


class EndpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "enabled", "headers", "disabled_reason", "failing_since",
                  "delivered_seq", "created_at", "updated_at"]
        read_only_fields = fields


class EndpointWithSecretSerializer(EndpointSerializer):
    class Meta(EndpointSerializer.Meta):
        fields = EndpointSerializer.Meta.fields + ["secret"]
        read_only_fields = fields


class AttemptSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True)
    latency_ms = serializers.FloatField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    response = serializers.CharField(allow_blank=True, help_text="The first 1 KB of the response body")


class DeliverySerializer(serializers.ModelSerializer):
    attempts = AttemptSerializer(many=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "endpoint", "event_id", "seq", "type", "status", "attempts", "created_at", "updated_at"]
        read_only_fields = fields


class EndpointInput(serializers.Serializer):
    url = serializers.URLField(max_length=2000)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    events = serializers.ListField(child=serializers.CharField(max_length=60), default=lambda: ["*"], max_length=50)
    enabled = serializers.BooleanField(default=True)
    headers = serializers.DictField(child=serializers.CharField(max_length=1000), required=False, default=dict)


class EndpointListApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(operation_id="webhooks_list", responses={200: EndpointSerializer(many=True), **error_responses(401, 403)})
    def get(self, request):
        return Response(EndpointSerializer(services.endpoint_list(), many=True).data)

    @extend_schema(operation_id="webhooks_create", request=EndpointInput,
                   responses={201: EndpointWithSecretSerializer,
                              **error_responses(400, 401, 403, codes={400: [Code.URL_NOT_ALLOWED]})})
    def post(self, request):
        data = EndpointInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.endpoint_create(**data.validated_data)
        forget(request.tenant.schema_name)
        # Other processes learn of it within their cache's life: events logged meanwhile go then.
        pump_soon(endpoint.pk, countdown=ENDPOINTS_CACHE_SECONDS + 0.5)
        return Response(EndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class EndpointDetailApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    class PatchInput(EndpointInput):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, partial=True, **kwargs)

    @extend_schema(operation_id="webhooks_retrieve", responses={200: EndpointSerializer, **error_responses(401, 403, 404)})
    def get(self, request, webhook_id: int):
        return Response(EndpointSerializer(services.endpoint_get(webhook_id)).data)

    @extend_schema(operation_id="webhooks_update", request=EndpointInput,
                   responses={200: EndpointSerializer,
                              **error_responses(400, 401, 403, 404, codes={400: [Code.URL_NOT_ALLOWED]})})
    def patch(self, request, webhook_id: int):
        endpoint = services.endpoint_get(webhook_id)
        data = self.PatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        changes = {name: value for name, value in data.validated_data.items() if name in request.data}
        endpoint = services.endpoint_update(endpoint=endpoint, **changes)
        forget(request.tenant.schema_name)
        if endpoint.enabled:
            pump_soon(endpoint.pk)
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(operation_id="webhooks_delete", responses={204: None, **error_responses(401, 403, 404)})
    def delete(self, request, webhook_id: int):
        services.endpoint_delete(endpoint=services.endpoint_get(webhook_id))
        forget(request.tenant.schema_name)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointRotateSecretApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(operation_id="webhooks_rotate_secret", request=None,
                   responses={200: EndpointWithSecretSerializer, **error_responses(401, 403, 404)})
    def post(self, request, webhook_id: int):
        endpoint = services.endpoint_rotate_secret(endpoint=services.endpoint_get(webhook_id))
        return Response(EndpointWithSecretSerializer(endpoint).data)


class EndpointSecretApi(APIView):
    """The secret again (the settings page's "reveal"): owners and admins only."""

    permission_classes = [IsWorkspaceAdmin]

    class OutputSerializer(serializers.Serializer):
        secret = serializers.CharField()

    @extend_schema(operation_id="webhooks_secret", responses={200: OutputSerializer, **error_responses(401, 403, 404)})
    def get(self, request, webhook_id: int):
        return Response({"secret": services.endpoint_get(webhook_id).secret})


class EndpointTestApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(operation_id="webhooks_test", request=None,
                   responses={200: DeliverySerializer, **error_responses(401, 403, 404)})
    def post(self, request, webhook_id: int):
        delivery = deliveries.endpoint_send_test(endpoint=services.endpoint_get(webhook_id))
        return Response(DeliverySerializer(delivery).data)


class DeliveryPagination(CursorPagination):
    ordering = ("-seq", "-id")
    page_size = 50


class EndpointDeliveryListApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices, required=False)

    @extend_schema(operation_id="webhooks_deliveries", parameters=[InputSerializer],
                   responses={200: DeliverySerializer(many=True), **error_responses(400, 401, 403, 404)})
    def get(self, request, webhook_id: int):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        found = services.delivery_list(endpoint=services.endpoint_get(webhook_id),
                                       status=data.validated_data.get("status"))
        paginator = DeliveryPagination()
        page = paginator.paginate_queryset(found, request, view=self)
        return paginator.get_paginated_response(DeliverySerializer(page, many=True).data)


class EndpointReplayApi(APIView):
    """Every failed delivery since a time, sent again now (in seq order)."""

    permission_classes = [IsWorkspaceAdmin]

    class InputSerializer(serializers.Serializer):
        since = serializers.DateTimeField()

    class OutputSerializer(serializers.Serializer):
        replayed = DeliverySerializer(many=True)

    @extend_schema(operation_id="webhooks_replay", request=InputSerializer,
                   responses={200: OutputSerializer, **error_responses(400, 401, 403, 404)})
    def post(self, request, webhook_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.endpoint_get(webhook_id)
        failed = endpoint.deliveries.filter(status=WebhookDelivery.Status.FAILED,
                                            created_at__gte=data.validated_data["since"]).order_by("seq")
        replayed = [deliveries.delivery_replay(delivery=d) for d in failed]
        return Response({"replayed": DeliverySerializer(replayed, many=True).data})


class DeliveryReplayApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(operation_id="webhook_deliveries_replay", request=None,
                   responses={200: DeliverySerializer, **error_responses(401, 403, 404, 410, codes={410: [Code.EVENT_GONE]})})
    def post(self, request, delivery_id: int):
        return Response(DeliverySerializer(deliveries.delivery_replay(delivery=services.delivery_get(delivery_id))).data)
