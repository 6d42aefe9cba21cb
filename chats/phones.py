"""Phone numbers and WhatsApp ids: `+6281234567890` <-> `6281234567890@c.us`."""

import re

from django.utils.translation import gettext as _

from blazz.core.errors import DomainError
from chats.errors import ChatErrorCode

_DIGITS = re.compile(r"\D+")


def normalise_phone(raw: str) -> tuple[str, str]:
    """Returns (E.164 phone, WhatsApp chat id). Accepts `+62 812-3456-7890`, `0062...`, `62812...`,
    or a chat id `62812...@c.us`. E.164 numbers have 7 to 15 digits."""
    text = (raw or "").strip()
    if text.endswith("@c.us"):
        text = text[: -len("@c.us")]
    digits = _DIGITS.sub("", text)
    if text.startswith("00"):
        digits = digits[2:]
    if not 7 <= len(digits) <= 15 or digits.startswith("0"):
        raise DomainError(ChatErrorCode.PHONE_INVALID,
                          _("A phone number in international form, e.g. +6281234567890."),
                          fields={"phone": ["invalid"]})
    return f"+{digits}", f"{digits}@c.us"


def phone_from_chat_id(chat_id: str) -> str:
    """`6281234567890@c.us` -> `+6281234567890` (groups and odd ids keep their user part)."""
    user = (chat_id or "").split("@", 1)[0]
    digits = _DIGITS.sub("", user)
    return f"+{digits}" if digits else user
