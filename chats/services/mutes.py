"""An agent's mute of a chat: no desktop notification and no chime for it on any of their devices,
until a time or for good. Per member and chat, kept in the workspace's schema; a change reaches
that member's own sockets at once (`chat.muted`), nobody else's."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blazz.core import events
from blazz.core.errors import DomainError
from blazz.core.publisher import publish_on_commit
from chats.errors import ChatErrorCode as Code
from chats.models import ChatMute, Contact
from chats.services.publish import schema

# How far ahead a mute may end (WhatsApp offers 8 hours, a week, always): past a year, say "always".
MUTE_MAX_AHEAD = dt.timedelta(days=366)


def _announce(*, user_id: int, contact_id: int, muted_until: dt.datetime | None, muted: bool) -> None:
    publish_on_commit(schema(), events.ChatMuted(
        contact_id=contact_id, user_id=user_id, muted=muted,
        muted_until=muted_until.isoformat() if muted_until else None))


def chat_mute(*, contact: Contact, user_id: int, until: dt.datetime | None) -> ChatMute:
    """Mute `contact`'s chat for the member `user_id` until `until` (None: for good). Repeating it
    changes nothing and emits nothing. Emits: chat.muted (to that member's sockets)."""
    now = timezone.now()
    if until is not None and not now < until <= now + MUTE_MAX_AHEAD:
        raise DomainError(Code.MUTE_TIME_INVALID, _("A mute ends in the future, within a year."),
                          fields={"until": [_("Choose a time in the next 12 months, or mute for good.")]})
    with transaction.atomic():
        mute, created = ChatMute.objects.select_for_update().get_or_create(
            user_id=user_id, contact=contact, defaults={"muted_until": until})
        if not created and mute.muted_until == until:
            return mute
        if not created:
            mute.muted_until = until
            mute.save(update_fields=["muted_until", "updated_at"])
        _announce(user_id=user_id, contact_id=contact.pk, muted_until=until, muted=True)
    return mute


def chat_unmute(*, contact: Contact, user_id: int) -> None:
    """Unmute; a chat not muted (or whose mute ended) stays as it is. Emits: chat.muted {muted: false}
    when a mute still in force was removed."""
    with transaction.atomic():
        mute = ChatMute.objects.select_for_update().filter(user_id=user_id, contact=contact).first()
        if mute is None:
            return
        in_force = mute.muted_until is None or mute.muted_until > timezone.now()
        mute.delete()
        if in_force:
            _announce(user_id=user_id, contact_id=contact.pk, muted_until=None, muted=False)
