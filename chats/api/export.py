"""A chat as a file to download (json, csv or txt; chats/export.py renders it)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework.views import APIView

from blazz.core.errors import DomainError
from blazz.core.openapi import error_responses
from chats import selectors
from chats.api.common import contact_or_404
from chats.export import CONTENT_TYPES, EXPORT_FORMATS, export_chunks, export_filename
from chats.models import INBOX_ONLY_TYPES
from chats.serializers import ContactSerializer, MessageSerializer
from workspaces.locale import member_timezone
from workspaces.permissions import request_membership

ExportSerializer = inline_serializer("ContactExport", {"contact": ContactSerializer(),
                                                       "messages": MessageSerializer(many=True)})


class ContactExportApi(APIView):
    @extend_schema(
        operation_id="contacts_export",
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=list(EXPORT_FORMATS), default="json"),
                    OpenApiParameter("internal", OpenApiTypes.BOOL, default=False,
                                     description="Include private notes and system lines (the agents' copy); "
                                                 "without it, the customer's copy.")],
        responses={(200, "application/json"): ExportSerializer, (200, "text/csv"): OpenApiTypes.STR,
                   (200, "text/plain"): OpenApiTypes.STR, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, contact_id: int):
        contact = contact_or_404(contact_id, request)
        fmt = request.query_params.get("format", "json")
        if fmt not in EXPORT_FORMATS:
            raise DomainError("invalid_request", _("format must be json, csv or txt."), fields={"format": ["invalid"]})
        messages = selectors.message_list_for_contact(contact=contact).order_by("timestamp", "id")
        if request.query_params.get("internal") not in ("1", "true"):
            messages = messages.exclude(type__in=INBOX_ONLY_TYPES)
        zone = member_timezone(membership=request_membership(request), workspace=request.tenant)
        response = StreamingHttpResponse(export_chunks(contact, messages, fmt, timezone=zone),
                                         content_type=f"{CONTENT_TYPES[fmt]}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{export_filename(contact, fmt)}"'
        return response
