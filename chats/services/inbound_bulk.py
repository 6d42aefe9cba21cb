"""Many messages at once: a run of `message.received` (and phone-typed `message.created`) events
of one session from a batch (webhooks/inbound/batch.py), applied with a handful of statements instead of several per
event. The outcome is what message_apply_received one by one would leave: each message stored
once (by wa_message_id), unread counts and last messages right, each customer's WhatsApp name,
reopen or auto-assignment and auto-replies for live messages (none for history), and events that
came before their message applied. The frames differ only in grouping: every message.new, then one
chat.updated per chat (as committed), published in one round trip with their log rows in one INSERT.

A message with media or a quote goes through message_apply_received (its media row, its quoted
message): the caller hands over only the plain ones (`fits`)."""

from __future__ import annotations

from blazz.core import events, metrics
from blazz.core.publisher import publish_on_commit
from chats import queue, store
from chats.models import Contact, Direction, Message, MessageStatus
from chats.serializers import chat_data, message_data, without_reactions
from chats.services.contacts import contact_get_or_create
from chats.services.identity import chat_ids, contact_for_chat
from chats.services.inbound import announce, new_message, team_after_customer_message
from chats.services.publish import contact_for_event, crm_message_events, schema
from sessions_wa.contract import EventType
from sessions_wa.models import WhatsAppSession


def fits(event_type: str, data: dict) -> bool:
    """Whether an event can take the bulk path: a customer's message, or one typed on the phone
    (message.created without our client_id), with no media and no quote."""
    if event_type == EventType.MESSAGE_CREATED and data.get("client_id"):
        return False
    return (event_type in (EventType.MESSAGE_RECEIVED, EventType.MESSAGE_CREATED)
            and not data.get("media") and not data.get("reply_to"))


def messages_apply_received(*, session: WhatsAppSession, items: list[dict], created: list[bool] | None = None) -> None:
    """`items`: message.received (or, where `created` says so, message.created) `data`, in order,
    each `fits`. Emits: message.new, chat.updated."""
    created = created or [False] * len(items)
    contacts = _contacts(session, items)
    messages = [new_message(session, data, contact=contacts[data["chat_id"]],
                            direction=Direction.OUT if mine else Direction.IN,
                            status=MessageStatus.PENDING if mine else MessageStatus.DELIVERED)
                for data, mine in zip(items, created)]
    stored = [(message, data) for message, data, fresh in
              zip(messages, items, store.messages_insert_unless_known(messages)) if fresh]
    if not stored:
        return
    waiting = store.pending_events_among([message.wa_message_id for message, _data in stored])
    plain = [message for message, _data in stored if message.wa_message_id not in waiting]
    by_contact = _contacts_after(contacts, stored)
    for message, _data in stored:
        metrics.messages.labels(Direction.IN, message.type).inc()
    _publish(plain, list(by_contact))
    for message, _data in stored:
        if message.wa_message_id in waiting:
            announce(message)  # its own frames, after the events that waited for it
    for contact_id, (contact, new_chat) in by_contact.items():
        live = [message for message, data in stored if message.contact_id == contact_id and not data.get("history")
                and message.direction == Direction.IN]
        if live:
            status_before = contact.status  # the status the messages met (the rules' condition)
            team_after_customer_message(contact, new_chat=new_chat)
            # new_chat is the chat's before the run, for each of its messages: the later ones then
            # ask the gate as new (it may queue one more; the worker knows which came first)
            for message in live:
                queue.autoreply_after_commit(message, status=status_before, new_chat=new_chat)


def _contacts(session: WhatsAppSession, items: list[dict]) -> dict[str, Contact]:
    """Each chat id's contact, created when new (one query for those known)."""
    contacts = store.contacts_by_wa_ids(list(dict.fromkeys(data["chat_id"] for data in items)))
    mapped = set()
    for data in items:
        chat_id = data["chat_id"]
        name = (data.get("from_name") or "") if data.get("from") == chat_id else ""  # the customer's own name
        phone_id, lid = chat_ids(data)
        if phone_id and lid and chat_id not in mapped:  # WhatsApp names both ids: one contact (once per chat)
            mapped.add(chat_id)
            contacts[chat_id] = contact_for_chat(data=data, push_name=name, session=session)
        elif chat_id not in contacts:
            contacts[chat_id] = contact_get_or_create(wa_id=chat_id, push_name=name, session=session)
    return contacts


def _contacts_after(contacts: dict[str, Contact], stored: list[tuple[Message, dict]]) -> dict[int, tuple[Contact, bool]]:
    """One UPDATE for every chat: its unread count, last message, name and session. Returns contact id ->
    (contact as read before, whether the chat was new)."""
    touched: dict[int, dict] = {}
    for message, data in stored:
        state = touched.setdefault(message.contact_id, {"contact": message.contact, "unread": 0, "latest": None,
                                                        "push_name": "", "session_id": message.session_id})
        # chat.unread brings history's count; our own messages count none
        state["unread"] += 0 if message.history or message.direction == Direction.OUT else 1
        if message.direction == Direction.IN:
            state["push_name"] = data.get("from_name") or state["push_name"]
        if state["latest"] is None or message.timestamp >= state["latest"].timestamp:
            state["latest"] = message
    store.contacts_after_new_messages([
        (contact_id, state["session_id"], state["unread"], state["push_name"], state["latest"].pk,
         state["latest"].timestamp) for contact_id, state in touched.items()])
    return {contact_id: (state["contact"], state["contact"].last_message_at is None)
            for contact_id, state in touched.items()}


def _publish(messages: list[Message], contact_ids: list[int]) -> None:
    """message.new for each message, then chat.updated for each chat, built after the commit from
    the rows as committed (one read of the chats, the messages as written)."""
    written = {message.pk: message for message in messages}

    def build():
        data = [message_data(without_reactions(message)) for message in messages]
        frames = [events.MessageNew(message=item) for item in data]
        frames += [crm for item in data for crm in crm_message_events(events.MessageNew, item)]
        for contact in store.contacts_by_ids(contact_ids):
            last = written.get(contact.last_message_id)
            if last is None or contact.assignee_id is not None:
                contact = contact_for_event(contact.pk)  # read whole: its assignee, a later message
            else:
                contact.last_message = without_reactions(last)
            frames.append(events.ChatUpdated(chat=chat_data(contact)))
        return frames

    publish_on_commit(schema(), build)
