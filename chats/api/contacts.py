"""Contacts, and reading a chat (the chat list and a chat's team fields: chats/api/team.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from blazz.core.errors import Forbidden
from blazz.core.openapi import error_responses
from blazz.core.validation import StorableJson, StrictCharField
from chats import selectors, services
from chats.api.common import (ContactCursor, Q_PARAM, UPDATED_SINCE_PARAM, actor, contact_or_404, list_query,
                              paginate)
from chats.errors import ChatErrorCode as Code
from chats.serializers import ChatSerializer, ContactSerializer
from workspaces.authentication import ApiKeyPrincipal
from workspaces.permissions import IsWorkspaceAdmin

ERASE_PARAM = OpenApiParameter(
    "erase", bool, description="true: also erase the contact's messages, reactions and media files for good, "
    "leaving an audit line without content (owners, admins and API keys only).")


class ContactListApi(APIView):
    pagination_class = ContactCursor

    class InputSerializer(serializers.Serializer):
        phone = StrictCharField(max_length=40)
        name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        custom_fields = serializers.DictField(required=False, default=dict, validators=[StorableJson()])
        tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list,
                                     max_length=50)

    @extend_schema(operation_id="contacts_list", parameters=[Q_PARAM, UPDATED_SINCE_PARAM],
                   responses={200: ContactSerializer(many=True), **error_responses(400, 401, 403)})
    def get(self, request):
        return paginate(request, self, selectors.contact_list(**list_query(request)), ContactSerializer)

    @extend_schema(operation_id="contacts_create", request=InputSerializer,
                   responses={201: ChatSerializer, 200: ChatSerializer,
                              **error_responses(400, 401, 403, codes={400: [Code.PHONE_INVALID]})})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact, created = services.contact_create(**data.validated_data)
        return Response(ChatSerializer(contact_or_404(contact.pk)).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ContactDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200, required=False, allow_blank=True)
        custom_fields = serializers.DictField(required=False, validators=[StorableJson()])
        tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=50)
        assignee_id = serializers.IntegerField(required=False, allow_null=True)

    class DeleteQuerySerializer(serializers.Serializer):
        erase = serializers.BooleanField(required=False, default=False)

    @extend_schema(operation_id="contacts_retrieve", responses={200: ChatSerializer, **error_responses(401, 403, 404)})
    def get(self, request, contact_id: int):
        contact = contact_or_404(contact_id, request)
        return Response(ChatSerializer(contact).data)

    @extend_schema(operation_id="contacts_update", request=InputSerializer,
                   responses={200: ChatSerializer, **error_responses(400, 401, 403, 404)})
    def patch(self, request, contact_id: int):
        contact = contact_or_404(contact_id, request)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        assignee_set = "assignee_id" in values
        contact = services.contact_update(contact=contact, assignee_set=assignee_set, by=actor(request), **values)
        return Response(ChatSerializer(contact_or_404(contact.pk)).data)

    @extend_schema(operation_id="contacts_delete", parameters=[ERASE_PARAM],
                   responses={204: None, **error_responses(400, 401, 403, 404)})
    def delete(self, request, contact_id: int):
        query = self.DeleteQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        erase = query.validated_data["erase"]
        contact = contact_or_404(contact_id, request)
        if not erase:
            services.contact_delete(contact=contact)
            return Response(status=status.HTTP_204_NO_CONTENT)
        if not IsWorkspaceAdmin().has_permission(request, self):
            raise Forbidden(Code.ERASE_NOT_ALLOWED, _("Only an owner, an admin or an API key can erase a contact."))
        key = request.user.key if isinstance(request.user, ApiKeyPrincipal) else None
        services.contact_erase(contact=contact, user_id=None if key else request.user.pk,
                               api_key_id=key.pk if key else None)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactReadApi(APIView):
    @extend_schema(operation_id="contacts_read", request=None,
                   responses={200: ChatSerializer, **error_responses(401, 403, 404)})
    def post(self, request, contact_id: int):
        contact = services.contact_mark_read(contact=contact_or_404(contact_id, request))
        return Response(ChatSerializer(contact_or_404(contact.pk)).data)
