"""Reads of contacts and messages, with the joins their callers need (tenant schema)."""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from chats import store
from chats.models import Contact, MediaFile, Message, Reaction
from chats.phones import phone_search_digits

_WORD = re.compile(r"\w", re.UNICODE)
_DIGITS = re.compile(r"\d+")


def _quoted_prefix(word: str) -> str:
    """One tsquery operand: the word quoted (PostgreSQL's parser then splits it exactly as it split
    the message, e.g. "ZX-4711" -> 'zx':* <-> '-4711':*), as a prefix."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "':*"


def prefix_query(text: str) -> SearchQuery | None:
    """Every whitespace-separated word of `text` as a prefix (as-you-type search), all required.
    Words are handed to PostgreSQL's text search parser, the one that built the message's vector,
    so a word that it splits ("ZX-4711", "e-mail", a URL) matches the same lexemes. A bare number
    also matches it after a hyphen, which the parser reads as a sign ("ZX-4711" holds '-4711')."""
    words = [word for word in (text or "").split() if _WORD.search(word)][:10]
    if not words:
        return None
    terms = []
    for word in words:
        term = _quoted_prefix(word)
        if _DIGITS.fullmatch(word):
            term = f"({term} | {_quoted_prefix('-' + word)})"
        terms.append(term)
    return SearchQuery(" & ".join(terms), search_type="raw", config="simple")


def _messages() -> QuerySet[Message]:
    return Message.objects.select_related("media", "reply_to", "sent_by").prefetch_related(
        Prefetch("reactions", queryset=Reaction.objects.order_by("updated_at", "pk"))
    )


# Newest activity first. Message times are whole seconds (WhatsApp's): within one second the chat
# whose last message arrived last (the higher message id) is first.
CHAT_ORDER = ("-last_message_at", "-last_message_id", "-id")


def _name_or_phone(q: str) -> Q:
    """The name or push name holds `q`, or the phone number holds the number `q` spells (parsed as
    every path parses numbers: `0811-0000-0003` finds +6281100000003)."""
    match = Q(name__icontains=q) | Q(push_name__icontains=q)
    digits = phone_search_digits(q)
    if digits:
        match |= Q(phone__contains=digits)
    return match


def chat_list(*, q: str = "", updated_since=None) -> QuerySet[Contact]:
    """Contacts with messages, newest activity first, each with its last message. `q` matches the
    name, push name, phone, or any message's text (prefix words); `updated_since`: rows changed
    at or after it."""
    contacts = (
        Contact.objects.filter(last_message_at__isnull=False)
        .select_related("assignee", "last_message__media", "last_message__reply_to", "last_message__sent_by")
        .prefetch_related(Prefetch("last_message__reactions", queryset=Reaction.objects.order_by("updated_at", "pk")))
    )
    q = (q or "").strip()
    if q:
        match = _name_or_phone(q)
        query = prefix_query(q)
        if query is not None:
            match |= Q(Exists(Message.objects.filter(contact=OuterRef("pk"), search=query)))
        contacts = contacts.filter(match)
    if updated_since is not None:
        contacts = contacts.filter(updated_at__gte=updated_since)
    return contacts.order_by(*CHAT_ORDER)


def contact_list(*, q: str = "", updated_since=None) -> QuerySet[Contact]:
    contacts = Contact.objects.select_related("assignee")
    if updated_since is not None:
        contacts = contacts.filter(updated_at__gte=updated_since)
    q = (q or "").strip()
    if q:
        contacts = contacts.filter(_name_or_phone(q))
    return contacts.order_by("-created_at", "-id")


def contact_get(contact_id) -> Contact | None:
    """The contact and its assignee (its session loads if asked for). Read lean (chats.store): every
    send and every event's chat row starts here."""
    contact = store.contact_by_id(contact_id)
    if contact is not None and contact.assignee_id is not None:
        contact.assignee = store.user_by_id(contact.assignee_id)
    return contact


def message_list_for_contact(*, contact: Contact) -> QuerySet[Message]:
    """A thread, newest first (the client pages back through older ones)."""
    return _messages().filter(contact=contact).order_by("-timestamp", "-id")


def message_list(*, client_id: str | None = None, wa_message_id: str | None = None,
                 updated_since=None) -> QuerySet[Message]:
    """Messages of every chat, newest first, found by the sender's `client_id`, WhatsApp's
    `wa_message_id` (each unique: at most one), or changed at or after `updated_since`."""
    messages = _messages().order_by("-timestamp", "-id")
    if client_id is not None:
        messages = messages.filter(client_id=client_id)
    if wa_message_id is not None:
        messages = messages.filter(wa_message_id=wa_message_id)
    if updated_since is not None:
        messages = messages.filter(updated_at__gte=updated_since)
    return messages


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
