"""Endpoints that opted out of seq order (`ordered: false`): every event goes out at once, on its
own, in parallel with the others (as many as the webhooks worker runs at a time), each with its own
retries on the same schedule. A failing event holds back nothing.

The endpoint's pump only hands out work: it creates a pending delivery per event after
`delivered_seq` and moves `delivered_seq` past them, in one transaction; after the commit each
delivery gets a task (`webhook_delivery_attempt_task`). A retry due within the sweep's period is
queued with a countdown; a later one is found by the sweep (`next_attempt_at`), so no countdown
outlives the broker's visibility timeout and a Redis restart loses none. The attempt itself is
webhooks/outbound/delivery.py's `delivery_attempt`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from blazz.core import eventlog
from webhooks.models import WebhookDelivery, WebhookEndpoint

ATTEMPT_TASK = "webhooks.tasks.webhook_delivery_attempt_task"


def queue_attempt(delivery_id: int, countdown: float = 0) -> None:
    from django.conf import settings

    from blazz.celery import app

    app.send_task(ATTEMPT_TASK, args=[delivery_id], queue=settings.WEBHOOK_QUEUE, countdown=countdown or None)


def dispatch(endpoint: WebhookEndpoint, page: list[eventlog.LoggedEvent]) -> int:
    """Caller holds the endpoint's row lock, in a transaction: a pending delivery per event of
    `page`, the cursor past them, and an attempt of each queued after the commit."""
    now = timezone.now()
    created = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint=endpoint, event_id=e.event_id, seq=e.seq, type=e.type, next_attempt_at=now)
         for e in page], ignore_conflicts=True)
    ids = list(WebhookDelivery.objects.filter(endpoint=endpoint, event_id__in=[e.event_id for e in page],
                                              status=WebhookDelivery.Status.PENDING).order_by("seq").values_list("id", flat=True))
    if page:
        endpoint.delivered_seq = page[-1].seq
    endpoint.save()
    transaction.on_commit(lambda: [queue_attempt(delivery_id) for delivery_id in ids])
    return len(created)


def due_deliveries():
    """Pending deliveries of unordered endpoints whose attempt is due (the sweep queues them)."""
    return WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now(),
        endpoint__enabled=True, endpoint__ordered=False).values_list("id", flat=True)
