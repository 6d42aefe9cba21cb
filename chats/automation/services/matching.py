"""How a rule's pattern meets a customer's text: case- and accent-insensitive, and regular
expressions with a time bound (the `regex` package's timeout: a pathological pattern or text
cannot hold a worker)."""

from __future__ import annotations

from django.utils.translation import gettext as _
import unicodedata
from functools import lru_cache

import regex

from blazz.core.errors import DomainError
from chats.automation.errors import AutomationErrorCode as Code
from chats.automation.models import MatchType

REGEX_TIMEOUT_SECONDS = 0.05
FLAGS = regex.IGNORECASE | regex.V1


class MatchTimeout(Exception):
    pass


@lru_cache(maxsize=4096)  # a message's text meets every rule; a rule's pattern meets every message
def normalise(text: str) -> str:
    """Lower case (casefold), accents dropped ("Café" -> "cafe"), runs of spaces as one."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def compile_pattern(pattern: str):
    """A rule's regular expression; a bad one is a 400. It is matched against the normalised text
    (no accents, case-insensitive), so it is written without accents."""
    try:
        return regex.compile(pattern, FLAGS)
    except regex.error as exc:
        raise DomainError(Code.REGEX_INVALID, _("Invalid regular expression: %(error)s") % {"error": exc}, fields={"pattern": [str(exc)]})


class Matcher:
    """A rule's pattern made ready once to meet many texts: its normalised needle, or its
    compiled regular expression (None when it does not compile: it matches nothing)."""

    __slots__ = ("compiled", "match_type", "needle")

    def __init__(self, match_type: str, pattern: str):
        self.match_type, self.needle, self.compiled = match_type, normalise(pattern), None
        if match_type == MatchType.REGEX:
            try:
                self.compiled = regex.compile(pattern, FLAGS)
            except regex.error:
                pass

    def matches(self, haystack: str) -> bool:
        """`haystack`: the text, normalised. A regular expression past its time bound raises MatchTimeout."""
        if self.match_type == MatchType.EXACT:
            return haystack == self.needle
        if self.match_type == MatchType.CONTAINS:
            return bool(self.needle) and self.needle in haystack
        if self.match_type == MatchType.STARTS_WITH:
            return bool(self.needle) and haystack.startswith(self.needle)
        if self.match_type == MatchType.REGEX and self.compiled is not None:
            try:
                return self.compiled.search(haystack, timeout=REGEX_TIMEOUT_SECONDS) is not None
            except TimeoutError:
                raise MatchTimeout(f"The regular expression took longer than {REGEX_TIMEOUT_SECONDS}s")
            except regex.error:
                return False
        return False


@lru_cache(maxsize=1024)  # the worker meets the same rules' patterns on every message
def matcher(match_type: str, pattern: str) -> Matcher:
    return Matcher(match_type, pattern)


def text_matches(match_type: str, pattern: str, text: str) -> bool:
    return matcher(match_type, pattern).matches(normalise(text))
