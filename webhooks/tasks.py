from datetime import timedelta

from django.conf import settings
from django.db import connection

from blazz.celery import app
from webhooks.models import WebhookEndpoint
from webhooks.inbound.apply import applied_webhooks_prune
from webhooks.outbound import unordered
from webhooks.outbound.delivery import BUSY, delivery_attempt, endpoint_pump
from webhooks.outbound.log import event_log_prune
from webhooks.outbound.trigger import pump_once, pump_soon, pump_starting


@app.task
def applied_webhooks_prune_task(days: int = 7):
    return applied_webhooks_prune(older_than=timedelta(days=days))


@app.task
def event_log_prune_task():
    return event_log_prune()


@app.task(acks_late=True, reject_on_worker_lost=True)
def webhook_endpoint_pump_task(endpoint_id: int):
    """Deliver an endpoint's pending events in order; queue itself again for a retry or the next page."""
    schema = connection.schema_name
    pump_starting(schema, endpoint_id)
    again = endpoint_pump(endpoint_id=endpoint_id)
    if again == BUSY:  # another pump holds it: look again soon (what triggered us may be after its read)
        pump_once(schema, endpoint_id, countdown=0.2)
        return
    # A long wait is left to the sweep: a countdown longer than the broker's visibility timeout
    # would be redelivered meanwhile, and one in Redis is lost if Redis is.
    if again is not None and again <= settings.WEBHOOK_SWEEP_SECONDS:
        pump_soon(endpoint_id, countdown=again)


@app.task
def webhook_endpoints_sweep_task():
    """Every enabled endpoint of the workspace gets a pump: retries that are due, and events whose
    trigger was lost (a new endpoint not yet in a process's cache, a worker or Redis restart)."""
    for endpoint_id in WebhookEndpoint.objects.filter(enabled=True).values_list("id", flat=True):
        pump_soon(endpoint_id)
    for delivery_id in unordered.due_deliveries():  # unordered endpoints' retries that are due
        unordered.queue_attempt(delivery_id)


@app.task(acks_late=True, reject_on_worker_lost=True)
def webhook_delivery_attempt_task(delivery_id: int):
    """One attempt of one event for an endpoint that does not keep seq order; its retry queued
    again when it is due within the sweep's period (later: the sweep finds it)."""
    again = delivery_attempt(delivery_id=delivery_id)
    if again is not None and again <= settings.WEBHOOK_SWEEP_SECONDS:
        unordered.queue_attempt(delivery_id, countdown=again)
