"""Delivering the event log to webhook endpoints: Standard Webhooks signatures, one HTTP client
per process (connections reused), per-endpoint seq order, retries on Svix's schedule, disabling.

One endpoint is pumped by one task at a time (its row is locked, SKIP LOCKED): it sends the
logged events after `delivered_seq` that the endpoint wants, in order; a failure stops the pump
and schedules the next attempt of that same event (`next_attempt_at`), so a later event never
overtakes it. The HTTP calls happen inside that row's transaction: a worker killed mid-way rolls
back, and the event goes again (receivers dedupe by `webhook-id`, the event's id).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
import json
import random
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from blazz.core import eventlog, metrics
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.outbound.endpoints import ALL_EVENTS, TEST_EVENT, endpoint_disable
from webhooks.outbound.urls_guard import UrlNotAllowed, resolve_allowed

RESPONSE_EXCERPT_BYTES = 1024
# Attempts kept per delivery (the first ones and the last ones matter; a 3-day retry has 8).
MAX_ATTEMPTS_KEPT = 20
PAGE = 100
USER_AGENT = "Blazz-Webhooks/1"
# endpoint_pump's answer when another pump holds the endpoint.
BUSY = -1.0

_client: httpx.Client | None = None


def _http() -> httpx.Client:
    global _client
    if _client is None:
        _client = httpx.Client(timeout=settings.WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False,
                               limits=httpx.Limits(max_keepalive_connections=50, keepalive_expiry=60))
    return _client


def signature(endpoint: WebhookEndpoint, msg_id: str, at: datetime, body: str) -> str:
    """`v1,<sig>` with the current secret, and with the previous one during a rotation's 24 h."""
    signatures = [Webhook(endpoint.secret).sign(msg_id, at, body)]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > timezone.now():
        signatures.append(Webhook(endpoint.previous_secret).sign(msg_id, at, body))
    return " ".join(signatures)


def send(endpoint: WebhookEndpoint, envelope: dict) -> dict:
    """POST one envelope, signed; returns the attempt's record (never raises for the receiver's
    faults). The URL is checked again and the connection goes to the address checked."""
    body = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)
    at = timezone.now()
    attempt = {"at": at.isoformat(), "status_code": None, "latency_ms": None, "error": "", "response": ""}
    try:
        address = resolve_allowed(endpoint.url)
    except UrlNotAllowed as error:
        attempt["error"] = f"url_not_allowed: {error}"
        metrics.crm_webhook_deliveries.labels("refused").inc()
        return attempt
    parts = urlsplit(endpoint.url)
    host = f"[{address}]" if ":" in address else address
    pinned = urlunsplit((parts.scheme, f"{host}:{parts.port}" if parts.port else host, parts.path or "/",
                         parts.query, ""))
    headers = {**endpoint.headers, "content-type": "application/json", "user-agent": USER_AGENT,
               "host": parts.netloc.rsplit("@", 1)[-1], "webhook-id": envelope["id"],
               "webhook-timestamp": str(int(at.timestamp())),
               "webhook-signature": signature(endpoint, envelope["id"], at, body)}
    started = time.monotonic()
    try:
        response = _http().post(pinned, content=body.encode(), headers=headers,
                                extensions={"sni_hostname": parts.hostname} if parts.scheme == "https" else {})
        attempt["status_code"] = response.status_code
        attempt["response"] = response.content[:RESPONSE_EXCERPT_BYTES].decode("utf-8", "replace")
    except httpx.HTTPError as error:
        attempt["error"] = f"{type(error).__name__}: {error}"[:300] or type(error).__name__
    attempt["latency_ms"] = round((time.monotonic() - started) * 1000, 1)
    metrics.crm_webhook_deliveries.labels("succeeded" if succeeded(attempt) else
                                          "gone" if attempt["status_code"] == 410 else "failed").inc()
    return attempt


def succeeded(attempt: dict) -> bool:
    return attempt["status_code"] is not None and 200 <= attempt["status_code"] < 300


def _record(endpoint: WebhookEndpoint, logged: eventlog.LoggedEvent | None, envelope: dict, attempt: dict,
            *, final_failure: bool = False) -> WebhookDelivery:
    delivery, _created = WebhookDelivery.objects.get_or_create(
        endpoint=endpoint, event_id=envelope["id"],
        defaults={"seq": envelope["seq"], "type": envelope["type"]})
    delivery.attempts = (delivery.attempts + [attempt])[-MAX_ATTEMPTS_KEPT:]
    if succeeded(attempt):
        delivery.status = WebhookDelivery.Status.SUCCEEDED
    elif final_failure:
        delivery.status = WebhookDelivery.Status.FAILED
    delivery.save(update_fields=["attempts", "status", "updated_at"])
    return delivery


def _wants(endpoint: WebhookEndpoint) -> list[str] | None:
    return None if ALL_EVENTS in endpoint.events else list(endpoint.events)


def retry_delay(attempt_number: int) -> float | None:
    """Seconds before retry number `attempt_number` (1-based), with +-20% jitter; None: no more."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    if attempt_number > len(schedule):
        return None
    return schedule[attempt_number - 1] * random.uniform(0.8, 1.2)


def endpoint_pump(*, endpoint_id: int) -> float | None:
    """Deliver what the endpoint has not had, in seq order, until it fails or is up to date.
    Returns the seconds until it should be pumped again (a retry), 0 for "more right away", or
    None when it is done, BUSY while another pump holds the endpoint. Does nothing before its
    retry is due."""
    schema = connection.schema_name
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update(skip_locked=True).filter(pk=endpoint_id).first()
        if endpoint is None:
            return BUSY if WebhookEndpoint.objects.filter(pk=endpoint_id, enabled=True).exists() else None
        if not endpoint.enabled:
            return None
        now = timezone.now()
        if endpoint.next_attempt_at and endpoint.next_attempt_at > now:
            return None  # a retry is due later: queued then, or found by the sweep

        page = eventlog.after(schema, endpoint.delivered_seq, limit=PAGE, types=_wants(endpoint))
        for logged in page:
            envelope = logged.envelope(schema)
            attempt = send(endpoint, envelope)
            if succeeded(attempt):
                _record(endpoint, logged, envelope, attempt)
                endpoint.delivered_seq, endpoint.retry_attempt = logged.seq, 0
                endpoint.next_attempt_at = endpoint.failing_since = None
                continue
            return _failed(endpoint, logged, envelope, attempt, now)
        endpoint.save()
        return 0 if len(page) == PAGE else None


def _failed(endpoint, logged, envelope, attempt, now) -> float | None:
    endpoint.failing_since = endpoint.failing_since or now
    if attempt["status_code"] == 410:
        _record(endpoint, logged, envelope, attempt, final_failure=True)
        endpoint.save()
        endpoint_disable(endpoint=endpoint, reason="The endpoint answered 410 Gone.")
        return None
    if (now - endpoint.failing_since).total_seconds() >= settings.WEBHOOK_DISABLE_AFTER_SECONDS:
        _record(endpoint, logged, envelope, attempt, final_failure=True)
        endpoint.save()
        endpoint_disable(endpoint=endpoint, reason=f"Failing since {endpoint.failing_since.isoformat()}: "
                                                   f"{attempt['error'] or attempt['status_code']}")
        return None
    endpoint.retry_attempt += 1
    delay = retry_delay(endpoint.retry_attempt)
    if delay is None:  # this event's retries are used up: it is failed, the next one goes
        _record(endpoint, logged, envelope, attempt, final_failure=True)
        endpoint.delivered_seq, endpoint.retry_attempt, endpoint.next_attempt_at = logged.seq, 0, None
        endpoint.save()
        return 0
    _record(endpoint, logged, envelope, attempt)
    endpoint.next_attempt_at = now + timedelta(seconds=delay)
    endpoint.save()
    return delay


def delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send one delivery's event again now (out of order: a replay is the CRM's own ask)."""
    endpoint = delivery.endpoint
    if delivery.type == TEST_EVENT:
        return endpoint_send_test(endpoint=endpoint)
    found = eventlog.after(connection.schema_name, delivery.seq - 1, limit=1)
    if not found or found[0].event_id != delivery.event_id:
        from blazz.core.errors import DomainError

        raise DomainError("event_gone", _("The event is older than the event log keeps."), status=410)
    envelope = found[0].envelope(connection.schema_name)
    attempt = send(endpoint, envelope)
    return _record(endpoint, found[0], envelope, attempt, final_failure=not succeeded(attempt))


def endpoint_send_test(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A `webhook.test` event, sent now (not logged; its delivery is kept with seq 0)."""
    envelope = {"id": eventlog.new_event_id(), "type": TEST_EVENT, "workspace": connection.schema_name, "seq": 0,
                "occurred_at": timezone.now().isoformat().replace("+00:00", "Z"), "data": {"endpoint_id": endpoint.pk}}
    attempt = send(endpoint, envelope)
    return _record(endpoint, None, envelope, attempt, final_failure=not succeeded(attempt))
