"""Delivering the event log to webhook endpoints: Standard Webhooks signatures, one HTTP client
per process (connections reused), per-endpoint seq order, retries on Svix's schedule, disabling.

One endpoint is pumped by one task at a time: the pump holds a lease, a PostgreSQL advisory lock
on its own connection (`_lease`), and makes its HTTP calls outside any transaction. It sends the
logged events after `delivered_seq` that the endpoint wants, in order, and records what went out in
batches (`_record_succeeded`: a few queries per batch, not per delivery). A failure stops the pump
and schedules the next attempt of that same event (`next_attempt_at`), so a later event never
overtakes it. A worker killed mid-way loses its connection, so its lease: the events it sent but
had not recorded go again with the same `webhook-id` (at least once; receivers dedupe by it).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
import json
import random
import socket
import time
import zlib
from contextlib import contextmanager
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.db import IntegrityError, connection, transaction
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
# Sent deliveries are recorded (and `delivered_seq` moved) at least this often: what a killed
# worker sends twice is bounded by it.
RECORD_EVERY = 25
USER_AGENT = "Blazz-Webhooks/1"
# endpoint_pump's answer when another pump holds the endpoint.
BUSY = -1.0
# The advisory lock's first key: "blazz webhook pump" (the second is the endpoint, the schema's
# hash is folded into the first so two workspaces' endpoint 1 are two locks).
_LEASE_CLASS = 0x62776870

_client: httpx.Client | None = None


def _http() -> httpx.Client:
    global _client
    if _client is None:
        # TCP_NODELAY: a request goes out as headers then body; with Nagle the body waits for the
        # receiver's delayed ACK of the headers (40 ms on Linux) on every delivery.
        transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
                                        limits=httpx.Limits(max_keepalive_connections=50, keepalive_expiry=60))
        _client = httpx.Client(timeout=settings.WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False, transport=transport)
    return _client


class Target:
    """Where and how one endpoint's deliveries go, prepared once per pump: the URL checked (SSRF)
    and pinned to the address checked, the fixed headers, the signers (the current secret, and the
    previous one during a rotation's 24 h)."""

    def __init__(self, endpoint: WebhookEndpoint):
        self.error = ""
        try:
            address = resolve_allowed(endpoint.url)
        except UrlNotAllowed as error:
            self.error = f"url_not_allowed: {error}"
            return
        parts = urlsplit(endpoint.url)
        host = f"[{address}]" if ":" in address else address
        self.url = urlunsplit((parts.scheme, f"{host}:{parts.port}" if parts.port else host, parts.path or "/",
                               parts.query, ""))
        self.extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
        self.headers = {**endpoint.headers, "content-type": "application/json", "user-agent": USER_AGENT,
                        "host": parts.netloc.rsplit("@", 1)[-1]}
        self.signers = _signers(endpoint)

    def signature(self, msg_id: str, at: datetime, body: str) -> str:
        return " ".join(signer.sign(msg_id, at, body) for signer in self.signers)


def _signers(endpoint: WebhookEndpoint) -> list[Webhook]:
    """The current secret, and the previous one during a rotation's 24 h."""
    signers = [Webhook(endpoint.secret)]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > timezone.now():
        signers.append(Webhook(endpoint.previous_secret))
    return signers


def signature(endpoint: WebhookEndpoint, msg_id: str, at: datetime, body: str) -> str:
    """`v1,<sig>` with each of the endpoint's signing secrets."""
    return " ".join(signer.sign(msg_id, at, body) for signer in _signers(endpoint))


def send(endpoint: WebhookEndpoint, envelope: dict, *, target: Target | None = None) -> dict:
    """POST one envelope, signed; returns the attempt's record (never raises for the receiver's
    faults). The connection goes to the address `target` checked (a fresh check without one)."""
    target = target or Target(endpoint)
    body = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)
    at = timezone.now()
    attempt = {"at": at.isoformat(), "status_code": None, "latency_ms": None, "error": "", "response": ""}
    if target.error:
        attempt["error"] = target.error
        metrics.crm_webhook_deliveries.labels("refused").inc()
        return attempt
    headers = {**target.headers, "webhook-id": envelope["id"], "webhook-timestamp": str(int(at.timestamp())),
               "webhook-signature": target.signature(envelope["id"], at, body)}
    started = time.monotonic()
    try:
        response = _http().post(target.url, content=body.encode(), headers=headers, extensions=target.extensions)
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


def _record_succeeded(endpoint: WebhookEndpoint, sent: list[tuple[dict, dict]]) -> bool:
    """Record a batch of successful deliveries (envelope, attempt), in seq order, and move the
    endpoint past them: one transaction, a few queries. False when the endpoint was deleted meanwhile."""
    if not sent:
        return True
    succeeded_status = WebhookDelivery.Status.SUCCEEDED
    try:
        with transaction.atomic():
            earlier = {d.event_id: d for d in WebhookDelivery.objects.filter(
                endpoint_id=endpoint.pk, event_id__in=[envelope["id"] for envelope, _ in sent])}
            new = []
            for envelope, attempt in sent:
                delivery = earlier.get(envelope["id"])
                if delivery is None:
                    new.append(WebhookDelivery(endpoint_id=endpoint.pk, event_id=envelope["id"], seq=envelope["seq"],
                                               type=envelope["type"], status=succeeded_status, attempts=[attempt]))
                    continue
                delivery.attempts = (delivery.attempts + [attempt])[-MAX_ATTEMPTS_KEPT:]
                delivery.status = succeeded_status
                delivery.save(update_fields=["attempts", "status", "updated_at"])
            # ignore_conflicts: a replay of the same event may have recorded it a moment ago.
            WebhookDelivery.objects.bulk_create(new, ignore_conflicts=True)
            endpoint.delivered_seq, endpoint.retry_attempt = sent[-1][0]["seq"], 0
            endpoint.next_attempt_at = endpoint.failing_since = None
            endpoint.save(update_fields=["delivered_seq", "retry_attempt", "next_attempt_at", "failing_since",
                                         "updated_at"])
    except IntegrityError:
        if WebhookEndpoint.objects.filter(pk=endpoint.pk).exists():
            raise
        return False
    return True


def _wants(endpoint: WebhookEndpoint) -> list[str] | None:
    return None if ALL_EVENTS in endpoint.events else list(endpoint.events)


def retry_delay(attempt_number: int) -> float | None:
    """Seconds before retry number `attempt_number` (1-based), with +-20% jitter; None: no more."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    if attempt_number > len(schedule):
        return None
    return schedule[attempt_number - 1] * random.uniform(0.8, 1.2)


@contextmanager
def _lease(schema: str, endpoint_id: int):
    """Yields whether this process holds the endpoint's pump lease: a session-level advisory lock,
    released on the way out, or by PostgreSQL when the connection dies with its worker."""
    key = zlib.crc32(f"webhook-pump:{schema}".encode()) & 0x7FFFFFFF
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [key, endpoint_id])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [key, endpoint_id])


def endpoint_pump(*, endpoint_id: int) -> float | None:
    """Deliver what the endpoint has not had, in seq order, until it fails or is up to date.
    Returns the seconds until it should be pumped again (a retry), 0 for "more right away", or
    None when it is done, BUSY while another pump holds the endpoint. Does nothing before its
    retry is due. Call it outside a transaction: its HTTP calls must not hold one open."""
    with _lease(connection.schema_name, endpoint_id) as held:
        if not held:
            return BUSY if WebhookEndpoint.objects.filter(pk=endpoint_id, enabled=True).exists() else None
        return _pump(endpoint_id)


def _pump(endpoint_id: int) -> float | None:
    """endpoint_pump's body; the caller holds the lease."""
    schema = connection.schema_name
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, enabled=True).first()
    if endpoint is None or (endpoint.next_attempt_at and endpoint.next_attempt_at > timezone.now()):
        return None  # gone, disabled, or a retry is due later: queued then, or found by the sweep
    page = eventlog.after(schema, endpoint.delivered_seq, limit=PAGE, types=_wants(endpoint))
    target = Target(endpoint) if page else None
    sent: list[tuple[dict, dict]] = []
    for logged in page:
        envelope = logged.envelope(schema)
        attempt = send(endpoint, envelope, target=target)
        if not succeeded(attempt):
            if not _record_succeeded(endpoint, sent):
                return None
            return _failed(endpoint, logged, envelope, attempt, timezone.now())
        sent.append((envelope, attempt))
        if len(sent) >= RECORD_EVERY:
            if not _record_succeeded(endpoint, sent):
                return None
            sent = []
    if not _record_succeeded(endpoint, sent):
        return None
    return 0 if len(page) == PAGE else None


_PUMP_FIELDS = ["delivered_seq", "retry_attempt", "next_attempt_at", "failing_since", "updated_at"]


@transaction.atomic
def _failed(endpoint, logged, envelope, attempt, now) -> float | None:
    endpoint.failing_since = endpoint.failing_since or now
    if attempt["status_code"] == 410:
        _record(endpoint, logged, envelope, attempt, final_failure=True)
        endpoint.save(update_fields=_PUMP_FIELDS)
        endpoint_disable(endpoint=endpoint, reason="The endpoint answered 410 Gone.")
        return None
    if (now - endpoint.failing_since).total_seconds() >= settings.WEBHOOK_DISABLE_AFTER_SECONDS:
        _record(endpoint, logged, envelope, attempt, final_failure=True)
        endpoint.save(update_fields=_PUMP_FIELDS)
        endpoint_disable(endpoint=endpoint, reason=f"Failing since {endpoint.failing_since.isoformat()}: "
                                                   f"{attempt['error'] or attempt['status_code']}")
        return None
    endpoint.retry_attempt += 1
    delay = retry_delay(endpoint.retry_attempt)
    if delay is None:  # this event's retries are used up: it is failed, the next one goes
        _record(endpoint, logged, envelope, attempt, final_failure=True)
        endpoint.delivered_seq, endpoint.retry_attempt, endpoint.next_attempt_at = logged.seq, 0, None
        endpoint.save(update_fields=_PUMP_FIELDS)
        return 0
    _record(endpoint, logged, envelope, attempt)
    endpoint.next_attempt_at = now + timedelta(seconds=delay)
    endpoint.save(update_fields=_PUMP_FIELDS)
    return delay


def delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send one delivery's event again now (out of order: a replay is the CRM's own ask)."""
    endpoint = delivery.endpoint
    if delivery.type == TEST_EVENT:
        return endpoint_send_test(endpoint=endpoint)
    found = eventlog.after(connection.schema_name, delivery.seq - 1, limit=1)
    if not found or found[0].event_id != delivery.event_id:
        from blazz.core.errors import DomainError
        from webhooks.errors import WebhookErrorCode

        raise DomainError(WebhookErrorCode.EVENT_GONE, _("The event is older than the event log keeps."), status=410)
    envelope = found[0].envelope(connection.schema_name)
    attempt = send(endpoint, envelope)
    return _record(endpoint, found[0], envelope, attempt, final_failure=not succeeded(attempt))


def endpoint_send_test(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A `webhook.test` event, sent now (not logged; its delivery is kept with seq 0)."""
    envelope = {"id": eventlog.new_event_id(), "type": TEST_EVENT, "workspace": connection.schema_name, "seq": 0,
                "occurred_at": timezone.now().isoformat().replace("+00:00", "Z"), "data": {"endpoint_id": endpoint.pk}}
    attempt = send(endpoint, envelope)
    return _record(endpoint, None, envelope, attempt, final_failure=not succeeded(attempt))
