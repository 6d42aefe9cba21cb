"""Custom contact fields (`/api/v1/custom-fields/`: every member reads them, owners, admins and
API keys define them), and a contact's activity for the contact panel."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from blazz.core.errors import NotFound
from blazz.core.openapi import error_responses
from chats import selectors
from chats.api.common import contact_or_404
from chats.errors import ChatErrorCode as Code
from chats.models import CustomField, CustomFieldType
from chats.services import fields
from workspaces.permissions import IsWorkspaceAdmin


class CustomFieldSerializer(serializers.ModelSerializer):
    key = serializers.SlugField(max_length=40, help_text="The key in a contact's custom_fields; fixed once made.")
    choices = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=50,
                                    help_text="A choice field's allowed values.")

    class Meta:
        model = CustomField
        fields = ["id", "key", "name", "type", "choices", "position", "created_at"]
        read_only_fields = ["id", "created_at"]


class CustomFieldUpdateSerializer(CustomFieldSerializer):
    key = serializers.SlugField(read_only=True)

    class Meta(CustomFieldSerializer.Meta):
        read_only_fields = ["id", "key", "type", "created_at"]


def field_or_404(field_id: int) -> CustomField:
    field = CustomField.objects.filter(pk=field_id).first()
    if field is None:
        raise NotFound(Code.CUSTOM_FIELD_NOT_FOUND, _("No such custom field."))
    return field


class _AdminWrites(APIView):
    def get_permissions(self):
        return [IsWorkspaceAdmin()] if self.request.method != "GET" else super().get_permissions()


class CustomFieldListApi(_AdminWrites):
    @extend_schema(operation_id="custom_fields_list",
                   responses={200: CustomFieldSerializer(many=True), **error_responses(401, 403)})
    def get(self, request):
        return Response(CustomFieldSerializer(CustomField.objects.all(), many=True).data)

    @extend_schema(operation_id="custom_fields_create", request=CustomFieldSerializer,
                   responses={201: CustomFieldSerializer, **error_responses(400, 401, 403, 409)},
                   description=f"Types: {', '.join(CustomFieldType.values)}; a choice field needs `choices`.")
    def post(self, request):
        data = CustomFieldSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        field = fields.custom_field_save(CustomField(**data.validated_data))
        return Response(CustomFieldSerializer(field).data, status=status.HTTP_201_CREATED)


class CustomFieldDetailApi(_AdminWrites):
    @extend_schema(operation_id="custom_fields_update", request=CustomFieldUpdateSerializer,
                   responses={200: CustomFieldSerializer, **error_responses(400, 401, 403, 404)},
                   description="The name, choices and position; the key and type stay.")
    def patch(self, request, field_id: int):
        field = field_or_404(field_id)
        data = CustomFieldUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        for name, value in data.validated_data.items():
            setattr(field, name, value)
        return Response(CustomFieldSerializer(fields.custom_field_save(field)).data)

    @extend_schema(operation_id="custom_fields_delete", responses={204: None, **error_responses(401, 403, 404)})
    def delete(self, request, field_id: int):
        fields.custom_field_delete(field=field_or_404(field_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactActivityApi(APIView):
    @extend_schema(operation_id="contacts_activity", responses={
        200: inline_serializer("ContactActivity", {
            "first_contact_at": serializers.DateTimeField(help_text="When Blazz first knew the contact."),
            "first_message_at": serializers.DateTimeField(allow_null=True),
            "last_message_at": serializers.DateTimeField(allow_null=True),
            "last_inbound_at": serializers.DateTimeField(allow_null=True, help_text="The customer's last message."),
            "messages_count": serializers.IntegerField(help_text="Messages with the customer (no notes, no lines)."),
            "notes_count": serializers.IntegerField()}),
        **error_responses(401, 403, 404)})
    def get(self, request, contact_id: int):
        contact = contact_or_404(contact_id, request)
        return Response(selectors.contact_activity(contact))
