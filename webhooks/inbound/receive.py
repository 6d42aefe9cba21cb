"""What POST /hooks/bridge/ does with a verified body (views.py and asgi.py both call `receive`):
one session event (apply.py), a batch of one session's events (batch.py), or a node's heartbeat."""

from __future__ import annotations

import logging

from blazz.core.errors import DomainError, error_body
from blazz.core.parsers import json_loads
from sessions_wa.contract import NodeMessageType
from webhooks.errors import WebhookErrorCode as Code
from webhooks.inbound import apply as single
from webhooks.inbound.batch import batch_apply

logger = logging.getLogger(__name__)


def receive(body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    """Apply a verified event (verify.py) in its workspace's schema: (status, JSON body). The 2xx
    goes back after the commit; a replay answers 200 with `duplicate: true`. `headers`: names in
    lower case."""
    try:
        payload = json_loads(body)
    except ValueError as exc:  # not JSON, NaN/Infinity, or nested past what we parse
        return 400, error_body(Code.INVALID_PAYLOAD, f"The body is not acceptable JSON: {exc}")
    webhook_id = headers.get("webhook-id")
    try:
        if isinstance(payload, dict) and payload.get("type") == NodeMessageType.NODE_HEARTBEAT:
            return 200, {"ok": True, "sessions": single.node_heartbeat_apply(payload)}
        if isinstance(payload, dict) and payload.get("type") == NodeMessageType.BATCH:
            return 200, {"ok": True, "results": batch_apply(payload)}
        applied = single.webhook_apply(webhook_id=webhook_id, payload=payload)
    except DomainError as exc:
        logger.warning("bridge webhook %s not applied: %s", webhook_id, exc.message)
        return exc.status_code, error_body(exc.code, exc.message, exc.fields)
    return 200, {"ok": True, "duplicate": not applied}
