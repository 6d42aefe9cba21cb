"""POST /hooks/bridge/ on the public host: the bridge's signed events."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from standardwebhooks.webhooks import Webhook

from blazz.errors import DomainError, error_response
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


@csrf_exempt
@require_POST
def bridge_webhook(request):
    """Verify the Standard Webhooks signature on the raw bytes (wrong, missing, or a timestamp
    outside 5 minutes: 401, nothing stored), then apply the event in its workspace's schema. The
    2xx goes back after the commit; a replay answers 200 with `duplicate: true`."""
    body = request.body
    try:
        _webhook().verify(body, dict(request.headers), json_parse=False)
    except Exception as exc:  # any malformed header or body is a failed verification
        logger.warning("bridge webhook refused: %s", exc)
        return error_response(Code.INVALID_SIGNATURE, "The webhook signature is missing or invalid.", 401)
    try:
        payload = json_loads(body)
    except ValueError as exc:  # not JSON, NaN/Infinity, or nested past what we parse
        return error_response(Code.INVALID_PAYLOAD, f"The body is not acceptable JSON: {exc}", 400)
    try:
        applied = services.webhook_apply(webhook_id=request.headers.get("webhook-id"), payload=payload)
    except DomainError as exc:
        logger.warning("bridge webhook %s not applied: %s", request.headers.get("webhook-id"), exc.message)
        return error_response(exc.code, exc.message, exc.status_code, exc.fields)
    return JsonResponse({"ok": True, "duplicate": not applied})
