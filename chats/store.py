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

from blazz.core.rows import fetch_row, fetch_value, insert_row
from chats.models import Contact, Message

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


def message_insert_unless_known(message: Message) -> bool:
    """Store a new message unless one with its wa_message_id is there (or is being stored by a
    transaction that then commits): then nothing is stored and False comes back, with no error to
    roll back to a savepoint."""
    return insert_row(message, unless_exists="wa_message_id")


def message_count_send_attempt(message_id: int, *, at: dt.datetime) -> None:
    """The delivery chain's heartbeat: one more call to the bridge, now."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE chats_message SET send_attempts = send_attempts + 1, send_attempted_at = %s "
                       "WHERE id = %s", [at, message_id])


def pending_events_exist(wa_message_id: str) -> bool:
    """Whether events about this WhatsApp id came before its message (chats.services.pending)."""
    return bool(fetch_value("SELECT 1 FROM chats_pendingmessageevent WHERE wa_message_id = %s LIMIT 1",
                            [wa_message_id]))


# --- contacts -------------------------------------------------------------------------------------


def contact_by_id(contact_id: int) -> Contact | None:
    return fetch_row(Contact, "id = %s", [contact_id])


def contact_by_wa_id(wa_id: str) -> Contact | None:
    return fetch_row(Contact, "wa_id = %s", [wa_id])


def user_by_id(user_id: int):
    """A user (a contact's assignee, a message's sender): the public schema's table, which every
    workspace's search_path reaches."""
    return fetch_row(get_user_model(), "id = %s", [user_id])


def contact_after_send(contact_id: int, *, message_id: int, at: dt.datetime, session_id: str) -> None:
    """Our message is the chat's last one, and the chat goes through the number it was sent with."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE chats_contact SET last_message_id = %s, last_message_at = %s, session_id = %s "
                       "WHERE id = %s", [message_id, at, session_id, contact_id])


def contact_after_new_message(contact_id: int, *, session_id: str | None, unread: bool, push_name: str = "",
                              last_message: tuple[int, dt.datetime] | None = None) -> None:
    """The chat row after a message from the bridge, in one statement: the session it came
    through, one more unread (`unread`), the customer's WhatsApp name (when given), and the last
    message (id, time) when it is the latest."""
    sets, params = ["session_id = %s"], [session_id]
    if unread:
        sets.append("unread_count = unread_count + 1")
    if push_name:
        sets.append("push_name = %s")
        params.append(push_name[:200])
    if last_message is not None:
        sets += ["last_message_id = %s", "last_message_at = %s"]
        params += list(last_message)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE chats_contact SET {', '.join(sets)} WHERE id = %s", [*params, contact_id])
