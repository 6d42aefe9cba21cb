"""Celery tasks of the chats app: an interface, not logic. Each carries its workspace's schema
(tenant-schemas-celery, from the context it was sent in), re-reads its rows and calls a service.
Services queue them by name (chats/queue.py), so this module is imported by nothing of the app."""

import logging
import random
from datetime import timedelta

from django.conf import settings

from blazz.celery import app
from chats import services
from sessions_wa import bridge

logger = logging.getLogger(__name__)

BACKOFF_JITTER = (0.8, 1.2)
SEND_TIME_LIMIT_SECONDS = 120


def backoff_seconds(retries: int, cap: float = 60.0) -> float:
    """2, 4, 8 ... seconds up to `cap`, with jitter so a returning bridge is not hit all at once."""
    return min(2 ** (retries + 1), cap) * random.uniform(*BACKOFF_JITTER)


def message_send_window() -> timedelta:
    """The longest one message_send_task chain can live: every backoff at its largest jitter, every
    attempt (the first and each retry) running to the hard time limit, and the broker redelivering
    a task whose worker died (its visibility timeout). A pending message nothing has touched for
    longer has no chain left."""
    retries = settings.MESSAGE_SEND_MAX_RETRIES
    backoffs = sum(min(2 ** (n + 1), settings.MESSAGE_SEND_BACKOFF_CAP_SECONDS) * BACKOFF_JITTER[1]
                   for n in range(retries))
    redelivery = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    return timedelta(seconds=backoffs + (retries + 1) * SEND_TIME_LIMIT_SECONDS + redelivery)


@app.task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None,
          soft_time_limit=SEND_TIME_LIMIT_SECONDS - 30, time_limit=SEND_TIME_LIMIT_SECONDS)
def message_send_task(self, message_id: int):
    """Hand a pending message to the bridge; retry with backoff while the bridge is away; then
    mark it failed with the reason. Idempotent (see chats.services.delivery.message_deliver)."""
    outcome, reason = services.message_deliver(message_id=message_id)
    if outcome == services.DeliveryOutcome.RETRY:
        if self.request.retries >= settings.MESSAGE_SEND_MAX_RETRIES:
            services.message_mark_failed(
                message_id=message_id,
                reason=f"Gave up after {self.request.retries + 1} attempts: {reason}")
            return "failed"
        raise self.retry(countdown=backoff_seconds(self.request.retries, settings.MESSAGE_SEND_BACKOFF_CAP_SECONDS))
    return outcome


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
def messages_requeue_stuck_task(older_than_seconds: float | None = None):
    """Beat's sweep for pending messages whose send task was lost. By default it waits a send
    task's whole retry window since anything last touched the message."""
    window = message_send_window()
    older_than = max(window, timedelta(seconds=older_than_seconds)) if older_than_seconds else window
    return services.messages_requeue_stuck(older_than=older_than)


@app.task(acks_late=True)
def chats_wake_snoozed_task():
    """Beat: snoozed chats whose time has come are open again."""
    return services.chats_wake_snoozed()
