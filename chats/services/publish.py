"""The chats events that are built from the rows as committed, handed to THE publisher
(blazz.core.publisher.publish_on_commit) as builders: they run after the commit, so a message or
a chat row reaches the sockets as a later REST read returns it. Nothing here talks to Redis or
logs a failure: the publisher does both.
"""

from __future__ import annotations

from django.db import connection

from blazz.core import events
from blazz.core.publisher import publish_on_commit
from chats import store
from chats.models import Contact, Direction, Message
from chats.selectors import contact_get
from chats.serializers import chat_data, contact_data, message_data, reaction_list, without_reactions


def schema() -> str:
    """The workspace the current transaction writes in."""
    return connection.schema_name


def message_for_event(message_id: int) -> Message:
    """The message as committed, read lean; its media, quoted message, sender and reactions load as
    serialising it asks for them (each only when the message has one)."""
    message = store.message_by_id(message_id)
    if message is None:
        raise Message.DoesNotExist(message_id)
    return message


def contact_for_event(contact_id: int, *, if_last_message: int | None = None) -> Contact | None:
    """The chat row's contact with its assignee and last message, as committed (None when
    `if_last_message` is no longer its last message)."""
    contact = contact_get(contact_id)
    if contact is None:
        raise Contact.DoesNotExist(contact_id)
    if if_last_message is not None and contact.last_message_id != if_last_message:
        return None
    if contact.last_message_id is not None:
        contact.last_message = message_for_event(contact.last_message_id)
    return contact


def publish_message(message_id: int, event_class: type[events.Event]) -> None:
    """message.new / message.updated after commit, built from the row as committed."""
    publish_on_commit(schema(), lambda: [event_class(message=message_data(message_for_event(message_id)))])


def publish_chat(contact_id: int, *, if_last_message: int | None = None) -> None:
    """chat.updated (the chat-list row) after commit. `if_last_message`: only when that message is
    still the chat's last one as committed (its change shows in the row)."""

    def build():
        contact = contact_for_event(contact_id, if_last_message=if_last_message)
        # None: an ack or edit of an older message, which the chat row does not show.
        return [] if contact is None else [events.ChatUpdated(chat=chat_data(contact))]

    publish_on_commit(schema(), build)


def publish_chat_if_last(message: Message) -> None:
    publish_chat(message.contact_id, if_last_message=message.pk)


def publish_message_and_chat(message_id: int, contact_id: int, event_class: type[events.Event], *,
                             written: Message | None = None) -> None:
    """The message's event then chat.updated, after commit, in one round trip, from one fetch when
    the message is the chat's last message (the usual case: a new message): the chat row carries it.

    `written`: the message as this transaction created it, when nothing else writes to it before
    the commit (no pending events applied to it). Its events are then built from it, and only the
    contact row is read again (its unread count and last message as committed)."""

    def build():
        chat = None
        if written is not None:
            contact = contact_get(contact_id)
            if contact.last_message_id == written.pk:
                contact.last_message = without_reactions(written)
                chat = chat_data(contact)
        if chat is None:  # read whole; with `written`: a later message of the chat committed first
            chat = chat_data(contact_for_event(contact_id))
        last = chat.get("last_message")
        if last and last["id"] == message_id:
            message = last
        elif written is not None:
            message = message_data(without_reactions(written))
        else:
            message = message_data(message_for_event(message_id))
        return [event_class(message=message), *crm_message_events(event_class, message), events.ChatUpdated(chat=chat)]

    publish_on_commit(schema(), build)


def crm_message_events(event_class: type[events.Event], message: dict) -> list[events.Event]:
    """Beside a new message's message.new: the CRM's message.received (a customer's) or
    message.sent (ours: an agent's, a CRM's, an automation's, or one typed on the phone)."""
    if event_class is not events.MessageNew:
        return []
    crm_class = events.MessageReceived if message["direction"] == Direction.IN else events.MessageSent
    return [crm_class(message=message)]


def publish_contact(contact_id: int, event_class: type[events.Event]) -> None:
    """contact.created / contact.updated after commit, built from the row as committed."""
    publish_on_commit(schema(), lambda: [event_class(contact=contact_data(contact_get(contact_id)))])


def publish_contact_deleted(contact_id: int) -> None:
    publish_on_commit(schema(), events.ContactDeleted(contact_id=contact_id))


def publish_reactions(message_id: int, contact_id: int) -> None:
    """message.reaction: the message's reactions as committed."""

    def build():
        reactions = reaction_list(Message.objects.prefetch_related("reactions").get(pk=message_id))
        return [events.MessageReactionChanged(message_id=message_id, contact_id=contact_id, reactions=reactions)]

    publish_on_commit(schema(), build)
