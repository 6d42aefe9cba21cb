"""The team inbox: the chat list's views and counts, a conversation's status, assignee and labels,
the workspace's labels, and its inbox settings."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from blazz.core.errors import DomainError, NotFound
from blazz.core.openapi import error_responses
from chats import selectors
from chats.api.common import (ChatCursor, Q_PARAM, UPDATED_SINCE_PARAM, actor, contact_or_404, list_query, paginate,
                              viewer)
from chats.errors import ChatErrorCode as Code
from chats.models import ChatStatus, InboxSettings, Label
from chats.serializers import ChatSerializer, LabelSerializer
from chats.services import team
from workspaces.permissions import IsWorkspaceAdmin

FILTER_PARAMS = [
    Q_PARAM,
    OpenApiParameter("assignee", OpenApiTypes.STR, description='"me", "none", or a member\'s user id'),
    OpenApiParameter("status", OpenApiTypes.STR, enum=[*ChatStatus.values, "all"],
                     description="One status; all statuses when absent or `all`"),
    OpenApiParameter("label", OpenApiTypes.INT, description="A label's id"),
    OpenApiParameter("session_id", OpenApiTypes.STR, description="The number (session) the chat goes through"),
    UPDATED_SINCE_PARAM,
]


class FilterSerializer(serializers.Serializer):
    assignee = serializers.RegexField(r"^(me|none|[1-9][0-9]{0,18})$", required=False)
    status = serializers.ChoiceField(choices=[*ChatStatus.values, "all"], required=False)
    label = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    session_id = serializers.CharField(max_length=64, required=False)


def chat_filters(request) -> selectors.ChatFilters:
    data = FilterSerializer(data=request.query_params)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    assignee = values.get("assignee")
    if assignee == "me":
        user = actor(request)
        if user is None:
            raise DomainError("invalid_request", _("An API key has no chats of its own."),
                              fields={"assignee": ["me needs a member"]})
        assignee = user.pk
    elif assignee is not None and assignee != "none":
        assignee = int(assignee)
    status_value = values.get("status", "")
    return selectors.ChatFilters(assignee=assignee, status="" if status_value == "all" else status_value,
                                 label=values.get("label"), session_id=values.get("session_id", ""))


class ChatListApi(APIView):
    pagination_class = ChatCursor

    @extend_schema(operation_id="chats_list", parameters=FILTER_PARAMS,
                   responses={200: ChatSerializer(many=True), **error_responses(400, 401, 403)})
    def get(self, request):
        chats = selectors.chat_list(**list_query(request), filters=chat_filters(request), viewer_id=viewer(request))
        return paginate(request, self, chats, ChatSerializer)


class ChatCountsApi(APIView):
    @extend_schema(operation_id="chats_counts", parameters=FILTER_PARAMS[1:-1], responses={
        200: inline_serializer("ChatCounts", {"assignee": serializers.DictField(child=serializers.IntegerField()),
                                              "status": serializers.DictField(child=serializers.IntegerField()),
                                              "label": serializers.DictField(child=serializers.IntegerField(),
                                                                             help_text="By label id"),
                                              "session": serializers.DictField(child=serializers.IntegerField(),
                                                                               help_text="By session id")}),
        **error_responses(400, 401, 403)})
    def get(self, request):
        user = actor(request)
        return Response(selectors.chat_counts(user_id=user.pk if user else None, filters=chat_filters(request),
                                              viewer_id=viewer(request)))


class ChatDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=ChatStatus.values, required=False)
        snoozed_until = serializers.DateTimeField(required=False, allow_null=True)
        assignee_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
        label_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
                                          required=False, max_length=50)

    @extend_schema(operation_id="chats_retrieve", responses={200: ChatSerializer, **error_responses(401, 403, 404)})
    def get(self, request, contact_id: int):
        return Response(ChatSerializer(contact_or_404(contact_id, request)).data)

    @extend_schema(operation_id="chats_update", request=InputSerializer,
                   responses={200: ChatSerializer, **error_responses(400, 401, 403, 404)},
                   description="Status (snoozed needs snoozed_until), assignee (null: unassigned), labels. "
                               "Idempotent: a repeat changes nothing and emits nothing.")
    def patch(self, request, contact_id: int):
        contact = contact_or_404(contact_id, request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "assignee_id" not in values:
            values["assignee_id"] = team.UNSET
        team.chat_update(contact=contact, by=actor(request), **values)
        return Response(ChatSerializer(selectors.contact_get(contact.pk)).data)


class LabelListApi(APIView):
    @extend_schema(operation_id="labels_list", responses={200: LabelSerializer(many=True), **error_responses(401, 403)})
    def get(self, request):
        return Response(LabelSerializer(selectors.label_list(), many=True).data)

    @extend_schema(operation_id="labels_create", request=LabelSerializer,
                   responses={201: LabelSerializer, **error_responses(400, 401, 403, 409)})
    def post(self, request):
        data = LabelInput(data=request.data)
        data.is_valid(raise_exception=True)
        label = team.label_save(Label(**data.validated_data))
        return Response(LabelSerializer(label).data, status=status.HTTP_201_CREATED)


class LabelInput(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    color = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", required=False)


def label_or_404(label_id: int) -> Label:
    label = Label.objects.filter(pk=label_id).first()
    if label is None:
        raise NotFound(Code.LABEL_NOT_FOUND, _("No such label."))
    return label


class LabelDetailApi(APIView):
    @extend_schema(operation_id="labels_update", request=LabelSerializer,
                   responses={200: LabelSerializer, **error_responses(400, 401, 403, 404, 409)})
    def patch(self, request, label_id: int):
        label = label_or_404(label_id)
        data = LabelInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        for name, value in data.validated_data.items():
            setattr(label, name, value)
        return Response(LabelSerializer(team.label_save(label)).data)

    @extend_schema(operation_id="labels_delete", responses={204: None, **error_responses(401, 403, 404)})
    def delete(self, request, label_id: int):
        team.label_delete(label=label_or_404(label_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class InboxSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = InboxSettings
        fields = ["agents_see_own_only", "auto_assign", "auto_assign_cap"]


class InboxSettingsApi(APIView):
    def get_permissions(self):
        return [IsWorkspaceAdmin()] if self.request.method != "GET" else super().get_permissions()

    @extend_schema(operation_id="inbox_settings_retrieve",
                   responses={200: InboxSettingsSerializer, **error_responses(401, 403)})
    def get(self, request):
        return Response(InboxSettingsSerializer(team.inbox_settings()).data)

    @extend_schema(operation_id="inbox_settings_update", request=InboxSettingsSerializer,
                   responses={200: InboxSettingsSerializer, **error_responses(400, 401, 403)})
    def patch(self, request):
        data = InboxSettingsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return Response(InboxSettingsSerializer(team.inbox_settings_update(**data.validated_data)).data)
