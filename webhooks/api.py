"""POST /hooks/bridge/ on the public host: the bridge's signed events.

`handle()` is the whole of it, on the raw body and headers. Under daphne, `webhooks.asgi` calls it
straight from the ASGI app (no Django request, middleware or per-request thread); the Django view
below calls it for everything else (the test client, a WSGI server).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from standardwebhooks.webhooks import Webhook

from blazz.errors import DomainError, error_body
from blazz.parsers import json_loads
from webhooks import services
from webhooks.errors import WebhookErrorCode as Code

logger = logging.getLogger(__name__)

_verifier: Webhook | None = None


def _webhook() -> Webhook:
    global _verifier
    if _verifier is None:
        _verifier = Webhook(settings.BRIDGE_WEBHOOK_SECRET)
    return _verifier


def verify(body: bytes, headers: dict[str, str]) -> tuple[int, dict] | None:
    """The Standard Webhooks signature on the raw bytes (wrong, missing, or a timestamp outside 5
    minutes: 401). None when it holds. `headers`: names in lower case."""
    try:
        _webhook().verify(body, headers, json_parse=False)
    except Exception as exc:  # any malformed header or body is a failed verification
        logger.warning("bridge webhook refused: %s", exc)
        return 401, error_body(Code.INVALID_SIGNATURE, "The webhook signature is missing or invalid.")
    return None


def apply(body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    """Apply a verified event in its workspace's schema: (status, JSON body). The 2xx goes back
    after the commit; a replay answers 200 with `duplicate: true`."""
    try:
        payload = json_loads(body)
    except ValueError as exc:  # not JSON, NaN/Infinity, or nested past what we parse
        return 400, error_body(Code.INVALID_PAYLOAD, f"The body is not acceptable JSON: {exc}")
    webhook_id = headers.get("webhook-id")
    try:
        applied = services.webhook_apply(webhook_id=webhook_id, payload=payload)
    except DomainError as exc:
        logger.warning("bridge webhook %s not applied: %s", webhook_id, exc.message)
        return exc.status_code, error_body(exc.code, exc.message, exc.fields)
    return 200, {"ok": True, "duplicate": not applied}


def handle(body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    return verify(body, headers) or apply(body, headers)


@csrf_exempt
@require_POST
def bridge_webhook(request):
    status, content = handle(request.body, {name.lower(): value for name, value in request.headers.items()})
    return JsonResponse(content, status=status)
