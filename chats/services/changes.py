"""What changes a stored message besides its status: reactions (the customer's, and the agent's
own through the bridge), edits and revokes. The `apply_*` functions need a transaction and the
message's row locked by the caller (chats/services/inbound.py, pending.py)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blazz.core import events
from blazz.core.errors import Conflict, DomainError, NotFound
from blazz.core.publisher import publish_on_commit
from chats.errors import ChatErrorCode as Code
from chats.models import NOTE, Direction, Message, Reaction
from chats.services.publish import publish_chat_if_last, publish_message, publish_reactions, schema
from chats.wire import iso
from sessions_wa import bridge
from sessions_wa.errors import SessionErrorCode
from sessions_wa.models import WhatsAppSession


def message_react(*, message: Message, emoji: str, user) -> Message:
    """React as this workspace's number ("" removes). The bridge call is direct, with a short
    timeout. Emits: message.reaction."""
    if not isinstance(emoji, str) or len(emoji) > 32:
        raise DomainError(Code.EMOJI_INVALID, _("emoji: one emoji, or \"\" to remove."), fields={"emoji": ["invalid"]})
    if not message.wa_message_id:
        raise Conflict(Code.NOT_SENT_YET, _("The message has no WhatsApp id yet."))
    session = message.session or message.contact.session
    if session is None or not session.is_connected:
        raise Conflict(SessionErrorCode.SESSION_NOT_CONNECTED, _("Its WhatsApp number is not connected."))
    try:
        bridge.reaction_send(session.id, message.wa_message_id, emoji)
    except bridge.BridgeUnavailable as exc:
        raise DomainError(Code.BRIDGE_UNAVAILABLE, _("The bridge is unavailable: %(error)s") % {"error": exc}, status=503)
    except bridge.BridgeError as exc:
        raise DomainError(exc.code, exc.message, status=502 if exc.status >= 500 else 409)
    with transaction.atomic():
        set_reaction(message=message, reactor=Reaction.ME, emoji=emoji, user=user)
    return message


def set_reaction(*, message: Message, reactor: str, emoji: str, user=None) -> None:
    """One reaction per reactor, replaced, or removed by "". Needs a transaction. Locks the message
    row first, as every other writer of a message and its reactions does: a reaction written
    before that lock (its foreign key check waits on the row) deadlocked against a webhook holding
    the row and writing the same reactor's reaction. Emits: message.reaction."""
    if not Message.objects.select_for_update().filter(pk=message.pk).exists():
        raise NotFound(Code.MESSAGE_NOT_FOUND, _("No such message."))  # deleted with its chat meanwhile
    if emoji:
        Reaction.objects.update_or_create(
            message=message, reactor=reactor,
            defaults={"emoji": emoji, "user": user if getattr(user, "pk", None) else None},
        )
    else:
        Reaction.objects.filter(message=message, reactor=reactor).delete()
    publish_reactions(message.pk, message.contact_id)


def apply_reaction(message: Message, session: WhatsAppSession, data: dict) -> None:
    """The bridge's message.reaction: our own number's reaction comes back as "me"."""
    reactor = data.get("from") or ""
    if reactor and reactor == session.own_chat_id:
        reactor = Reaction.ME
    current = Reaction.objects.filter(message=message, reactor=reactor).values_list("emoji", flat=True).first()
    if (current or "") == (data.get("emoji") or ""):
        return  # our own reaction reported back, or a repeat
    set_reaction(message=message, reactor=reactor, emoji=data.get("emoji") or "")


def apply_edit(message: Message, body: str) -> None:
    """The new text; the previous ones kept. Emits: message.updated, chat.updated (while last)."""
    if message.body == body:
        return
    now = timezone.now()
    message.edits = [*message.edits, {"body": message.body, "edited_at": iso(now)}]
    message.body = body
    message.edited_at = now
    message.save(update_fields=["edits", "body", "edited_at"])
    publish_message(message.pk, events.MessageUpdated)
    publish_chat_if_last(message)


def apply_revoke(message: Message) -> None:
    """Deleted for everyone; the content stays for agents. Emits: message.revoked, chat.updated."""
    if message.revoked:
        return
    message.revoked = True
    message.revoked_at = timezone.now()
    message.save(update_fields=["revoked", "revoked_at"])
    publish_on_commit(schema(), events.MessageRevoked(message_id=message.pk, contact_id=message.contact_id,
                                                      revoked_at=iso(message.revoked_at)))
    publish_chat_if_last(message)


# WhatsApp's windows for our own messages (the bridge enforces them too).
EDIT_WINDOW_SECONDS = 15 * 60


def message_edit(*, message: Message, body: str, user) -> Message:
    """An agent edits one of our messages: a note (its author, any time) or a text sent through
    WhatsApp within 15 minutes (through the bridge: the customer's phone shows the edit). The
    previous text stays in `edits`. Emits: message.updated (the bridge's message.edited that
    follows changes nothing more)."""
    if not isinstance(body, str) or not body.strip():
        raise DomainError(Code.BODY_REQUIRED, _("The new text is required."), fields={"body": ["required"]})
    if message.direction != Direction.OUT or message.type not in ("text", NOTE) or message.revoked:
        raise Conflict(Code.NOT_EDITABLE, _("Only our own text messages and notes can be edited."))
    if message.type != NOTE:
        sent = message.sent_at or message.timestamp
        if (timezone.now() - sent).total_seconds() > EDIT_WINDOW_SECONDS:
            raise Conflict(Code.EDIT_WINDOW_PASSED, _("WhatsApp allows edits for 15 minutes after sending."))
        _through_bridge(message, lambda session: bridge.message_edit(session.id, message.wa_message_id, body))
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        apply_edit(locked, body)
    return locked


def message_delete(*, message: Message, user) -> Message:
    """Delete for everyone: a note at once; a message sent through WhatsApp through the bridge
    (Message.delete(true)). The content stays visible to agents, marked deleted. Idempotent.
    Emits: message.revoked."""
    if message.revoked:
        return message
    if message.direction != Direction.OUT:
        raise Conflict(Code.NOT_OUTBOUND, _("Only our own messages can be deleted for everyone."))
    if message.type != NOTE:
        _through_bridge(message, lambda session: bridge.message_revoke(session.id, message.wa_message_id))
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        apply_revoke(locked)
    return locked


def _through_bridge(message: Message, call) -> None:
    if not message.wa_message_id:
        raise Conflict(Code.NOT_SENT_YET, _("The message has no WhatsApp id yet."))
    session = message.session or message.contact.session
    if session is None or not session.is_connected:
        raise Conflict(SessionErrorCode.SESSION_NOT_CONNECTED, _("Its WhatsApp number is not connected."))
    try:
        call(session)
    except bridge.BridgeUnavailable as exc:
        raise DomainError(Code.BRIDGE_UNAVAILABLE, _("The bridge is unavailable: %(error)s") % {"error": exc}, status=503)
    except bridge.BridgeError as exc:
        raise DomainError(exc.code, exc.message, status=502 if exc.status >= 500 else 409)
