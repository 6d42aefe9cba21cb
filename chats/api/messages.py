"""A chat's messages: the thread, sending, retrying, reacting, and searching every thread."""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from blazz.core.errors import DomainError, NotFound
from blazz.core.openapi import error_responses
from blazz.core.validation import StrictCharField
from chats import selectors, services
from chats.errors import ChatErrorCode as Code
from chats.api.common import (MessageCursor, Q_PARAM, actor, contact_or_404, message_or_404, origin_of, paginate,
                              search_text, viewer)
from chats.automation.api.common import ScheduledMessageSerializer
from chats.automation.services import schedules, templates
from chats.models import NOTE, MessageOrigin, MessageType
from chats.services import forward
from chats.serializers import (ContactCardSerializer, LocationSerializer, MessageSerializer, SearchResultSerializer,
                               message_data, without_reactions)
from sessions_wa.contract import UNSENDABLE_MESSAGE_TYPES
from sessions_wa.errors import SessionErrorCode
from workspaces import scopes
from workspaces.scopes import Scope


# The codes a send answers besides the generic ones (chats/services/send.py).
SEND_ERROR_CODES = {
    400: [Code.CLIENT_ID_REQUIRED, Code.BODY_REQUIRED, Code.MEDIA_REQUIRED, Code.TYPE_INVALID, Code.FIELD_NOT_ALLOWED],
    404: [Code.MEDIA_NOT_FOUND, Code.REPLY_TO_NOT_FOUND, SessionErrorCode.SESSION_NOT_FOUND],
    409: [Code.CLIENT_ID_CONFLICT, Code.MEDIA_NOT_READY, SessionErrorCode.NO_SESSION, SessionErrorCode.SESSION_NOT_CONNECTED],
}

# An edit, delete or reaction calls the bridge (chats/services/changes.py): a 502 carries the
# bridge's own code.
BRIDGE_CALL_CODES = {503: [Code.BRIDGE_UNAVAILABLE]}


class ContactMessagesApi(APIView):
    api_key_scopes = {"GET": Scope.READ, "POST": Scope.SEND}

    pagination_class = MessageCursor

    class InputSerializer(serializers.Serializer):
        client_id = StrictCharField(max_length=100)
        type = serializers.ChoiceField(
            choices=[*(t for t in MessageType.values if t not in UNSENDABLE_MESSAGE_TYPES), NOTE],
            default=MessageType.TEXT, help_text='"note": a private note for the agents, never sent to WhatsApp.')
        body = StrictCharField(max_length=65536, required=False, allow_blank=True, default="",
                                     trim_whitespace=False)
        caption = StrictCharField(max_length=4096, required=False, allow_blank=True, default="",
                                        trim_whitespace=False)
        media_id = serializers.UUIDField(required=False, allow_null=True, default=None)
        media_url = serializers.URLField(
            max_length=2000, required=False, allow_null=True, default=None,
            help_text="Instead of media_id: a file a worker fetches (http(s), no private address, the upload's size "
                      "and types); the message stays pending until it is in, and fails with the reason if not.")
        media_base64 = serializers.CharField(
            required=False, allow_null=True, default=None, trim_whitespace=False,
            help_text="Instead of media_id: the file itself, base64, with filename and mimetype (within the body's "
                      "size limit).")
        filename = StrictCharField(max_length=255, required=False, allow_blank=True, default="")
        mimetype = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
        reply_to = serializers.IntegerField(required=False, allow_null=True, default=None)
        location = LocationSerializer(required=False, allow_null=True, default=None)
        contact_card = ContactCardSerializer(required=False, allow_null=True, default=None)
        session_id = StrictCharField(max_length=64, required=False, allow_null=True, default=None)
        template_id = serializers.IntegerField(required=False, allow_null=True, default=None,
                                               help_text="Send this template (its text and file); type and body are ignored.")
        variables = serializers.DictField(child=serializers.CharField(max_length=1000, allow_blank=True),
                                          required=False, default=dict, help_text="The template's free variables.")
        send_at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                            help_text="Schedule it: stored as a scheduled message, sent then.")

    class AroundSerializer(serializers.Serializer):
        around = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1, help_text=(
            "A message id of this chat: the page centred on it (older and newer links from there)."))

    @extend_schema(operation_id="messages_list", parameters=[AroundSerializer],
                   responses={200: MessageSerializer(many=True), **error_responses(400, 401, 403, 404)})
    def get(self, request, contact_id: int):
        contact = contact_or_404(contact_id, request)
        query = self.AroundSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        messages = selectors.message_list_for_contact(contact=contact)
        around = query.validated_data.get("around")
        if around is None:
            return paginate(request, self, messages, MessageSerializer)
        anchor = messages.filter(pk=around).first()
        if anchor is None:
            raise NotFound(Code.MESSAGE_NOT_FOUND, _("No such message in this chat."), fields={"around": ["not found"]})
        paginator = self.pagination_class()
        page = paginator.paginate_around(messages, request, anchor, view=self)
        return paginator.get_paginated_response(MessageSerializer(page, many=True).data)

    @extend_schema(
        operation_id="messages_send", request=InputSerializer,
        responses={201: MessageSerializer, 200: OpenApiResponse(MessageSerializer, description="Same client_id again"),
                   202: OpenApiResponse(ScheduledMessageSerializer, description="With send_at: scheduled"),
                   **error_responses(400, 401, 403, 404, 409, codes=SEND_ERROR_CODES)},
        description="Store a pending message and send it (or, with send_at, schedule it). Idempotent by client_id.",
    )
    def post(self, request, contact_id: int):
        contact = contact_or_404(contact_id, request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        client_id = values.pop("client_id")
        values["reply_to_id"] = values.pop("reply_to")
        values["media_id"] = str(values["media_id"]) if values["media_id"] else None
        values["location"] = dict(values["location"]) if values["location"] else None
        values["contact_card"] = dict(values["contact_card"]) if values["contact_card"] else None
        template_id, variables, send_at = values.pop("template_id"), values.pop("variables"), values.pop("send_at")
        send_request = services.SendRequest(**values)
        if template_id is not None:
            send_request = templates.template_send_request(
                templates.template_get(template_id), contact=contact, agent=actor(request),
                workspace=getattr(connection, "tenant", None), values=variables,
                reply_to_id=values["reply_to_id"], session_id=values["session_id"])
        if send_at is not None and (values["media_url"] or values["media_base64"]):
            raise DomainError(Code.FIELD_NOT_ALLOWED, _("A scheduled message takes an uploaded file (media_id)."),
                              fields={"send_at": ["not with media_url or media_base64"]})
        if send_at is not None:
            scheduled, _created = schedules.scheduled_create(
                contact=contact, client_id=client_id, send_at=send_at, request=send_request, template_id=template_id,
                variables=variables, user=actor(request), by_api=origin_of(request) == MessageOrigin.API)
            return Response(ScheduledMessageSerializer(scheduled).data, status=status.HTTP_202_ACCEPTED)
        message, created = services.message_send(contact=contact, client_id=client_id, request=send_request,
                                                 sent_by=actor(request), origin=origin_of(request))
        if created:  # as this request stored it: `pending`, and nothing else has touched it yet
            return Response(message_data(without_reactions(message)), status=status.HTTP_201_CREATED)
        return Response(message_data(message_or_404(message.pk)), status=status.HTTP_200_OK)


class MessageRetryApi(APIView):
    api_key_scopes = {"POST": Scope.SEND}

    @extend_schema(operation_id="messages_retry", request=None,
                   responses={200: MessageSerializer, **error_responses(401, 403, 404, 409)})
    def post(self, request, message_id: int):
        message = services.message_retry(message=message_or_404(message_id, request))
        return Response(MessageSerializer(message_or_404(message.pk)).data)


class MessageForwardApi(APIView):
    api_key_scopes = {"POST": Scope.SEND}

    class InputSerializer(serializers.Serializer):
        contact_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The chat to forward it to.")
        client_id = StrictCharField(max_length=100, help_text="The forward's idempotency key: a repeat returns it.")

    @extend_schema(operation_id="messages_forward", request=InputSerializer,
                   responses={201: MessageSerializer, 200: OpenApiResponse(MessageSerializer, description="Same client_id again"),
                              **error_responses(400, 401, 403, 404, 409)},
                   description="Forward this message to another chat of the workspace (WhatsApp marks it forwarded). "
                               "Idempotent by client_id.")
    def post(self, request, message_id: int):
        source = message_or_404(message_id, request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        to = contact_or_404(data.validated_data["contact_id"], request)
        message, created = forward.message_forward(message=source, to=to, client_id=data.validated_data["client_id"],
                                                   sent_by=actor(request), origin=origin_of(request))
        return Response(MessageSerializer(message_or_404(message.pk)).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class MessageReactionApi(APIView):
    api_key_scopes = {"POST": Scope.SEND}

    class InputSerializer(serializers.Serializer):
        emoji = StrictCharField(max_length=32, allow_blank=True, trim_whitespace=False)

    @extend_schema(operation_id="messages_react", request=InputSerializer,
                   responses={200: MessageSerializer, **error_responses(400, 401, 403, 404, 409, 502, 503, codes=BRIDGE_CALL_CODES)})
    def post(self, request, message_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.message_react(message=message_or_404(message_id, request), emoji=data.validated_data["emoji"],
                                         user=actor(request))
        return Response(MessageSerializer(message_or_404(message.pk)).data)


class MessageSearchApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    pagination_class = MessageCursor

    class InChatSerializer(serializers.Serializer):
        contact_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1,
                                              help_text="Search one chat only (the thread's search, next/prev).")

    @extend_schema(operation_id="messages_search", parameters=[Q_PARAM, InChatSerializer],
                   responses={200: SearchResultSerializer(many=True), **error_responses(400, 401, 403, 404)})
    def get(self, request):
        query = self.InChatSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        contact_id = query.validated_data.get("contact_id")
        if contact_id is not None:
            contact_or_404(contact_id, request)  # another workspace's, or a chat this agent may not see
        return paginate(request, self, selectors.message_search(q=search_text(request), viewer_id=viewer(request),
                                                                contact_id=contact_id), SearchResultSerializer)


class MessageListApi(APIView):
    """Every chat's messages, for a CRM looking one up (by its `client_id` or WhatsApp's id) or
    catching up (`updated_since`)."""

    api_key_scopes = scopes.READ_ONLY

    pagination_class = MessageCursor

    class InputSerializer(serializers.Serializer):
        client_id = serializers.CharField(max_length=100, required=False)
        wa_message_id = serializers.CharField(max_length=200, required=False)
        updated_since = serializers.DateTimeField(required=False)

    @extend_schema(operation_id="messages_list_all", parameters=[InputSerializer],
                   responses={200: MessageSerializer(many=True), **error_responses(400, 401, 403)})
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        return paginate(request, self, selectors.message_list(**data.validated_data), MessageSerializer)


class MessageDetailApi(APIView):
    api_key_scopes = {"GET": Scope.READ, "PATCH": Scope.SEND, "DELETE": Scope.SEND}

    class EditSerializer(serializers.Serializer):
        body = serializers.CharField(max_length=65536, trim_whitespace=False)

    @extend_schema(operation_id="messages_retrieve", responses={200: MessageSerializer, **error_responses(401, 403, 404)})
    def get(self, request, message_id: int):
        return Response(MessageSerializer(message_or_404(message_id, request)).data)

    @extend_schema(operation_id="messages_edit", request=EditSerializer,
                   responses={200: MessageSerializer, **error_responses(400, 401, 403, 404, 409, 502, 503, codes=BRIDGE_CALL_CODES)},
                   description="Our own text within 15 minutes (the customer's phone shows the edit), or a note. "
                               "The earlier texts stay in `edits`.")
    def patch(self, request, message_id: int):
        data = self.EditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.message_edit(message=message_or_404(message_id, request), body=data.validated_data["body"],
                                         user=actor(request))
        return Response(MessageSerializer(message_or_404(message.pk)).data)

    @extend_schema(operation_id="messages_delete", request=None,
                   responses={200: MessageSerializer, **error_responses(401, 403, 404, 409, 502, 503, codes=BRIDGE_CALL_CODES)},
                   description="Delete for everyone (idempotent); agents still see the content, marked deleted.")
    def delete(self, request, message_id: int):
        message = services.message_delete(message=message_or_404(message_id, request), user=actor(request))
        return Response(MessageSerializer(message_or_404(message.pk)).data)
