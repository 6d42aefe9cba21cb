"""Reads of contacts and messages, with the joins their callers need (tenant schema)."""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from chats import store
from chats.models import ChatMute, ChatStatus, Contact, InboxSettings, Label, MediaFile, Message, Reaction
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


@dataclass(frozen=True)
class ChatFilters:
    """The chat list's views (`GET /api/v1/chats/?assignee=&status=&label=&session_id=`).
    `assignee`: a user id, or "none"; `status`: one ChatStatus or "" for all."""

    assignee: int | str | None = None
    status: str = ""
    label: int | None = None
    session_id: str = ""


def visible_only_to(*, user_id: int | None, role: str | None) -> int | None:
    """The member whose own and unassigned chats are all this caller may see, or None when they
    see every chat: owners, admins, API keys (no user), and every member unless the workspace
    turns on "agents see only their own and unassigned chats"."""
    from workspaces.models import Role

    if user_id is None or role != Role.AGENT:
        return None
    restricted = InboxSettings.objects.filter(pk=1, agents_see_own_only=True).exists()
    return user_id if restricted else None


def visible(contacts: QuerySet, viewer_id: int | None, field: str = "") -> QuerySet:
    if viewer_id is None:
        return contacts
    return contacts.filter(Q(**{f"{field}assignee_id__isnull": True}) | Q(**{f"{field}assignee_id": viewer_id}))


def _filtered(contacts: QuerySet, filters: ChatFilters, *, skip: str = "") -> QuerySet:
    if filters.assignee is not None and skip != "assignee":
        contacts = (contacts.filter(assignee_id__isnull=True) if filters.assignee == "none"
                    else contacts.filter(assignee_id=filters.assignee))
    if filters.status and skip != "status":
        contacts = contacts.filter(status=filters.status)
    if filters.label is not None and skip != "label":
        contacts = contacts.filter(Exists(Contact.labels.through.objects.filter(contact_id=OuterRef("pk"),
                                                                                 label_id=filters.label)))
    if filters.session_id and skip != "session":
        contacts = contacts.filter(session_id=filters.session_id)
    return contacts


def chat_list(*, q: str = "", filters: ChatFilters = ChatFilters(), viewer_id: int | None = None,
              updated_since=None) -> QuerySet[Contact]:
    """Contacts with messages, newest activity first, each with its last message. `q` matches the
    name, push name, phone, or any message's text (prefix words). `viewer_id`: only that member's
    and unassigned chats (visible_only_to). `updated_since`: rows changed at or after it."""
    contacts = (
        Contact.objects.filter(last_message_at__isnull=False)
        .select_related("assignee", "last_message__media", "last_message__reply_to", "last_message__sent_by")
        .prefetch_related(Prefetch("last_message__reactions", queryset=Reaction.objects.order_by("updated_at", "pk")),
                          "labels")
    )
    contacts = _filtered(visible(contacts, viewer_id), filters)
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


def chat_counts(*, user_id: int | None, filters: ChatFilters = ChatFilters(), viewer_id: int | None = None) -> dict:
    """The views' counts: by assignee (mine, unassigned, all) under the status, label and session
    filters; by status under the others; by label id and by session id likewise."""
    chats = visible(Contact.objects.filter(last_message_at__isnull=False), viewer_id)
    by_assignee = _filtered(chats, filters, skip="assignee").aggregate(
        all=Count("id"), unassigned=Count("id", filter=Q(assignee_id__isnull=True)),
        mine=Count("id", filter=Q(assignee_id=user_id)) if user_id else Count("id", filter=Q(pk__in=[])))
    by_status = dict(_filtered(chats, filters, skip="status").values_list("status").annotate(n=Count("id"))
                     .order_by())
    by_label = (_filtered(chats, filters, skip="label").filter(labels__isnull=False).values_list("labels")
                .annotate(n=Count("id")).order_by())
    by_session = (_filtered(chats, filters, skip="session").filter(session_id__isnull=False)
                  .values_list("session_id").annotate(n=Count("id")).order_by())
    return {"assignee": by_assignee, "status": {value: by_status.get(value, 0) for value in ChatStatus.values},
            "label": {str(label_id): n for label_id, n in by_label},
            "session": {str(session_id): n for session_id, n in by_session}}


def label_list() -> QuerySet[Label]:
    return Label.objects.order_by("name", "id")


def contact_list(*, q: str = "", updated_since=None) -> QuerySet[Contact]:
    contacts = Contact.objects.select_related("assignee")
    if updated_since is not None:
        contacts = contacts.filter(updated_at__gte=updated_since)
    q = (q or "").strip()
    if q:
        contacts = contacts.filter(_name_or_phone(q))
    return contacts.order_by("-created_at", "-id")


def contact_get(contact_id) -> Contact | None:
    """The contact, its assignee and its labels (its session loads if asked for). Read lean
    (chats.store): every send and every event's chat row starts here."""
    contact = store.contact_with_labels(contact_id)
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


def message_search(*, q: str, viewer_id: int | None = None, contact_id: int | None = None) -> QuerySet[Message]:
    """Every visible chat's messages matching `q`, newest first; `contact_id`: one chat's only."""
    query = prefix_query(q)
    if query is None:
        return Message.objects.none()
    messages = _messages().select_related("contact").filter(search=query)
    if contact_id is not None:
        messages = messages.filter(contact_id=contact_id)
    return visible(messages, viewer_id, field="contact__").order_by("-timestamp", "-id")


def chat_visible(contact: Contact, viewer_id: int | None) -> bool:
    return viewer_id is None or contact.assignee_id in (None, viewer_id)


def media_get(media_id) -> MediaFile | None:
    """`media_id` must be a UUID (the API validates it)."""
    return MediaFile.objects.filter(pk=media_id).first()


def mute_list(*, user_id: int, viewer_id: int | None = None) -> QuerySet[ChatMute]:
    """The chats `user_id` has muted now (ended mutes are left out), among those they may see."""
    from django.utils import timezone

    mutes = ChatMute.objects.filter(user_id=user_id).filter(
        Q(muted_until__isnull=True) | Q(muted_until__gt=timezone.now()))
    if viewer_id is not None:
        mutes = mutes.filter(Q(contact__assignee_id__isnull=True) | Q(contact__assignee_id=viewer_id))
    return mutes.order_by("contact_id")


def contact_activity(contact: Contact) -> dict:
    """The contact panel's past activity: first contact, first and last message, the customer's
    last message, and how many messages and private notes the thread holds (one aggregate)."""
    from django.db.models import Max, Min

    from chats.models import Direction, INBOX_ONLY_TYPES, NOTE

    conversation = ~Q(type__in=INBOX_ONLY_TYPES)
    facts = Message.objects.filter(contact_id=contact.pk).aggregate(
        first_message_at=Min("timestamp", filter=conversation), last_message_at=Max("timestamp", filter=conversation),
        last_inbound_at=Max("timestamp", filter=Q(direction=Direction.IN)),
        messages_count=Count("id", filter=conversation), notes_count=Count("id", filter=Q(type=NOTE)))
    return {"first_contact_at": contact.created_at, **facts}
