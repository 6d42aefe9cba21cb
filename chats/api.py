"""The inbox API: chats, contacts, messages, search, read, export, media. Views are thin: they
validate, call one service or selector, and serialize."""

from __future__ import annotations

import csv
import io
import json
import uuid

from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions as drf_exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from blazz.errors import DomainError, ErrorCode, NotFound
from blazz.openapi import error_responses
from blazz.validation import StorableJson
from chats import selectors, services
from chats.errors import ChatErrorCode as Code
from chats.models import MessageType
from chats.serializers import (
    ChatSerializer, ContactSerializer, MediaSerializer, MessageSerializer, SearchResultSerializer, message_data,
    without_reactions,
)
from workspaces.authentication import ApiKeyPrincipal


def _actor(request):
    return None if isinstance(request.user, ApiKeyPrincipal) else request.user


def _contact_or_404(contact_id):
    contact = selectors.contact_get(contact_id)
    if contact is None:
        raise NotFound(Code.CONTACT_NOT_FOUND, "No such contact.")
    return contact


def _message_or_404(message_id):
    message = selectors.message_get(message_id)
    if message is None:
        raise NotFound(Code.MESSAGE_NOT_FOUND, "No such message.")
    return message


class Cursor(CursorPagination):
    """A list view names its cursor class in `pagination_class`; the OpenAPI schema reads it
    there too (the page object, and the `cursor` and `page_size` parameters)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except drf_exceptions.NotFound:  # DRF's choice; a cursor we did not issue is bad input
            raise DomainError(ErrorCode.INVALID_REQUEST, "Invalid cursor.", fields={"cursor": ["invalid"]})


class ChatCursor(Cursor):
    ordering = selectors.CHAT_ORDER


class ContactCursor(Cursor):
    ordering = ("-created_at", "-id")


class MessageCursor(Cursor):
    ordering = ("-timestamp", "-id")


def _paginate(request, view, queryset, serializer_class):
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


Q_PARAM = OpenApiParameter("q", OpenApiTypes.STR, description="Search text")


class SearchQuerySerializer(serializers.Serializer):
    """`?q=` of the list views. A CharField refuses what PostgreSQL cannot compare against (a NUL
    byte, a lone surrogate): a 400 naming `q`, not a DataError."""

    q = serializers.CharField(required=False, allow_blank=True, default="")


def _search_text(request) -> str:
    query = SearchQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data["q"]


class ChatListApi(APIView):
    pagination_class = ChatCursor

    @extend_schema(operation_id="chats_list", parameters=[Q_PARAM],
                   responses={200: ChatSerializer(many=True), **error_responses(400, 401, 403)})
    def get(self, request):
        return _paginate(request, self, selectors.chat_list(q=_search_text(request)), ChatSerializer)


class ContactListApi(APIView):
    pagination_class = ContactCursor

    class InputSerializer(serializers.Serializer):
        phone = serializers.CharField(max_length=40)
        name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        custom_fields = serializers.DictField(required=False, default=dict, validators=[StorableJson()])
        tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list,
                                     max_length=50)

    @extend_schema(operation_id="contacts_list", parameters=[Q_PARAM],
                   responses={200: ContactSerializer(many=True), **error_responses(400, 401, 403)})
    def get(self, request):
        return _paginate(request, self, selectors.contact_list(q=_search_text(request)), ContactSerializer)

    @extend_schema(operation_id="contacts_create", request=InputSerializer,
                   responses={201: ChatSerializer, 200: ChatSerializer, **error_responses(400, 401, 403)})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact, created = services.contact_create(**data.validated_data)
        return Response(ChatSerializer(selectors.contact_get(contact.pk)).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ContactDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200, required=False, allow_blank=True)
        custom_fields = serializers.DictField(required=False, validators=[StorableJson()])
        tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=50)
        assignee_id = serializers.IntegerField(required=False, allow_null=True)

    @extend_schema(operation_id="contacts_retrieve", responses={200: ChatSerializer, **error_responses(401, 403, 404)})
    def get(self, request, contact_id: int):
        contact = _contact_or_404(contact_id)
        return Response(ChatSerializer(contact).data)

    @extend_schema(operation_id="contacts_update", request=InputSerializer,
                   responses={200: ChatSerializer, **error_responses(400, 401, 403, 404)})
    def patch(self, request, contact_id: int):
        contact = _contact_or_404(contact_id)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        assignee_set = "assignee_id" in values
        contact = services.contact_update(contact=contact, assignee_set=assignee_set, **values)
        return Response(ChatSerializer(selectors.contact_get(contact.pk)).data)

    @extend_schema(operation_id="contacts_delete", responses={204: None, **error_responses(401, 403, 404)})
    def delete(self, request, contact_id: int):
        services.contact_delete(contact=_contact_or_404(contact_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class LocationSerializer(serializers.Serializer):
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ContactCardSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=40)


class ContactMessagesApi(APIView):
    pagination_class = MessageCursor

    class InputSerializer(serializers.Serializer):
        client_id = serializers.CharField(max_length=100)
        type = serializers.ChoiceField(choices=[t for t in MessageType.values if t not in ("revoked", "unknown")],
                                       default=MessageType.TEXT)
        body = serializers.CharField(max_length=65536, required=False, allow_blank=True, default="",
                                     trim_whitespace=False)
        caption = serializers.CharField(max_length=4096, required=False, allow_blank=True, default="",
                                        trim_whitespace=False)
        media_id = serializers.UUIDField(required=False, allow_null=True, default=None)
        reply_to = serializers.IntegerField(required=False, allow_null=True, default=None)
        location = LocationSerializer(required=False, allow_null=True, default=None)
        contact_card = ContactCardSerializer(required=False, allow_null=True, default=None)
        session_id = serializers.CharField(max_length=64, required=False, allow_null=True, default=None)

    @extend_schema(operation_id="messages_list",
                   responses={200: MessageSerializer(many=True), **error_responses(400, 401, 403, 404)})
    def get(self, request, contact_id: int):
        contact = _contact_or_404(contact_id)
        return _paginate(request, self, selectors.message_list_for_contact(contact=contact), MessageSerializer)

    @extend_schema(
        operation_id="messages_send", request=InputSerializer,
        responses={201: MessageSerializer, 200: OpenApiResponse(MessageSerializer, description="Same client_id again"),
                   **error_responses(400, 401, 403, 404, 409)},
        description="Store a pending message and send it. Idempotent by client_id.",
    )
    def post(self, request, contact_id: int):
        contact = _contact_or_404(contact_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        client_id = values.pop("client_id")
        values["reply_to_id"] = values.pop("reply_to")
        values["media_id"] = str(values["media_id"]) if values["media_id"] else None
        values["location"] = dict(values["location"]) if values["location"] else None
        values["contact_card"] = dict(values["contact_card"]) if values["contact_card"] else None
        message, created = services.message_send(contact=contact, client_id=client_id,
                                                 request=services.SendRequest(**values), sent_by=_actor(request))
        if created:  # as this request stored it: `pending`, and nothing else has touched it yet
            return Response(message_data(without_reactions(message)), status=status.HTTP_201_CREATED)
        return Response(message_data(selectors.message_get(message.pk)), status=status.HTTP_200_OK)


class MessageRetryApi(APIView):
    @extend_schema(operation_id="messages_retry", request=None,
                   responses={200: MessageSerializer, **error_responses(401, 403, 404, 409)})
    def post(self, request, message_id: int):
        message = services.message_retry(message=_message_or_404(message_id))
        return Response(MessageSerializer(selectors.message_get(message.pk)).data)


class MessageReactionApi(APIView):
    class InputSerializer(serializers.Serializer):
        emoji = serializers.CharField(max_length=32, allow_blank=True, trim_whitespace=False)

    @extend_schema(operation_id="messages_react", request=InputSerializer,
                   responses={200: MessageSerializer, **error_responses(400, 401, 403, 404, 409, 502, 503)})
    def post(self, request, message_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.message_react(message=_message_or_404(message_id), emoji=data.validated_data["emoji"],
                                         user=_actor(request))
        return Response(MessageSerializer(selectors.message_get(message.pk)).data)


class MessageSearchApi(APIView):
    pagination_class = MessageCursor

    @extend_schema(operation_id="messages_search", parameters=[Q_PARAM],
                   responses={200: SearchResultSerializer(many=True), **error_responses(400, 401, 403)})
    def get(self, request):
        return _paginate(request, self, selectors.message_search(q=_search_text(request)),
                         SearchResultSerializer)


class ContactReadApi(APIView):
    @extend_schema(operation_id="contacts_read", request=None,
                   responses={200: ChatSerializer, **error_responses(401, 403, 404)})
    def post(self, request, contact_id: int):
        contact = services.contact_mark_read(contact=_contact_or_404(contact_id))
        return Response(ChatSerializer(selectors.contact_get(contact.pk)).data)


EXPORT_FORMATS = ("json", "csv", "txt")
ExportSerializer = inline_serializer("ContactExport", {"contact": ContactSerializer(),
                                                       "messages": MessageSerializer(many=True)})


class ContactExportApi(APIView):
    @extend_schema(
        operation_id="contacts_export",
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=list(EXPORT_FORMATS), default="json")],
        responses={(200, "application/json"): ExportSerializer, (200, "text/csv"): OpenApiTypes.STR,
                   (200, "text/plain"): OpenApiTypes.STR, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, contact_id: int):
        contact = _contact_or_404(contact_id)
        fmt = request.query_params.get("format", "json")
        if fmt not in EXPORT_FORMATS:
            raise DomainError("invalid_request", "format must be json, csv or txt.", fields={"format": ["invalid"]})
        messages = selectors.message_list_for_contact(contact=contact).order_by("timestamp", "id")
        name = f"chat-{contact.phone.lstrip('+')}.{fmt}"
        content_type = {"json": "application/json", "csv": "text/csv", "txt": "text/plain"}[fmt]
        response = StreamingHttpResponse(_export_rows(contact, messages, fmt), content_type=f"{content_type}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def _export_rows(contact, messages, fmt):
    """Stream the thread (never the whole of it in memory)."""
    rows = messages.iterator(chunk_size=500)
    if fmt == "json":
        yield '{"contact": ' + json.dumps(ContactSerializer(contact).data, default=str) + ', "messages": ['
        for index, message in enumerate(rows):
            yield ("," if index else "") + json.dumps(MessageSerializer(message).data, default=str, ensure_ascii=False)
        yield "]}"
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["timestamp", "direction", "sender", "type", "body", "caption", "status", "edited",
                         "revoked", "wa_message_id"])
        for message in rows:
            writer.writerow([message.timestamp.isoformat(), message.direction, _sender(contact, message), message.type,
                             message.body, message.caption, message.status, bool(message.edits), message.revoked,
                             message.wa_message_id or ""])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()
    else:
        for message in rows:
            text = message.body or message.caption or f"<{message.type}>"
            if message.media_id and message.type != "text":
                text = f"<{message.type}: {message.media.filename or 'file'}> {message.caption or ''}".strip()
            marks = (" (edited)" if message.edits else "") + (" (deleted)" if message.revoked else "")
            yield f"[{message.timestamp:%Y-%m-%d %H:%M:%S}] {_sender(contact, message)}: {text}{marks}\n"


def _sender(contact, message) -> str:
    if message.direction == "in":
        return contact.display_name
    return message.sent_by.get_full_name() or message.sent_by.email if message.sent_by else "You"


class MediaUploadApi(APIView):
    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()

    @extend_schema(operation_id="media_upload", request={"multipart/form-data": InputSerializer},
                   responses={201: MediaSerializer, **error_responses(400, 401, 403, 413, 415)})
    def post(self, request):
        if _declared_length(request) > settings.MEDIA_MAX_UPLOAD_BYTES + 64 * 1024:  # refuse before reading the body
            raise DomainError(Code.PAYLOAD_TOO_LARGE,
                              f"Files are limited to {settings.MEDIA_MAX_UPLOAD_BYTES // (1024 * 1024)} MB.", status=413)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        media = services.media_upload(uploaded_file=data.validated_data["file"], uploaded_by=_actor(request))
        return Response(MediaSerializer(media).data, status=status.HTTP_201_CREATED)


def _declared_length(request) -> int:
    """The body's Content-Length (0 when absent); anything but a whole number is a 400."""
    raw = request.META.get("CONTENT_LENGTH") or "0"
    if not raw.isascii() or not raw.isdigit():
        raise DomainError(ErrorCode.INVALID_REQUEST, "Content-Length must be a whole number of bytes.")
    return int(raw)


def media_or_404(media_id) -> "selectors.MediaFile":
    try:
        media_id = uuid.UUID(str(media_id))
    except ValueError:
        raise NotFound(Code.MEDIA_NOT_FOUND, "No such media.")
    media = selectors.media_get(media_id)
    if media is None or not media.file:
        raise NotFound(Code.MEDIA_NOT_FOUND, "No such media.")
    return media


INLINE_PREFIXES = ("image/", "video/", "audio/")


def media_file_response(media) -> FileResponse:
    """Pictures, video and sound show inline; anything else (a customer may send HTML) downloads,
    sandboxed, so a file can never run as a page of ours."""
    inline = media.mimetype.startswith(INLINE_PREFIXES) and media.mimetype != "image/svg+xml"
    response = FileResponse(media.file.open("rb"), content_type=media.mimetype if inline else "application/octet-stream",
                            filename=media.filename or str(media.pk), as_attachment=not inline)
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


class MediaDetailApi(APIView):
    @extend_schema(operation_id="media_download",
                   responses={**{(200, kind + "*"): OpenApiTypes.BINARY for kind in INLINE_PREFIXES},
                              (200, "application/octet-stream"): OpenApiTypes.BINARY, **error_responses(401, 403, 404)})
    def get(self, request, media_id):
        return media_file_response(media_or_404(media_id))
