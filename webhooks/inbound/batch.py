"""A batch of one session's bridge events (docs/bridge.md "Batched delivery"): one signed POST,
many events in order, applied in one transaction, each exactly once by its own `id`.

Every event's envelope and `data` are checked against the contract first (no database): one that
breaks it is answered `rejected` with the usual error body (the bridge dead-letters it) and the
others go on. The rest are recorded as applied in one INSERT (those recorded already answer
`duplicate`) and applied in order through the single-event handlers (webhooks.inbound.apply.HANDLERS),
so a batch changes, publishes and logs what the same events one by one would; the publications go
out after the one commit. A run of plain customers' messages (no media, no quote) is applied in a
few statements for all of them (chats/services/inbound_bulk.py). Should a handler refuse an event (DomainError: rare, the contract was
checked), the transaction is undone and the batch applied again with a savepoint per event, so
that event alone is rejected. Any other failure rolls the whole batch back (a 500): the bridge
sends it again and nothing of it had been kept.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django_tenants.utils import schema_context

from blazz.core.errors import DomainError, NotFound
from chats import services as chats
from sessions_wa.contract import EventType, NodeMessageType
from webhooks import store
from webhooks.errors import WebhookErrorCode as Code
from webhooks.inbound import apply as single
from webhooks.inbound.schemas import node_message_problems

logger = logging.getLogger(__name__)

APPLIED, DUPLICATE, REJECTED = "applied", "duplicate", "rejected"


class _Refused(Exception):
    """A handler refused an event inside the fast path: apply the batch again, event by event."""


def batch_apply(payload: dict) -> list[dict]:
    """[{id, status, error?}, ...] in the batch's order. A broken batch envelope, an unknown
    workspace or session: DomainError (the whole POST is refused; the bridge then sends singly)."""
    problems = node_message_problems(NodeMessageType.BATCH, payload)
    if problems:
        raise DomainError(Code.INVALID_PAYLOAD, f"batch breaks its contract: {', '.join(problems)}.",
                          fields=problems, status=422)
    schema, session_id, epoch = payload["workspace"], payload["session_id"], payload.get("epoch")
    checked = [_check(event, session_id, schema) for event in payload["data"]["events"]]
    with schema_context(schema):  # entered first: the thread's connection usually has its search path
        workspace_known, session = store.event_session(schema, session_id)
        if not workspace_known:
            raise NotFound(Code.UNKNOWN_WORKSPACE, f"No workspace {schema!r}.")
        if session is None:
            raise NotFound(Code.UNKNOWN_SESSION, f"No session {session_id!r} in this workspace.")
        try:
            with transaction.atomic():
                return _apply_all(session, epoch, checked)
        except _Refused:
            with transaction.atomic():
                return [_apply_one(session, epoch, item) for item in checked]


def _check(event: dict, session_id: str, schema: str) -> dict:
    """The event ready to apply ({id, type, data}) or its `rejected` result ({id, status, error})."""
    try:
        event_type, _session, _schema, data = single.validate(event["id"], {
            "type": event["type"], "session_id": session_id, "workspace": schema, "data": event["data"]})
    except DomainError as exc:
        return _rejected(event["id"], exc)
    return {"id": event["id"], "type": event_type, "data": data}


def _rejected(event_id: str, exc: DomainError) -> dict:
    logger.warning("batched event %s rejected: %s", event_id, exc.message)
    return {"id": event_id, "status": REJECTED, "error": {"code": exc.code, "message": exc.message,
                                                           "fields": exc.fields}}


def _apply_all(session, epoch, checked: list[dict]) -> list[dict]:
    ready = [item for item in checked if "status" not in item]
    new = store.applied_webhooks_record_many([(item["id"], item["type"], session.pk) for item in ready])
    results, run = [], []  # run: consecutive plain messages (the customers' and the phone's), applied together
    try:
        for item in checked:
            if "status" in item:
                results.append(item)
                continue
            if item["id"] not in new:
                results.append({"id": item["id"], "status": DUPLICATE})
                continue
            new.discard(item["id"])  # the same id twice in one batch: the second is a duplicate
            results.append({"id": item["id"], "status": APPLIED})
            if chats.message_received_fits_bulk(item["type"], item["data"]):
                run.append(item)
                continue
            _flush(session, run)
            if not single.from_an_old_owner(item["type"], session.pk, epoch, item["data"]):
                single.HANDLERS[item["type"]](session, item["data"])
        _flush(session, run)
    except DomainError as exc:
        raise _Refused() from exc
    return results


def _flush(session, run: list[dict]) -> None:
    if run:
        chats.messages_apply_received(session=session, items=[item["data"] for item in run],
                                      created=[item["type"] == EventType.MESSAGE_CREATED for item in run])
        run.clear()


def _apply_one(session, epoch, item: dict) -> dict:
    if "status" in item:
        return item
    try:
        with transaction.atomic():  # a savepoint: a refusal undoes this event only
            if not store.applied_webhook_record(webhook_id=item["id"], event_type=item["type"], session_id=session.pk):
                return {"id": item["id"], "status": DUPLICATE}
            if not single.from_an_old_owner(item["type"], session.pk, epoch, item["data"]):
                single.HANDLERS[item["type"]](session, item["data"])
    except DomainError as exc:
        return _rejected(item["id"], exc)
    return {"id": item["id"], "status": APPLIED}
