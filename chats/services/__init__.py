"""Every write to contacts and messages, split by stage; this package re-exports the functions
other modules call (`from chats import services`).

    contacts.py   contacts by WhatsApp id or phone, and what agents change on them
    send.py       an agent's or a CRM's message, stored pending once per client_id
    delivery.py   the send task's body: the bridge call, the WhatsApp id it gets; the stuck sweep
    status.py     THE status machine: every change of a message's status is made there
    inbound.py    the bridge's message events (received, created, ack, reaction, edited, revoked)
    identity.py   LID identities: a contact's phone id and LID, two contacts of one person merged
    inbound_bulk.py  a batch's run of customers' messages, applied in a few statements
    pending.py    events that came before their message, kept and applied when it appears
    changes.py    reactions, edits and revokes of a stored message
    media.py      uploads, and inbound files fetched from the bridge
    presence.py   typing, presence and reading a chat: direct calls, nothing queued
    retention.py  a contact's erasure, and the retention prune of old messages and media
    team.py       a conversation's status, assignee and labels; system lines; snoozes; auto-assignment
    mutes.py      an agent's own mute of a chat (per member, until a time or for good)
    fields.py     the custom contact fields: definitions, and values checked against their type
    publish.py    the events built from committed rows, handed to blazz.core.publisher

Everything runs inside the workspace's schema (a request on its host, a task carrying its schema,
or the bridge webhook inside `schema_context`). Functions take keyword arguments, write in one
transaction, and publish their events after commit through blazz.core.publisher.publish_on_commit.
Imports run one way: publish <- team <- contacts; publish <- status, changes <- pending <- delivery <- inbound
(which also imports contacts, identity and media) <- inbound_bulk; publish, contacts <- identity; presence <- status. blazz/tests/test_layout.py fails on any cycle.
"""

from chats.services.changes import message_delete, message_edit, message_react
from chats.services.contacts import contact_create, contact_delete, contact_get_or_create, contact_update
from chats.services.delivery import (
    DeliveryOutcome, message_deliver, message_link_wa_id, message_send_retry_due, messages_requeue_stuck,
)
from chats.services.identity import contact_map_identity
from chats.services.inbound import (
    chat_apply_unread, contact_apply_identity, message_apply_ack, message_apply_created, message_apply_edited, message_apply_reaction, message_apply_received,
    message_apply_revoked,
)
from chats.services.inbound_bulk import fits as message_received_fits_bulk
from chats.services.inbound_bulk import messages_apply_received
from chats.services.media import media_fetch_from_bridge, media_mark_failed, media_prepare_voice, media_upload
from chats.services.presence import agent_typing_relay, chat_viewers_changed, contact_apply_presence, contact_apply_typing, contact_mark_read
from chats.services.retention import contact_erase, messages_prune_old
from chats.services.send import SendRequest, message_send
from chats.services.status import message_mark_failed, message_retry
from chats.services.team import (
    chat_auto_assign, chat_reopen, chat_update, chats_wake_snoozed, inbox_settings, inbox_settings_update, label_delete,
    label_save,
)

__all__ = [
    "DeliveryOutcome", "SendRequest", "agent_typing_relay", "chat_viewers_changed", "contact_apply_presence", "contact_apply_typing",
    "contact_create", "contact_delete", "contact_erase", "contact_get_or_create", "contact_mark_read", "contact_update",
    "media_fetch_from_bridge", "media_mark_failed", "media_prepare_voice", "media_upload", "message_apply_ack",
    "message_apply_created",
    "message_apply_edited", "message_apply_reaction", "message_apply_received", "message_apply_revoked",
    "message_deliver", "message_link_wa_id", "message_mark_failed", "message_react", "message_retry",
    "message_send", "message_send_retry_due", "messages_prune_old", "messages_requeue_stuck", "chat_auto_assign",
    "chat_reopen", "chat_update", "chats_wake_snoozed", "inbox_settings", "inbox_settings_update", "label_delete",
    "label_save", "message_delete", "message_edit",
]
