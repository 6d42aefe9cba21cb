"""Celery tasks of the chats app: an interface, not logic. Each carries its workspace's schema
(tenant-schemas-celery, from the context it was sent in), re-reads its rows and calls a service.
Services queue them by name (chats/queue.py), so this module is imported by nothing of the app."""

import logging
import random
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.utils.translation import gettext_noop
from django.conf import settings
from django.db import InterfaceError, OperationalError

from blazz.celery import app
from chats.language import said
from chats import services
from sessions_wa import bridge

logger = logging.getLogger(__name__)

BACKOFF_JITTER = (0.8, 1.2)
SEND_TIME_LIMIT_SECONDS = 120


def backoff_seconds(retries: int, cap: float = 60.0) -> float:
    """2, 4, 8 ... seconds up to `cap`, with jitter so a returning bridge is not hit all at once."""
    return min(2 ** (retries + 1), cap) * random.uniform(*BACKOFF_JITTER)


@app.task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None,
          soft_time_limit=SEND_TIME_LIMIT_SECONDS - 30, time_limit=SEND_TIME_LIMIT_SECONDS)
def message_send_task(self, message_id: int):
    """Hand a pending message to the bridge; retry with backoff while the bridge is away; then
    mark it failed with the reason. Idempotent (see chats.services.delivery.message_deliver).
    An error it cannot recover from (a bug, a row it cannot send) fails the message with the
    reason: never left `pending`. A database gone for a moment, or the soft time limit, is retried
    (the bridge answers a repeated client_id with its first answer)."""
    try:
        outcome, reason = services.message_deliver(message_id=message_id)
    except (OperationalError, InterfaceError, SoftTimeLimitExceeded) as exc:
        outcome, reason = services.DeliveryOutcome.RETRY, f"{type(exc).__name__}: {exc}"
    except Exception as exc:
        logger.exception("message %s cannot be sent", message_id)
        services.message_mark_failed(message_id=message_id, reason=said(gettext_noop("Cannot be sent: %(reason)s"),
                                                                                   reason=unrecoverable_reason(exc)))
        return services.DeliveryOutcome.FAILED
    if outcome == services.DeliveryOutcome.RETRY:
        if self.request.retries >= settings.MESSAGE_SEND_MAX_RETRIES:
            services.message_mark_failed(
                message_id=message_id,
                reason=said(gettext_noop("Gave up after %(attempts)d attempts: %(reason)s"),
                            attempts=self.request.retries + 1, reason=reason))
            return "failed"
        countdown = backoff_seconds(self.request.retries, settings.MESSAGE_SEND_BACKOFF_CAP_SECONDS)
        services.message_send_retry_due(message_id=message_id, countdown=countdown)
        raise self.retry(countdown=countdown)
    return outcome


def unrecoverable_reason(exc: Exception) -> str:
    """What the agent reads of an error: a domain rule's own message, else the error's class."""
    from blazz.core.errors import DomainError

    return exc.message if isinstance(exc, DomainError) else f"internal error ({type(exc).__name__})"


@app.task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=6, soft_time_limit=120, time_limit=150)
def media_fetch_task(self, media_id: str):
    """Fetch an inbound file from the bridge into our storage, with retries; then mark it failed."""
    try:
        services.media_fetch_from_bridge(media_id=media_id)
    except (bridge.BridgeUnavailable, bridge.BridgeError) as exc:
        if self.request.retries >= self.max_retries:
            services.media_mark_failed(media_id=media_id, reason=str(exc))
            return "failed"
        raise self.retry(countdown=backoff_seconds(self.request.retries))
    return "done"


@app.task(acks_late=True)
def messages_requeue_stuck_task():
    """Beat's sweep (every few seconds) for pending messages whose send task was not queued or was
    lost (chats.services.delivery.messages_requeue_stuck)."""
    return services.messages_requeue_stuck(attempt_time_limit=timedelta(seconds=SEND_TIME_LIMIT_SECONDS))


@app.task(acks_late=True)
def chats_wake_snoozed_task():
    """Beat: snoozed chats whose time has come are open again."""
    return services.chats_wake_snoozed()


@app.task(acks_late=True, soft_time_limit=300, time_limit=330)
def messages_retention_task():
    """Beat's retention prune for this task's workspace: nothing when its retention is off."""
    from django.db import connection

    from workspaces.selectors import workspace_retention_days

    days = workspace_retention_days(schema_name=connection.schema_name)
    if days is None:
        return None
    return services.messages_prune_old(older_than_days=days).as_dict()
