"""A batch of one session's bridge events (docs/bridge.md "Batched delivery"): one signed POST,
many events in order, applied in one transaction, each exactly once by its own `id`.

Each event runs in a savepoint: one the contract refuses (or a handler refuses: DomainError) is
rolled back alone and answered `rejected` with the usual error body, so the bridge dead-letters it
and the others stand. Any other failure rolls the whole batch back (a 500): the bridge sends it
again and the events already applied answer `duplicate`. The events go through the same handlers
as single ones (webhooks.inbound.apply.HANDLERS), so a batch changes, publishes and logs what the
same events one by one would; their publications go out after the one commit.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django_tenants.utils import schema_context

from blazz.core.errors import DomainError, NotFound
from sessions_wa import store as sessions_store
from sessions_wa.contract import NodeMessageType
from webhooks import store
from webhooks.errors import WebhookErrorCode as Code
from webhooks.inbound import apply as single
from webhooks.inbound.schemas import node_message_problems
from workspaces.models import PUBLIC_SCHEMA

logger = logging.getLogger(__name__)

APPLIED, DUPLICATE, REJECTED = "applied", "duplicate", "rejected"


def batch_apply(payload: dict) -> list[dict]:
    """[{id, status, error?}, ...] in the batch's order. A broken batch envelope, an unknown
    workspace or session: DomainError (the whole POST is refused; the bridge then sends singly)."""
    problems = node_message_problems(NodeMessageType.BATCH, payload)
    if problems:
        raise DomainError(Code.INVALID_PAYLOAD, f"batch breaks its contract: {', '.join(problems)}.",
                          fields=problems, status=422)
    schema, session_id, epoch = payload["workspace"], payload["session_id"], payload.get("epoch")
    if schema == PUBLIC_SCHEMA or not store.workspace_exists(schema):
        raise NotFound(Code.UNKNOWN_WORKSPACE, f"No workspace {schema!r}.")
    with schema_context(schema):
        session = sessions_store.session_by_id(session_id)
        if session is None:
            raise NotFound(Code.UNKNOWN_SESSION, f"No session {session_id!r} in this workspace.")
        with transaction.atomic():
            return [_one(session, schema, epoch, event) for event in payload["data"]["events"]]


def _one(session, schema: str, epoch, event: dict) -> dict:
    event_id = event["id"]
    try:
        event_type, _session_id, _schema, data = single.validate(event_id, {
            "type": event["type"], "session_id": session.pk, "workspace": schema, "data": event["data"]})
        with transaction.atomic():  # a savepoint: a refusal undoes this event only
            if not store.applied_webhook_record(webhook_id=event_id, event_type=event_type, session_id=session.pk):
                return {"id": event_id, "status": DUPLICATE}
            if not single.from_an_old_owner(event_type, session.pk, epoch, data):
                single.HANDLERS[event_type](session, data)
    except DomainError as exc:
        logger.warning("batched event %s rejected: %s", event_id, exc.message)
        return {"id": event_id, "status": REJECTED,
                "error": {"code": exc.code, "message": exc.message, "fields": exc.fields}}
    return {"id": event_id, "status": APPLIED}
