"""Auto-replies, evaluated by a worker after an inbound message is stored and published (never in
the receive path): the guards, then each enabled rule in order: trigger, conditions, cooldown,
actions. A rule that fails is logged on the rule; it never breaks the others or the inbound path."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max
from django.utils import timezone

from blazz.core.errors import DomainError
from chats.automation.models import AutoReplyRule, RuleFiring, Trigger
from chats.automation.services import governor, hours as hours_service
from chats.automation.services.config import is_stop_keyword
from chats.automation.services.matching import MatchTimeout
from chats.automation.services.optout import optout_set
from chats.automation.services.rules import conditions_hold, rule_triggered
from chats.automation.services.templates import template_get, template_send_request
from chats.models import Contact, Direction, Label, Message, MessageOrigin
from chats.services import SendRequest, message_send
from chats.services.team import chat_update
from chats.services.variables import Context, render

logger = logging.getLogger(__name__)

AUTOMATED_ORIGINS = (MessageOrigin.AUTO_REPLY, MessageOrigin.BROADCAST, MessageOrigin.SCHEDULE)
# Chats no automation answers: groups, broadcast lists, status updates, newsletters.
UNANSWERED_SUFFIXES = ("@g.us", "@broadcast", "@newsletter")


_rules_cache: dict[str, tuple[tuple, list[AutoReplyRule]]] = {}


def enabled_rules() -> list[AutoReplyRule]:
    """The workspace's enabled rules, kept per process while none changes: one small query (their
    count and latest change) instead of loading every rule for every message. Counters written
    with .update() (fired, errors) do not touch updated_at, so they do not reload the rules."""
    schema = connection.schema_name
    version = tuple(AutoReplyRule.objects.aggregate(n=Count("id"), at=Max("updated_at")).values())
    cached = _rules_cache.get(schema)
    if cached is None or cached[0] != version:
        cached = _rules_cache[schema] = (version, list(AutoReplyRule.objects.filter(enabled=True)))
    return cached[1]


def answerable(message: Message) -> bool:
    """The guards that always hold: only a customer's own message in a one-to-one chat."""
    if message.direction != Direction.IN or message.origin != MessageOrigin.CUSTOMER or message.revoked:
        return False
    wa_id = message.contact.wa_id
    return not (wa_id.endswith(UNANSWERED_SUFFIXES) or wa_id.startswith("status@"))


def automated_in_last_hour(contact_id: int) -> int:
    since = timezone.now() - timedelta(hours=1)
    return Message.objects.filter(contact_id=contact_id, direction=Direction.OUT, origin__in=AUTOMATED_ORIGINS,
                                  created_at__gte=since).count()


def autoreply_evaluate(*, message_id: int, status: str = "") -> list[int]:
    """Run the rules for one inbound message; returns the ids of the rules that fired. `status`:
    the chat's status when the message came (a customer's message reopens a resolved or snoozed
    chat before the rules run; the conditions mean the status it met). Safe to run twice: a rule
    fires at most once per message (RuleFiring is unique) and its reply's client_id is derived
    from both, so a repeat sends nothing new."""
    message = Message.objects.select_related("contact").filter(pk=message_id).first()
    if message is None or not answerable(message):
        return []
    contact = message.contact
    if is_stop_keyword(message.body):
        optout_set(contact=contact, opted_out=True, reason=f"wrote {message.body.strip()[:50]!r}")
    rules = [r for r in enabled_rules() if not r.session_ids or message.session_id in r.session_ids]
    if not rules:
        return []
    text = message.body or message.caption or ""
    contact_is_new = not Message.objects.filter(contact=contact, pk__lt=message.pk).exists()
    period = hours_service.closed_period(hours_service.hours_get(), message.created_at)
    chat = {"status": status or contact.status, "labels": set(contact.labels.values_list("pk", flat=True))}
    fired = []
    for rule in rules:
        try:
            if not rule_triggered(rule, text=text, contact_is_new=contact_is_new, closed_period=period):
                continue
        except MatchTimeout as exc:
            _log_error(rule, str(exc))
            continue
        if not conditions_hold(rule, contact, contact_is_new, chat) or _cooling_down(rule, contact, period):
            continue
        if rule.reply_template_id or rule.reply_text:
            if automated_in_last_hour(contact.pk) >= settings.AUTOMATION_MAX_PER_CONTACT_PER_HOUR:
                logger.info("auto-reply %s skipped for contact %s: hourly cap", rule.pk, contact.pk)
                break
        try:
            if _fire(rule, message, contact, period):
                fired.append(rule.pk)
        except DomainError as exc:
            _log_error(rule, exc.message)
            continue
        except Exception as exc:  # a rule's failure stays on the rule
            logger.exception("auto-reply rule %s failed", rule.pk)
            _log_error(rule, f"{type(exc).__name__}: {exc}")
            continue
        if rule.stop_here:
            break
    return fired


def _cooling_down(rule: AutoReplyRule, contact: Contact, period: str) -> bool:
    firings = RuleFiring.objects.filter(rule=rule, contact=contact)
    if rule.trigger == Trigger.OUTSIDE_HOURS:
        return firings.filter(period=period).exists()
    if not rule.cooldown_seconds:
        return False
    return firings.filter(fired_at__gte=timezone.now() - timedelta(seconds=rule.cooldown_seconds)).exists()


def _fire(rule: AutoReplyRule, message: Message, contact: Contact, period: str) -> bool:
    """The rule's actions and its firing record, in one transaction: a failed reply leaves no
    firing behind (the cooldown does not start) and is raised to be logged on the rule."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                RuleFiring.objects.create(rule=rule, contact=contact, message=message,
                                          period=period if rule.trigger == Trigger.OUTSIDE_HOURS else "")
        except IntegrityError:
            return False  # fired for this message already (a repeated task)
        if rule.reply_template_id or rule.reply_text:
            message_send(contact=contact, client_id=f"auto-{rule.pk}-{message.pk}",
                         request=_reply(rule, contact, message), origin=MessageOrigin.AUTO_REPLY,
                         pace=governor.pacer(horizon_seconds=settings.AUTOMATION_MAX_SLOT_WAIT_SECONDS))
        _team_actions(rule, contact)
        AutoReplyRule.objects.filter(pk=rule.pk).update(fired_count=F("fired_count") + 1,
                                                       last_fired_at=timezone.now())
    return True


def _team_actions(rule: AutoReplyRule, contact: Contact) -> None:
    """Assign, add labels, set the status: the team inbox's own change (its system lines and
    events), by Blazz. A label deleted since the rule was saved is left out."""
    changes = {}
    if rule.assign_to_id:
        changes["assignee_id"] = rule.assign_to_id
    if rule.set_status:
        changes["status"] = rule.set_status
    if rule.add_label_ids:
        current = set(contact.labels.values_list("pk", flat=True))
        wanted = current | set(Label.objects.filter(pk__in=rule.add_label_ids).values_list("pk", flat=True))
        if wanted != current:
            changes["label_ids"] = sorted(wanted)
    if changes:
        chat_update(contact=contact, by=None, **changes)


def _reply(rule: AutoReplyRule, contact: Contact, message: Message) -> SendRequest:
    workspace = getattr(connection, "tenant", None)
    session_id = message.session_id
    if rule.reply_template_id:
        return template_send_request(template_get(rule.reply_template_id), contact=contact, workspace=workspace,
                                     session_id=session_id)
    return SendRequest(type="text", body=render(rule.reply_text, Context(contact=contact, workspace=workspace)),
                       session_id=session_id)


def _log_error(rule: AutoReplyRule, reason: str) -> None:
    AutoReplyRule.objects.filter(pk=rule.pk).update(last_error=reason[:500], last_error_at=timezone.now(),
                                                   error_count=F("error_count") + 1)
