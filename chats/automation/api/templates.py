"""/api/v1/templates/: the workspace's message templates, and a preview for one contact."""

from __future__ import annotations

from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from blazz.core.openapi import error_responses
from blazz.core.validation import StorableJson
from chats.api.common import actor, contact_or_404
from chats.automation.api.common import AdminWrites, TemplateSerializer
from chats.automation.models import Template, TemplateCategory
from chats.automation.services import templates as service
from workspaces import scopes
from workspaces.scopes import Scope


class TemplateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    category = serializers.ChoiceField(choices=TemplateCategory.choices, default=TemplateCategory.OTHER)
    body = serializers.CharField(max_length=4096)
    media_id = serializers.UUIDField(required=False, allow_null=True, default=None)
    fallbacks = serializers.DictField(child=serializers.CharField(max_length=500, allow_blank=True), required=False,
                                      default=dict, validators=[StorableJson()])

    def validate_name(self, value):
        return value.strip()


def _values(validated: dict) -> dict:
    values = dict(validated)
    if "media_id" in values:
        values["media_id"] = str(values["media_id"]) if values["media_id"] else None
    return values


class TemplateListApi(AdminWrites, APIView):
    api_key_scopes = scopes.READ_AND_MANAGE

    @extend_schema(operation_id="templates_list", responses={200: TemplateSerializer(many=True),
                                                             **error_responses(401, 403)})
    def get(self, request):
        rows = Template.objects.select_related("media")
        if request.query_params.get("category") in TemplateCategory.values:
            rows = rows.filter(category=request.query_params["category"])
        return Response(TemplateSerializer(rows, many=True).data)

    @extend_schema(operation_id="templates_create", request=TemplateInput,
                   responses={201: TemplateSerializer, **error_responses(400, 401, 403, 409)})
    def post(self, request):
        data = TemplateInput(data=request.data)
        data.is_valid(raise_exception=True)
        template = service.template_save(user=actor(request), **_values(data.validated_data))
        return Response(TemplateSerializer(template).data, status=status.HTTP_201_CREATED)


class TemplateDetailApi(AdminWrites, APIView):
    api_key_scopes = scopes.READ_AND_MANAGE

    @extend_schema(operation_id="templates_retrieve", responses={200: TemplateSerializer,
                                                                 **error_responses(401, 403, 404)})
    def get(self, request, template_id: int):
        return Response(TemplateSerializer(service.template_get(template_id)).data)

    @extend_schema(operation_id="templates_update", request=TemplateInput(partial=True),
                   responses={200: TemplateSerializer, **error_responses(400, 401, 403, 404, 409)})
    def patch(self, request, template_id: int):
        template = service.template_get(template_id)
        data = TemplateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        template = service.template_save(template=template, **_values(data.validated_data))
        return Response(TemplateSerializer(template).data)

    @extend_schema(operation_id="templates_delete", responses={204: None, **error_responses(401, 403, 404)})
    def delete(self, request, template_id: int):
        service.template_delete(template=service.template_get(template_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TemplatePreviewApi(APIView):
    api_key_scopes = {"POST": Scope.READ}

    class InputSerializer(serializers.Serializer):
        contact_id = serializers.IntegerField(required=False, allow_null=True, default=None)
        variables = serializers.DictField(child=serializers.CharField(max_length=1000, allow_blank=True),
                                          required=False, default=dict)

    class OutputSerializer(serializers.Serializer):
        text = serializers.CharField()
        media_id = serializers.UUIDField(allow_null=True)

    @extend_schema(operation_id="templates_preview", request=InputSerializer,
                   responses={200: OutputSerializer, **error_responses(400, 401, 403, 404)},
                   description="The text this template would send to this contact (400 naming missing variables).")
    def post(self, request, template_id: int):
        template = service.template_get(template_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact_id = data.validated_data["contact_id"]
        contact = contact_or_404(contact_id) if contact_id is not None else None
        text = service.template_render(template, contact=contact, agent=actor(request),
                                       workspace=getattr(connection, "tenant", None),
                                       values=data.validated_data["variables"])
        return Response({"text": text, "media_id": str(template.media_id) if template.media_id else None})
