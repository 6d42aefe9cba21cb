"""What POST /hooks/bridge/ does with a verified body (views.py and asgi.py both call `receive`):
one session event (apply.py), a batch of one session's events (batch.py), or a node's heartbeat."""

from __future__ import annotations

import logging
import time

from blazz.core import metrics
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
    lower case. Counted in blazz_bridge_webhook_apply_seconds and blazz_bridge_webhook_events."""
    started = time.monotonic()
    try:
        payload = json_loads(body)
    except ValueError as exc:  # not JSON, NaN/Infinity, or nested past what we parse
        return 400, error_body(Code.INVALID_PAYLOAD, f"The body is not acceptable JSON: {exc}")
    kind = {NodeMessageType.NODE_HEARTBEAT: "heartbeat", NodeMessageType.BATCH: "batch"}.get(
        payload.get("type") if isinstance(payload, dict) else None, "event")
    status, answer = _apply(kind, payload, headers.get("webhook-id"))
    metrics.observe_since(metrics.webhook_apply, started, kind=kind)
    if kind == "batch" and status == 200:
        for result in answer["results"]:
            metrics.webhook_events.labels(result["status"]).inc()
    elif kind == "event":
        metrics.webhook_events.labels("rejected" if status != 200 else
                                      "duplicate" if answer["duplicate"] else "applied").inc()
    return status, answer


def _apply(kind: str, payload, webhook_id: str | None) -> tuple[int, dict]:
    try:
        if kind == "heartbeat":
            return 200, {"ok": True, "sessions": single.node_heartbeat_apply(payload)}
        if kind == "batch":
            return 200, {"ok": True, "results": batch_apply(payload)}
        applied = single.webhook_apply(webhook_id=webhook_id, payload=payload)
    except DomainError as exc:
        logger.warning("bridge webhook %s not applied: %s", webhook_id, exc.message)
        return exc.status_code, error_body(exc.code, exc.message, exc.fields)
    return 200, {"ok": True, "duplicate": not applied}
