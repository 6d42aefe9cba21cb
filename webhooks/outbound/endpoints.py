"""Webhook endpoints: the services that write them (create, update, rotate the secret, delete)
and the selectors that read them."""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

from django.utils.translation import gettext as _
from django.db import connection, transaction
from django.utils import timezone

from blazz.core import eventlog
from blazz.core.errors import DomainError, NotFound
from blazz.core.events import ADVANCING
from webhooks.errors import WebhookErrorCode as Code
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.outbound.urls_guard import UrlNotAllowed, resolve_allowed

ALL_EVENTS = "*"
# The test event: sent by POST /webhooks/{id}/test/, never logged.
TEST_EVENT = "webhook.test"
# Old and new secrets both sign for this long after a rotation, so receivers can switch over.
ROTATION_OVERLAP = timedelta(hours=24)
# Headers the signature and the transport own: a CRM's extra headers cannot replace them.
RESERVED_HEADERS = frozenset({"webhook-id", "webhook-timestamp", "webhook-signature", "content-type",
                              "content-length", "host", "user-agent", "connection", "transfer-encoding"})


def new_secret() -> str:
    """Standard Webhooks' format: whsec_ + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def check_url(url: str) -> None:
    try:
        resolve_allowed(url)
    except UrlNotAllowed as error:
        raise DomainError(Code.URL_NOT_ALLOWED, str(error), fields={"url": [str(error)]}) from None


def check_events(events: list[str]) -> None:
    unknown = sorted(set(events) - set(ADVANCING) - {ALL_EVENTS})
    if unknown or not events:
        detail = (_("Unknown: %(names)s") % {"names": ", ".join(unknown)}) if unknown \
            else _("Name at least one event, or *.")
        raise DomainError(message=_("Unknown event types."), fields={"events": [detail]})


def check_headers(headers: dict) -> None:
    bad = sorted(name for name, value in headers.items()
                 if name.lower() in RESERVED_HEADERS or not isinstance(value, str) or "\n" in value or "\r" in value)
    if bad:
        raise DomainError(message=_("These headers cannot be set."), fields={"headers": bad})


@transaction.atomic
def endpoint_create(*, url: str, description: str = "", events: list[str], enabled: bool = True,
                    headers: dict | None = None) -> WebhookEndpoint:
    """A new endpoint starts at the log's end: it receives the events that happen from now on."""
    check_url(url)
    check_events(events)
    check_headers(headers or {})
    return WebhookEndpoint.objects.create(url=url, description=description, events=events, enabled=enabled,
                                          headers=headers or {}, secret=new_secret(),
                                          delivered_seq=eventlog.bounds(connection.schema_name)[1])


@transaction.atomic
def endpoint_update(*, endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    if "url" in changes:
        check_url(changes["url"])
    if "events" in changes:
        check_events(changes["events"])
    if "headers" in changes:
        check_headers(changes["headers"])
    if changes.get("enabled") and not endpoint.enabled:
        # Re-enabled: the failures that disabled it are forgotten; it goes on from where it stopped.
        changes.update(disabled_reason="", failing_since=None, retry_attempt=0, next_attempt_at=None)
    for name, value in changes.items():
        setattr(endpoint, name, value)
    # Only the fields changed: `delivered_seq` and the retry state belong to the pump, which may be
    # moving them meanwhile (it holds a lease, not this row's lock).
    endpoint.save(update_fields=[*changes, "updated_at"])
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + ROTATION_OVERLAP
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until", "updated_at"])
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> None:
    endpoint.enabled = False
    endpoint.disabled_reason = reason[:200]
    endpoint.next_attempt_at = None
    endpoint.save(update_fields=["enabled", "disabled_reason", "next_attempt_at", "updated_at"])


def endpoint_list():
    return WebhookEndpoint.objects.all()


def endpoint_get(endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound(Code.WEBHOOK_NOT_FOUND, _("No such webhook endpoint."))
    return endpoint


def delivery_list(*, endpoint: WebhookEndpoint, status: str | None = None):
    deliveries = endpoint.deliveries.all()
    return deliveries.filter(status=status) if status else deliveries


def delivery_get(delivery_id: int) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(Code.DELIVERY_NOT_FOUND, _("No such delivery."))
    return delivery
