"""The workspace's automation settings (opt-out keywords), and the gate the inbound path asks
before it queues the auto-reply task: a workspace with no enabled rule queues nothing for a
message that is not an opt-out keyword.

The gate keeps, per process and workspace, whether there are enabled rules and the keywords,
valid while the workspace's version token in Redis is unchanged: one Redis GET per inbound
message, a reload only after a rule or the settings changed (every write sets a new token)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from blazz.core.errors import DomainError
from chats.automation.errors import AutomationErrorCode as Code
from chats.automation.models import AutoReplyRule, AutomationSettings
from chats.automation.services.governor import redis_client
from chats.automation.services.matching import normalise

MAX_KEYWORDS, MAX_KEYWORD_LENGTH = 50, 50

_gate_cache: dict[str, tuple[bytes | None, bool, frozenset[str]]] = {}


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
    keywords = optout_keywords() if keywords is None else keywords
    return normalise(text).strip(" .!") in keywords


def _key() -> str:
    return f"automation:{connection.schema_name}:version"


def changed() -> None:
    """A rule or the settings changed: every process reloads what the gate keeps (this one at once,
    the others after the commit, when the token changes)."""
    _gate_cache.pop(connection.schema_name, None)
    token = uuid.uuid4().hex
    transaction.on_commit(lambda: redis_client().set(_key(), token))


def needs_autoreply(text: str) -> bool:
    """Whether an inbound message with this text can concern automation (queue.autoreply_gate)."""
    schema = connection.schema_name
    version = redis_client().get(_key())
    cached = _gate_cache.get(schema)
    if cached is None or cached[0] != version:
        has_rules = AutoReplyRule.objects.filter(enabled=True).exists()
        cached = _gate_cache[schema] = (version, has_rules, optout_keywords())
    return cached[1] or is_stop_keyword(text, cached[2])
