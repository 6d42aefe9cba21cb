"""The workspace's automation settings (opt-out keywords), and its automation version: a token in
Redis that every write the inbound path's gate depends on (rules, settings, business hours) sets
anew, so each process knows when what it keeps is stale (services/gate.py)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from blazz.core.errors import DomainError
from chats.automation.errors import AutomationErrorCode as Code
from chats.automation.models import AutomationSettings
from chats.automation.services.governor import redis_client
from chats.automation.services.matching import normalise

MAX_KEYWORDS, MAX_KEYWORD_LENGTH = 50, 50

# Per schema: how many times this process changed it, so it sees its own change at once (before
# the commit sets the token, and in a test's transaction, which never commits).
_local_changes: dict[str, int] = {}


def settings_get() -> AutomationSettings:
    row = AutomationSettings.objects.filter(pk=1).first()
    return row or AutomationSettings(pk=1, optout_keywords=list(settings.AUTOMATION_OPT_OUT_KEYWORDS))


def settings_save(*, optout_keywords: list[str] | None = None) -> AutomationSettings:
    row = settings_get()
    if optout_keywords is not None:
        keywords = list(dict.fromkeys(k.strip() for k in optout_keywords if k and k.strip()))
        if len(keywords) > MAX_KEYWORDS or any(len(k) > MAX_KEYWORD_LENGTH for k in keywords):
            raise DomainError(Code.SETTINGS_INVALID, _("At most 50 keywords of at most 50 characters."),
                              fields={"optout_keywords": ["too many or too long"]})
        row.optout_keywords = keywords
    row.save()
    changed()
    return row


def optout_keywords() -> frozenset[str]:
    return frozenset(normalise(k) for k in settings_get().optout_keywords)


def is_stop_keyword(text: str, keywords: frozenset[str] | None = None) -> bool:
    return is_stop_normalised(normalise(text), optout_keywords() if keywords is None else keywords)


def is_stop_normalised(normalised: str, keywords: frozenset[str]) -> bool:
    """The text (normalised) is one of the keywords, alone, trailing dots or exclamation marks aside."""
    return normalised.strip(" .!") in keywords


def _key(schema: str) -> str:
    return f"automation:{schema}:version"


def changed() -> None:
    """A rule, the settings or the business hours changed: every process reloads what its gate
    keeps (this one at once, the others after the commit, when the token changes)."""
    schema = connection.schema_name
    _local_changes[schema] = _local_changes.get(schema, 0) + 1
    key, token = _key(schema), uuid.uuid4().hex
    transaction.on_commit(lambda: redis_client().set(key, token))


def version() -> tuple:
    """The workspace's automation version as this process knows it: one Redis GET."""
    schema = connection.schema_name
    return redis_client().get(_key(schema)), _local_changes.get(schema, 0)
