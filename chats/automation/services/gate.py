"""The gate the inbound path asks before it queues a message's auto-reply task
(chats.queue.autoreply_gate): True only when the worker could do something with the message.
That is when the text is an opt-out keyword, or a rule on the message's number could trigger:
a keyword rule whose pattern matches the text (matching.py's semantics exactly), a first-message
rule in a new chat, or an outside-hours rule while the workspace is closed.

Conditions (status, labels, assignee, contact is new), cooldowns, the guards on groups and the
hourly cap only narrow what the worker does; the gate leaves them to the worker. It must never
answer False where the worker would fire a rule or record an opt-out, so wherever it cannot be
sure (a regular expression past its time bound, any error) it answers True.

Per process and workspace it keeps a summary of the enabled rules (each trigger, its scope of
numbers and its pattern made ready once), the opt-out keywords and, when an outside-hours rule
exists, the business hours. The summary holds while the workspace's automation version is the
same (config.version: one Redis GET per message); every write to those sets a new one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from chats.automation.models import AutoReplyRule, BusinessHours, Trigger
from chats.automation.services import config
from chats.automation.services import hours as hours_service
from chats.automation.services.matching import Matcher, matcher, normalise


@dataclass(frozen=True)
class Summary:
    """What the gate needs of a workspace's automation. A scope is a rule's session_ids: empty
    means every number."""

    version: tuple
    optout_keywords: frozenset[str]
    keyword_rules: tuple[tuple[object, Matcher], ...]
    first_message_scopes: tuple[object, ...]
    outside_hours_scopes: tuple[object, ...]
    hours: BusinessHours | None


_summaries: dict[str, Summary] = {}


def needs_autoreply(text: str, *, session_id: str | None, new_chat: bool, at: dt.datetime) -> bool:
    """Whether the worker could act on an inbound message: `text` its body (else caption),
    `session_id` the number it came to, `new_chat` whether its chat had no message before it,
    `at` when it was stored (the worker's "now" for business hours). Raises when Redis or the
    database is away (the caller then queues)."""
    summary = _summary()
    haystack = normalise(text)
    if config.is_stop_normalised(haystack, summary.optout_keywords):
        return True
    if new_chat and any(_applies(scope, session_id) for scope in summary.first_message_scopes):
        return True
    for scope, rule_matcher in summary.keyword_rules:
        if _applies(scope, session_id):
            try:
                if rule_matcher.matches(haystack):
                    return True
            except Exception:  # MatchTimeout: the worker logs it on the rule
                return True
    if any(_applies(scope, session_id) for scope in summary.outside_hours_scopes):
        return not hours_service.is_open(summary.hours, at)
    return False


def _applies(scope, session_id: str | None) -> bool:
    """The worker's test (autoreply_evaluate): a rule for every number, or for this one."""
    return not scope or session_id in scope


def _summary() -> Summary:
    schema = connection.schema_name
    version = config.version()
    summary = _summaries.get(schema)
    if summary is None or summary.version != version:
        summary = _summaries[schema] = _load(version)
    return summary


def _load(version: tuple) -> Summary:
    keyword_rules, first_message, outside_hours = [], [], []
    for rule in AutoReplyRule.objects.filter(enabled=True).only("trigger", "match_type", "pattern", "session_ids"):
        scope = _scope(rule.session_ids)
        if rule.trigger == Trigger.FIRST_MESSAGE:
            first_message.append(scope)
        elif rule.trigger == Trigger.OUTSIDE_HOURS:
            outside_hours.append(scope)
        else:  # the worker takes any other trigger for a keyword one (rules.rule_triggered)
            keyword_rules.append((scope, matcher(rule.match_type, rule.pattern)))
    keyword_rules.sort(key=lambda rule: rule[1].compiled is not None)  # a regex search costs most: last
    return Summary(version=version, optout_keywords=config.optout_keywords(), keyword_rules=tuple(keyword_rules),
                   first_message_scopes=tuple(first_message), outside_hours_scopes=tuple(outside_hours),
                   hours=hours_service.hours_read() if outside_hours else None)


def _scope(session_ids):
    """A list of ids as a set (the same `in`, cheaper); anything else (a hand-edited row) as it is,
    so `in` means what it means to the worker."""
    if isinstance(session_ids, list):
        try:
            return frozenset(session_ids)
        except TypeError:
            return session_ids
    return session_ids
