"""Media: an upload to send, and a stored file to show."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from blazz.core.errors import DomainError, ErrorCode
from blazz.core.openapi import error_responses
from chats import services
from chats.api.common import actor
from chats.errors import ChatErrorCode as Code
from chats.media_files import INLINE_PREFIXES, media_file_response, media_or_404
from chats.serializers import MediaSerializer
from workspaces import scopes
from workspaces.scopes import Scope


class MediaUploadApi(APIView):
    api_key_scopes = {"POST": Scope.SEND}

    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()

    @extend_schema(operation_id="media_upload", request={"multipart/form-data": InputSerializer},
                   responses={201: MediaSerializer, **error_responses(400, 401, 403, 413, 415)})
    def post(self, request):
        if _declared_length(request) > settings.MEDIA_MAX_UPLOAD_BYTES + 64 * 1024:  # refuse before reading the body
            raise DomainError(Code.PAYLOAD_TOO_LARGE,
                              _("Files are limited to %(mb)s MB.") % {"mb": settings.MEDIA_MAX_UPLOAD_BYTES // (1024 * 1024)}, status=413)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        media = services.media_upload(uploaded_file=data.validated_data["file"], uploaded_by=actor(request))
        return Response(MediaSerializer(media).data, status=status.HTTP_201_CREATED)


def _declared_length(request) -> int:
    """The body's Content-Length (0 when absent); anything but a whole number is a 400."""
    raw = request.META.get("CONTENT_LENGTH") or "0"
    if not raw.isascii() or not raw.isdigit():
        raise DomainError(ErrorCode.INVALID_REQUEST, _("Content-Length must be a whole number of bytes."))
    return int(raw)


class MediaDetailApi(APIView):
    api_key_scopes = scopes.READ_ONLY

    @extend_schema(operation_id="media_download",
                   responses={**{(200, kind + "*"): OpenApiTypes.BINARY for kind in INLINE_PREFIXES},
                              (200, "application/octet-stream"): OpenApiTypes.BINARY, **error_responses(401, 403, 404)})
    def get(self, request, media_id):
        return media_file_response(media_or_404(media_id))
