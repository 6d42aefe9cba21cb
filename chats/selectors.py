"""Reads of contacts and messages, with the joins their callers need (tenant schema)."""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from chats.models import Contact, MediaFile, Message, Reaction

_WORD = re.compile(r"\w+", re.UNICODE)


def prefix_query(text: str) -> SearchQuery | None:
    """Every word of `text` as a prefix (as-you-type search): "hel wor" -> 'hel:* & wor:*'."""
    words = _WORD.findall(text or "")[:10]
    if not words:
        return None
    return SearchQuery(" & ".join(f"{word}:*" for word in words), search_type="raw", config="simple")


def _messages() -> QuerySet[Message]:
    return Message.objects.select_related("media", "reply_to", "sent_by").prefetch_related(
        Prefetch("reactions", queryset=Reaction.objects.order_by("updated_at", "pk"))
    )


def chat_list(*, q: str = "") -> QuerySet[Contact]:
    """Contacts with messages, newest activity first, each with its last message. `q` matches the
    name, push name, phone, or any message's text (prefix words)."""
    contacts = (
        Contact.objects.filter(last_message_at__isnull=False)
        .select_related("assignee", "last_message__media", "last_message__reply_to", "last_message__sent_by")
        .prefetch_related(Prefetch("last_message__reactions", queryset=Reaction.objects.order_by("updated_at", "pk")))
    )
    q = (q or "").strip()
    if q:
        match = Q(name__icontains=q) | Q(push_name__icontains=q) | Q(phone__icontains=q.lstrip("+").replace(" ", ""))
        query = prefix_query(q)
        if query is not None:
            match |= Q(Exists(Message.objects.filter(contact=OuterRef("pk"), search=query)))
        contacts = contacts.filter(match)
    return contacts.order_by("-last_message_at", "-id")


def contact_list(*, q: str = "") -> QuerySet[Contact]:
    contacts = Contact.objects.select_related("assignee")
    q = (q or "").strip()
    if q:
        contacts = contacts.filter(Q(name__icontains=q) | Q(push_name__icontains=q) | Q(phone__icontains=q))
    return contacts.order_by("-created_at", "-id")


def contact_get(contact_id) -> Contact | None:
    return Contact.objects.select_related("assignee", "session").filter(pk=contact_id).first()


def message_list_for_contact(*, contact: Contact) -> QuerySet[Message]:
    """A thread, newest first (the client pages back through older ones)."""
    return _messages().filter(contact=contact).order_by("-timestamp", "-id")


def message_get(message_id) -> Message | None:
    return _messages().select_related("contact", "session").filter(pk=message_id).first()


def message_search(*, q: str) -> QuerySet[Message]:
    query = prefix_query(q)
    if query is None:
        return Message.objects.none()
    return _messages().select_related("contact").filter(search=query).order_by("-timestamp", "-id")


def media_get(media_id) -> MediaFile | None:
    """`media_id` must be a UUID (the API validates it)."""
    return MediaFile.objects.filter(pk=media_id).first()
