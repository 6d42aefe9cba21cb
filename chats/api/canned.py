"""Canned replies: `/api/v1/canned-replies/` (any member manages them), and one rendered for a chat."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from blazz.core.errors import NotFound
from blazz.core.openapi import error_responses
from chats.api.common import actor, contact_or_404, search_text
from chats.errors import ChatErrorCode as Code
from chats.models import CannedReply
from chats.services import canned
from workspaces import scopes


class CannedReplySerializer(serializers.ModelSerializer):
    shortcut = serializers.SlugField(max_length=40, help_text="Typed after / in the composer")
    body = serializers.CharField(max_length=4096, trim_whitespace=False,
                                 help_text="With {{contact.name}}, {{contact.first_name}}, {{agent.name}}, "
                                           "{{workspace.name}}...")

    class Meta:
        model = CannedReply
        fields = ["id", "shortcut", "body", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


def reply_or_404(reply_id: int) -> CannedReply:
    reply = CannedReply.objects.filter(pk=reply_id).first()
    if reply is None:
        raise NotFound(Code.CANNED_REPLY_NOT_FOUND, _("No such canned reply."))
    return reply


class CannedReplyListApi(APIView):
    api_key_scopes = scopes.READ_AND_MANAGE

    @extend_schema(operation_id="canned_replies_list",
                   parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="Shortcut or text contains")],
                   responses={200: CannedReplySerializer(many=True), **error_responses(400, 401, 403)})
    def get(self, request):
        replies = CannedReply.objects.order_by("shortcut")
        q = search_text(request).strip().lstrip("/")
        if q:
            replies = replies.filter(shortcut__icontains=q) | replies.filter(body__icontains=q)
        return Response(CannedReplySerializer(replies[:100], many=True).data)

    @extend_schema(operation_id="canned_replies_create", request=CannedReplySerializer,
                   responses={201: CannedReplySerializer, **error_responses(400, 401, 403, 409)})
    def post(self, request):
        data = CannedReplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reply = canned.canned_reply_save(CannedReply(**data.validated_data, created_by=actor(request)))
        return Response(CannedReplySerializer(reply).data, status=status.HTTP_201_CREATED)


class CannedReplyDetailApi(APIView):
    api_key_scopes = scopes.READ_AND_MANAGE

    @extend_schema(operation_id="canned_replies_update", request=CannedReplySerializer,
                   responses={200: CannedReplySerializer, **error_responses(400, 401, 403, 404, 409)})
    def patch(self, request, reply_id: int):
        reply = reply_or_404(reply_id)
        data = CannedReplySerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        for name, value in data.validated_data.items():
            setattr(reply, name, value)
        return Response(CannedReplySerializer(canned.canned_reply_save(reply)).data)

    @extend_schema(operation_id="canned_replies_delete", responses={204: None, **error_responses(401, 403, 404)})
    def delete(self, request, reply_id: int):
        canned.canned_reply_delete(reply=reply_or_404(reply_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RenderQuery(serializers.Serializer):
    contact_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class CannedReplyRenderApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(operation_id="canned_replies_render",
                   parameters=[OpenApiParameter("contact_id", OpenApiTypes.INT, required=True)],
                   responses={200: inline_serializer("CannedReplyRendered", {"text": serializers.CharField()}),
                              **error_responses(400, 401, 403, 404)})
    def get(self, request, reply_id: int):
        params = RenderQuery(data=request.query_params)
        params.is_valid(raise_exception=True)
        contact = contact_or_404(params.validated_data["contact_id"], request)
        text = canned.canned_reply_render(reply=reply_or_404(reply_id), contact=contact, agent=actor(request))
        return Response({"text": text})
