"""Auto-reply rules: saved once checked (a bad regular expression is a 400 when saved), ordered,
and asked which one a text would fire now (the tester)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from blazz.core.errors import DomainError, NotFound
from chats.automation.errors import AutomationErrorCode as Code
from chats.automation.models import AutoReplyRule, MatchType, Template, Trigger
from chats.automation.services import config, hours as hours_service
from chats.automation.services.matching import MatchTimeout, compile_pattern, text_matches
from chats.errors import ChatErrorCode
from chats.models import ChatStatus, Contact, Label, Message
from chats.services.variables import unknown_names

RULE_FIELDS = ("name", "position", "enabled", "session_ids", "trigger", "match_type", "pattern", "condition_statuses",
               "condition_label_ids", "condition_contact_is_new", "condition_unassigned", "reply_template_id",
               "reply_text", "assign_to_id", "add_label_ids", "set_status", "cooldown_seconds", "stop_here")
# What an auto-reply may set (snoozed needs a time: an agent's).
SETTABLE_STATUSES = (ChatStatus.OPEN, ChatStatus.PENDING, ChatStatus.RESOLVED)


def rule_get(rule_id) -> AutoReplyRule:
    rule = AutoReplyRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(Code.RULE_NOT_FOUND, _("No such auto-reply rule."))
    return rule


def rule_save(*, rule: AutoReplyRule | None = None, **values) -> AutoReplyRule:
    """Create a rule (at the end of the order unless a position is given) or change one."""
    values = {k: v for k, v in values.items() if k in RULE_FIELDS}
    creating = rule is None
    rule = rule or AutoReplyRule()
    for name, value in values.items():
        setattr(rule, name, value)
    _check(rule)
    with transaction.atomic():
        if creating and "position" not in values:
            rule.position = (AutoReplyRule.objects.aggregate(m=Max("position"))["m"] or 0) + 10
        rule.save()
        config.changed()
    return rule


def rule_delete(*, rule: AutoReplyRule) -> None:
    with transaction.atomic():
        rule.delete()
        config.changed()


def rules_reorder(*, rule_ids: list[int]) -> list[AutoReplyRule]:
    """The rules in this order (the ones not named keep their place after them)."""
    with transaction.atomic():
        rules = {r.pk: r for r in AutoReplyRule.objects.select_for_update()}
        unknown = [i for i in rule_ids if i not in rules]
        if unknown:
            raise NotFound(Code.RULE_NOT_FOUND, _("No such auto-reply rule."), fields={"rule_ids": [str(unknown)]})
        order = list(dict.fromkeys(rule_ids)) + [pk for pk, r in sorted(rules.items(), key=lambda kv: (kv[1].position, kv[0]))
                                                  if pk not in rule_ids]
        for index, pk in enumerate(order):
            # updated_at too: the worker reloads its rules when their latest change moves (autoreply.enabled_rules)
            AutoReplyRule.objects.filter(pk=pk).update(position=(index + 1) * 10, updated_at=timezone.now())
        config.changed()
    return list(AutoReplyRule.objects.all())


def _check(rule: AutoReplyRule) -> None:
    errors = {}
    if not (rule.name or "").strip():
        errors["name"] = ["required"]
    if rule.trigger == Trigger.KEYWORD:
        if not (rule.pattern or "").strip():
            errors["pattern"] = ["required for a keyword trigger"]
        elif rule.match_type == MatchType.REGEX:
            compile_pattern(rule.pattern)  # raises regex_invalid
    if not (rule.reply_template_id or (rule.reply_text or "").strip() or rule.assign_to_id or rule.add_label_ids
            or rule.set_status):
        errors["actions"] = ["a rule needs an action: a reply (template or text), an assignee, a label or a status"]
    if rule.set_status and rule.set_status not in SETTABLE_STATUSES:
        errors["set_status"] = [f"one of {', '.join(SETTABLE_STATUSES)}"]
    if not _is_list_of(rule.condition_statuses, str) or not set(rule.condition_statuses) <= set(ChatStatus.values):
        errors["condition_statuses"] = [f"a list of: {', '.join(ChatStatus.values)}"]
    for name in ("condition_label_ids", "add_label_ids"):
        ids = getattr(rule, name)
        if not _is_list_of(ids, int):
            errors[name] = ["a list of label ids"]
        elif Label.objects.filter(pk__in=ids).count() != len(set(ids)):
            errors[name] = ["unknown label"]
    if rule.reply_template_id and not Template.objects.filter(pk=rule.reply_template_id).exists():
        errors["reply_template_id"] = ["not found"]
    unknown = unknown_names(rule.reply_text or "")
    if unknown:
        errors["reply_text"] = [f"unknown variable: {name}" for name in unknown]
    if rule.assign_to_id is not None:
        from workspaces.models import Membership

        from chats.services.publish import schema

        if not Membership.objects.filter(workspace__schema_name=schema(), user_id=rule.assign_to_id).exists():
            errors["assign_to_id"] = ["not a member of this workspace"]
    if not isinstance(rule.session_ids, list) or not all(isinstance(s, str) for s in rule.session_ids):
        errors["session_ids"] = ["a list of session ids"]
    if errors:
        raise DomainError(Code.RULE_INVALID, _("The rule is not valid."), fields=errors)


def _is_list_of(value, kind) -> bool:
    return isinstance(value, list) and all(isinstance(v, kind) and not isinstance(v, bool) for v in value)


def rule_triggered(rule: AutoReplyRule, *, text: str, contact_is_new: bool, closed_period: str) -> bool:
    """Whether the trigger holds (conditions and cooldowns are the evaluator's)."""
    if rule.trigger == Trigger.FIRST_MESSAGE:
        return contact_is_new
    if rule.trigger == Trigger.OUTSIDE_HOURS:
        return bool(closed_period)
    return text_matches(rule.match_type, rule.pattern, text)


def conditions_hold(rule: AutoReplyRule, contact: Contact, contact_is_new: bool, chat: dict) -> bool:
    """The rule's conditions on this chat: `chat` is {"status", "labels": set of label ids}."""
    if rule.condition_contact_is_new is not None and rule.condition_contact_is_new != contact_is_new:
        return False
    if rule.condition_unassigned is not None and rule.condition_unassigned != (contact.assignee_id is None):
        return False
    if rule.condition_statuses and chat["status"] not in rule.condition_statuses:
        return False
    if rule.condition_label_ids and not chat["labels"] & set(rule.condition_label_ids):
        return False
    return True


def rules_test(*, text: str, contact_is_new: bool = False, session_id: str | None = None, contact_id: int | None = None,
               at=None) -> dict:
    """Which enabled rules this text would fire now, in order (no cooldowns): the first is the one
    that answers; `stop_here` ends the list. With a chat (`contact_id`), its status, labels and
    assignee meet the conditions and "new" means it has no messages yet; without one, conditions
    on a chat are not checked."""
    at = at or timezone.now()
    period = hours_service.closed_period(hours_service.hours_get(), at)
    contact = chat = None
    if contact_id is not None:
        contact = Contact.objects.filter(pk=contact_id).first()
        if contact is None:
            raise NotFound(ChatErrorCode.CONTACT_NOT_FOUND, _("No such contact."))
        contact_is_new = not Message.objects.filter(contact=contact).exists()
        chat = {"status": contact.status, "labels": set(contact.labels.values_list("pk", flat=True))}
    fired = []
    for rule in AutoReplyRule.objects.filter(enabled=True):
        if session_id and rule.session_ids and session_id not in rule.session_ids:
            continue
        try:
            if not rule_triggered(rule, text=text, contact_is_new=contact_is_new, closed_period=period):
                continue
        except MatchTimeout:
            continue
        if contact is not None and not conditions_hold(rule, contact, contact_is_new, chat):
            continue
        fired.append(rule)
        if rule.stop_here:
            break
    return {"open_now": not period, "closed_period": period, "rules": fired}
