"""The chats app's raw SQL, and the only place it has any: the one-row reads, the inserts and the
one-statement updates of the paths every send and every bridge event take.

They skip the ORM's query compiler (blazz.core.rows: ~0.3-0.5 ms of CPU saved per statement, on
paths that run per event); everything else in the app uses the ORM. Each function is one
statement, run in the connection's current schema (the workspace's, django-tenants' search_path).
chats/tests/test_store.py runs every function here against the migrated schema, so a renamed
column fails in CI, not in production.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import connection

from blazz.core.rows import fetch_row, fetch_rows, fetch_value, insert_row, insert_rows, set_prefetched
from chats.models import Contact, Label, Message

# --- messages -------------------------------------------------------------------------------------


def message_by_id(message_id: int, *, for_update: bool = False) -> Message | None:
    """`for_update`: the row stays locked until the transaction ends."""
    return fetch_row(Message, "id = %s", [message_id], for_update=for_update)


def message_by_wa_id(wa_message_id: str, *, for_update: bool = False) -> Message | None:
    return fetch_row(Message, "wa_message_id = %s", [wa_message_id], for_update=for_update)


def message_by_client_id(client_id: str) -> Message | None:
    return fetch_row(Message, "client_id = %s", [client_id])


def message_id_by_client_id(client_id: str) -> int | None:
    return fetch_value("SELECT id FROM chats_message WHERE client_id = %s", [client_id])


def wa_id_taken(wa_message_id: str, *, by_other_than: int) -> bool:
    """Whether another message has this WhatsApp id already."""
    return bool(fetch_value("SELECT 1 FROM chats_message WHERE wa_message_id = %s AND id <> %s",
                            [wa_message_id, by_other_than]))


def message_insert(message: Message) -> None:
    """Store a new message (its unique client_id or wa_message_id taken: IntegrityError)."""
    insert_row(message)


# Set on a message message_insert_unless_known stored: whether events about it came first.
_PENDING_EXIST = {"pending_events_exist": "EXISTS (SELECT 1 FROM chats_pendingmessageevent p "
                                          "WHERE p.wa_message_id = chats_message.wa_message_id)"}


def message_insert_unless_known(message: Message) -> bool:
    """Store a new message unless one with its wa_message_id is there (or is being stored by a
    transaction that then commits): then nothing is stored and False comes back, with no error to
    roll back to a savepoint. A stored one comes back with `pending_events_exist`
    (pending_events_exist's answer, from the same statement)."""
    return insert_row(message, unless_exists="wa_message_id", extra=_PENDING_EXIST)


# Rows per INSERT of messages_insert_unless_known: a fixed size keeps the statement's text the same,
# so psycopg parses it once (splitting a new text of thousands of placeholders cost more than the INSERT).
INSERT_CHUNK = 50


def messages_insert_unless_known(messages: list[Message]) -> list[bool]:
    """message_insert_unless_known for many messages, in a statement per INSERT_CHUNK: a flag each."""
    flags = []
    for start in range(0, len(messages), INSERT_CHUNK):
        flags += insert_rows(messages[start:start + INSERT_CHUNK], unless_exists="wa_message_id")
    return flags


def message_count_send_attempt(message_id: int, *, at: dt.datetime) -> None:
    """The delivery chain's heartbeat: one more call to the bridge, now."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE chats_message SET send_attempts = send_attempts + 1, send_attempted_at = %s "
                       "WHERE id = %s", [at, message_id])


def pending_events_exist(wa_message_id: str) -> bool:
    """Whether events about this WhatsApp id came before its message (chats.services.pending)."""
    return bool(fetch_value("SELECT 1 FROM chats_pendingmessageevent WHERE wa_message_id = %s LIMIT 1",
                            [wa_message_id]))


def pending_events_among(wa_message_ids: list[str]) -> set[str]:
    """Those of these WhatsApp ids that have events waiting for their message."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT wa_message_id FROM chats_pendingmessageevent WHERE wa_message_id = ANY(%s)",
                       [list(wa_message_ids)])
        return {row[0] for row in cursor.fetchall()}


# --- contacts -------------------------------------------------------------------------------------


def contact_by_id(contact_id: int) -> Contact | None:
    return fetch_row(Contact, "id = %s", [contact_id])


_LABEL_IDS = {"label_ids": "ARRAY(SELECT label_id FROM chats_contact_labels WHERE contact_id = chats_contact.id)"}


def contact_with_labels(contact_id: int) -> Contact | None:
    """The contact with its labels loaded (`contact.labels.all()` reads no more): their ids come
    with the row, and the labels themselves in a second statement only when it has any."""
    contact = fetch_row(Contact, "id = %s", [contact_id], extra=_LABEL_IDS)
    if contact is not None:
        labels = fetch_rows(Label, "id = ANY(%s) ORDER BY name, id", [contact.label_ids]) if contact.label_ids else []
        set_prefetched(contact, "labels", labels)
    return contact


def contacts_by_wa_ids(wa_ids: list[str]) -> dict[str, Contact]:
    """contact_by_wa_id for many ids: each id found (a phone id or a LID) -> its contact."""
    found = {}
    for contact in fetch_rows(Contact, "wa_id = ANY(%s) OR lid = ANY(%s)", [list(wa_ids), list(wa_ids)]):
        found[contact.wa_id] = contact
        if contact.lid:
            found[contact.lid] = contact
    return found


def contacts_by_ids(contact_ids: list[int]) -> list[Contact]:
    return fetch_rows(Contact, "id = ANY(%s)", [list(contact_ids)])


def contact_by_wa_id(wa_id: str) -> Contact | None:
    """The contact WhatsApp means by `wa_id`: their phone id, or their LID once known (either one
    addresses the same person: chats/services/identity.py)."""
    return fetch_row(Contact, "wa_id = %s OR lid = %s", [wa_id, wa_id])


def user_by_id(user_id: int):
    """A user (a contact's assignee, a message's sender): the public schema's table, which every
    workspace's search_path reaches."""
    return fetch_row(get_user_model(), "id = %s", [user_id])


def contact_after_send(contact_id: int, *, message_id: int, at: dt.datetime, session_id: str) -> None:
    """Our message is the chat's last one, and the chat goes through the number it was sent with."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE chats_contact SET last_message_id = %s, last_message_at = %s, session_id = %s "
                       "WHERE id = %s", [message_id, at, session_id, contact_id])


def contacts_after_new_messages(rows: list[tuple[int, str | None, int, str, int, dt.datetime]]) -> None:
    """contact_after_new_message for many chats in one statement. rows: (contact id, session id,
    unread to add, WhatsApp name or "", the newest message's id and time: it becomes the last
    message unless a later one is there already)."""
    if not rows:
        return
    columns = list(zip(*rows))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE chats_contact AS c SET session_id = v.session_id, unread_count = c.unread_count + v.unread, "
            "push_name = CASE WHEN v.push_name <> '' THEN v.push_name ELSE c.push_name END, "
            "last_message_id = CASE WHEN c.last_message_at IS NULL OR v.last_at >= c.last_message_at "
            "  THEN v.last_id ELSE c.last_message_id END, "
            "last_message_at = CASE WHEN c.last_message_at IS NULL OR v.last_at >= c.last_message_at "
            "  THEN v.last_at ELSE c.last_message_at END "
            "FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::text[], %s::bigint[], %s::timestamptz[]) "
            "  AS v(id, session_id, unread, push_name, last_id, last_at) WHERE c.id = v.id",
            [list(columns[0]), list(columns[1]), list(columns[2]), [name[:200] for name in columns[3]],
             list(columns[4]), list(columns[5])])


def contact_after_new_message(contact_id: int, *, session_id: str | None, unread: int, push_name: str = "",
                              last_message: tuple[int, dt.datetime] | None = None) -> None:
    """The chat row after messages from the bridge, in one statement: the session they came
    through, `unread` more unread (True: one), the customer's WhatsApp name (when given), and the
    last message (id, time) when it is the latest."""
    sets, params = ["session_id = %s"], [session_id]
    if unread:
        sets.append("unread_count = unread_count + %s")
        params.append(int(unread))
    if push_name:
        sets.append("push_name = %s")
        params.append(push_name[:200])
    if last_message is not None:
        sets += ["last_message_id = %s", "last_message_at = %s"]
        params += list(last_message)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE chats_contact SET {', '.join(sets)} WHERE id = %s", [*params, contact_id])
