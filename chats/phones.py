"""Phone numbers and WhatsApp ids: the one parser every path uses (the API's contacts and contact
cards, the `?q=` search, inbound chat ids), `0812-3456-7890` -> `+6281234567890` <->
`6281234567890@c.us`.

Numbers are parsed with Google's libphonenumber (the `phonenumbers` package) against the
workspace's default country (`Workspace.country`, Indonesia unless changed): national
(`0812-3456-7890`), international (`+62 812 3456 7890`, `0062 812...`), with spaces, dashes, dots
and brackets, or with the country code but no plus (`6281234567890`, as WhatsApp ids spell it).
After Unicode normalisation (NFKC: full-width digits become ASCII ones) a number must be written
in ASCII digits: other scripts' digits are refused, so one number cannot make two contacts.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.db import connection
from django.utils.translation import gettext as _

from blazz.core.errors import DomainError
from chats.errors import ChatErrorCode

DEFAULT_COUNTRY = "ID"
_DIGITS = re.compile(r"\D+")
# What a typed number may hold besides ASCII digits: a leading plus and the usual separators.
_TYPED = re.compile(r"^\+?[0-9\s().\-/]+$")


def workspace_country() -> str:
    """The current workspace's default country (ISO 3166 alpha-2), for numbers typed without
    their country code."""
    tenant = getattr(connection, "tenant", None)
    country = getattr(tenant, "country", None)
    if country:
        return country
    schema = getattr(connection, "schema_name", None)
    if schema:
        from workspaces.models import Workspace  # the public app; chats only reads it here

        country = Workspace.objects.filter(schema_name=schema).values_list("country", flat=True).first()
    return country or DEFAULT_COUNTRY


def _invalid(raw: str, country: str, why: str = "") -> DomainError:
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL) if example else ""
    international = (phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
                     if example else "+62 812 3456 7890")
    if national:
        how = _("Type it as it is dialled in %(country)s (%(national)s) or with its country code "
                "(%(international)s).") % {"country": country, "national": national, "international": international}
    else:
        how = _("Type it with its country code (%(international)s).") % {"international": international}
    why = why or _("This is not a phone number")
    message = f"{why}: {raw.strip()[:40]!r}. {how}"
    return DomainError(ChatErrorCode.PHONE_INVALID, message, fields={"phone": [message]})


def _parse(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def normalise_phone(raw: str, *, country: str | None = None) -> tuple[str, str]:
    """Returns (E.164 phone, WhatsApp chat id), or raises DomainError `phone_invalid` whose message
    says how to type it. `country`: the default country (the workspace's when None)."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if text.endswith("@c.us"):
        text = "+" + text[: -len("@c.us")]
    country = (country or workspace_country()).upper()
    if any(char.isdigit() and not char.isascii() for char in text):
        raise _invalid(raw or "", country, _("Use the digits 0-9"))
    if not _TYPED.match(text):
        raise _invalid(raw or "", country)
    digits = _DIGITS.sub("", text)
    if text.startswith("+"):
        number = _parse(text, None)
    elif text.startswith("00"):  # the international prefix most countries dial
        number = _parse(text, country) or _parse("+" + digits[2:], None)
    else:  # national, or its country code without the plus
        number = _parse(text, country) or _parse("+" + digits, None)
    if number is None:
        raise _invalid(raw or "", country)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, f"{e164[1:]}@c.us"


def phone_search_digits(q: str, *, country: str | None = None) -> str | None:
    """The digits a `?q=` that looks like (part of) a phone number matches in stored E.164 numbers:
    a whole number as E.164 (`0811-0000-0003` -> `6281100000003`), a partial national one with the
    country code for its national prefix (`0811` -> `62811`), else its digits. None when `q` is
    not a number (letters, other scripts' digits, no digit)."""
    text = unicodedata.normalize("NFKC", q or "").strip()
    if not text or not _TYPED.match(text) or not any(char.isdigit() for char in text):
        return None
    try:
        return normalise_phone(text, country=country)[0][1:]
    except DomainError:
        pass
    country = (country or workspace_country()).upper()
    digits = _DIGITS.sub("", text)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(country)
    prefix = (metadata.national_prefix if metadata else None) or ""
    if not text.startswith("+") and prefix and digits.startswith(prefix) and len(digits) > len(prefix):
        return f"{phonenumbers.country_code_for_region(country)}{digits[len(prefix):]}"
    return digits


def phone_from_chat_id(chat_id: str) -> str:
    """`6281234567890@c.us` -> `+6281234567890` (groups and odd ids keep their user part). A
    WhatsApp id names a number WhatsApp knows: kept as it is, E.164-formatted when it parses."""
    if (chat_id or "").endswith("@lid"):
        return ""  # a LID is not a phone number: unknown until WhatsApp maps it
    user = (chat_id or "").split("@", 1)[0]
    digits = _DIGITS.sub("", user)
    if not digits or not user.isascii():
        return user
    try:
        return normalise_phone(f"+{digits}", country=DEFAULT_COUNTRY)[0]
    except DomainError:
        return f"+{digits}"
