"""The event log's after-commit hook for webhooks: when a workspace logged events, each of its
enabled endpoints gets a pump task on the webhooks queue (webhooks/outbound/delivery.py).

Registered by webhooks.apps (blazz/core cannot import webhooks). Which endpoints a workspace has
is cached per process for a few seconds: most commits of most workspaces find none, and asking
PostgreSQL on every commit would cost a round trip each.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django_tenants.utils import schema_context

from blazz.celery import app
from webhooks.models import WebhookEndpoint

logger = logging.getLogger(__name__)

PUMP_TASK = "webhooks.tasks.webhook_endpoint_pump_task"
# A new or re-enabled endpoint starts receiving within this long in every process.
ENDPOINTS_CACHE_SECONDS = 2.0
_endpoints: dict[str, tuple[float, list[int]]] = {}


def _enabled_endpoints(schema: str) -> list[int]:
    cached = _endpoints.get(schema)
    now = time.monotonic()
    if cached is None or cached[0] < now:
        ids = list(WebhookEndpoint.objects.filter(enabled=True).values_list("id", flat=True))
        cached = _endpoints[schema] = (now + ENDPOINTS_CACHE_SECONDS, ids)
    return cached[1]


def forget(schema: str) -> None:
    _endpoints.pop(schema, None)


def pump_soon(endpoint_id: int, countdown: float = 0) -> None:
    """Queue a pump of one endpoint of the current schema."""
    app.send_task(PUMP_TASK, args=[endpoint_id], queue=settings.WEBHOOK_QUEUE, countdown=countdown or None)


# One pump queued per endpoint at a time, however many events commit meanwhile: a trigger queues
# one only if it sets this flag; the pump clears it *before* it reads the log, so an event that
# found the flag set committed before that read and is in it. The expiry only bounds a flag whose
# task was lost (the sweep covers that endpoint meanwhile).
PUMP_FLAG_SECONDS = 300
_redis = None


def _flags():
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
    return _redis


def pump_flag(schema: str, endpoint_id: int) -> str:
    return f"blazz:webhook-pump:{schema}:{int(endpoint_id)}"


def pump_once(schema: str, endpoint_id: int, countdown: float = 0) -> None:
    """Queue a pump unless one is queued already (the current schema is `schema`)."""
    if _flags().set(pump_flag(schema, endpoint_id), 1, nx=True, ex=PUMP_FLAG_SECONDS):
        pump_soon(endpoint_id, countdown)


def pump_starting(schema: str, endpoint_id: int) -> None:
    _flags().delete(pump_flag(schema, endpoint_id))


def on_logged(schema: str) -> None:
    cached = _endpoints.get(schema)
    if cached is not None and not cached[1] and cached[0] >= time.monotonic():
        return  # no endpoint, known without entering the schema
    try:
        with schema_context(schema):
            for endpoint_id in _enabled_endpoints(schema):
                pump_once(schema, endpoint_id)
    except Exception:
        logger.exception("could not queue webhook deliveries for %s", schema)
