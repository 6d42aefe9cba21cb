"""The Standard Webhooks signature of a bridge event, checked on the raw bytes."""

from __future__ import annotations

import logging

from django.conf import settings
from standardwebhooks.webhooks import Webhook

from blazz.core.errors import error_body
from webhooks.errors import WebhookErrorCode as Code

logger = logging.getLogger(__name__)

_verifier: Webhook | None = None


def _webhook() -> Webhook:
    global _verifier
    if _verifier is None:
        _verifier = Webhook(settings.BRIDGE_WEBHOOK_SECRET)
    return _verifier


def verify(body: bytes, headers: dict[str, str]) -> tuple[int, dict] | None:
    """None when the signature holds; else the 401 to answer (wrong, missing, or a timestamp
    outside 5 minutes). `headers`: names in lower case."""
    try:
        _webhook().verify(body, headers, json_parse=False)
    except Exception as exc:  # any malformed header or body is a failed verification
        logger.warning("bridge webhook refused: %s", exc)
        return 401, error_body(Code.INVALID_SIGNATURE, "The webhook signature is missing or invalid.")
    return None
