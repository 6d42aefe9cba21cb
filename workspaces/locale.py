"""Which language and time zone a member sees.

Language: the member's own choice, else what the request asks for (Accept-Language: the SPA sends
the language it shows), else the workspace's. Time zone: the member's, else the workspace's
(Asia/Jakarta unless changed). Names are IANA zone names, checked against the system's tz data.
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

from django.utils.translation import get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header

from workspaces.models import DEFAULT_TIMEZONE, Language

LANGUAGES = frozenset(Language.values)


def supported_language(tag: str | None) -> str | None:
    """'id' for 'id-ID' (and the old code 'in'), 'en' for 'en-GB'; None for a language we lack."""
    if not tag:
        return None
    base = str(tag).strip().lower().replace("_", "-").split("-")[0]
    if base == "in":
        base = "id"
    if base not in LANGUAGES:
        return None
    try:
        return get_supported_language_variant(base)
    except LookupError:
        return None


def accepted_language(header: str) -> str | None:
    """The first language of an Accept-Language header that we speak (q-values respected)."""
    for tag, _quality in parse_accept_lang_header(header or ""):
        found = supported_language(tag)
        if found:
            return found
    return None


def request_language(*, membership, accept_language: str, workspace) -> str:
    own = supported_language(getattr(membership, "language", ""))
    if own:
        return own
    asked = accepted_language(accept_language)
    if asked:
        return asked
    return supported_language(getattr(workspace, "language", "")) or Language.ENGLISH.value


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_valid_timezone(name: str) -> bool:
    return bool(name) and name in _zones()


def member_timezone(*, membership, workspace) -> str:
    for name in (getattr(membership, "timezone", ""), getattr(workspace, "timezone", "")):
        if name and is_valid_timezone(name):
            return name
    return DEFAULT_TIMEZONE
