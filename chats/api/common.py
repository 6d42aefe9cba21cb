"""What the inbox API views share: the acting user, 404s by id, cursors, and the `?q=` parameter."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from blazz.core.errors import NotFound
from blazz.core.pagination import KeysetCursor
from chats import selectors
from chats.errors import ChatErrorCode as Code
from chats.models import MessageOrigin
from workspaces.authentication import ApiKeyPrincipal


def actor(request):
    """The member acting, or None for an API key."""
    return None if isinstance(request.user, ApiKeyPrincipal) else request.user


def origin_of(request) -> str:
    """Who is sending: an agent in the inbox, or a CRM with an API key."""
    return MessageOrigin.API if isinstance(request.user, ApiKeyPrincipal) else MessageOrigin.AGENT


def viewer(request) -> int | None:
    """The member whose own and unassigned chats are all this request may see (None: all)."""
    if not hasattr(request, "_blazz_viewer"):
        from workspaces.permissions import request_membership

        membership = request_membership(request)
        request._blazz_viewer = selectors.visible_only_to(
            user_id=membership.user_id if membership else None, role=membership.role if membership else None)
    return request._blazz_viewer


def contact_or_404(contact_id, request=None):
    """`request`: a chat its member may not see is a 404, as one of another workspace is."""
    contact = selectors.contact_get(contact_id)
    if contact is None or (request is not None and not selectors.chat_visible(contact, viewer(request))):
        raise NotFound(Code.CONTACT_NOT_FOUND, _("No such contact."))
    return contact


def message_or_404(message_id, request=None):
    message = selectors.message_get(message_id)
    if message is None or (request is not None and not selectors.chat_visible(message.contact, viewer(request))):
        raise NotFound(Code.MESSAGE_NOT_FOUND, _("No such message."))
    return message


class Cursor(KeysetCursor):
    """The inbox lists' cursors (blazz/core/pagination.py): a strict total order, ids last."""


class ChatCursor(Cursor):
    ordering = selectors.CHAT_ORDER


class ContactCursor(Cursor):
    ordering = ("-created_at", "-id")


class MessageCursor(Cursor):
    ordering = ("-timestamp", "-id")


def paginate(request, view, queryset, serializer_class):
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


Q_PARAM = OpenApiParameter("q", OpenApiTypes.STR, description="Search text")


class SearchQuerySerializer(serializers.Serializer):
    """`?q=` of the list views. A CharField refuses what PostgreSQL cannot compare against (a NUL
    byte, a lone surrogate): a 400 naming `q`, not a DataError. `?updated_since=`: only what
    changed at or after that time (ISO 8601), for a CRM catching up."""

    q = serializers.CharField(required=False, allow_blank=True, default="")
    updated_since = serializers.DateTimeField(required=False, default=None)


def search_text(request) -> str:
    return list_query(request)["q"]


def list_query(request) -> dict:
    query = SearchQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


UPDATED_SINCE_PARAM = OpenApiParameter("updated_since", OpenApiTypes.DATETIME,
                                       description="Only what changed at or after this time (ISO 8601)")
