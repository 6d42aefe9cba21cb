"""POST /hooks/bridge/ as a plain ASGI app, in front of Django's ASGI handler.

Every bridge event is one request, and under daphne Django's handler cost more than applying the
event: a new thread per request (asgiref's ThreadSensitiveContext), the request object and ten
middlewares, none of which a signed machine-to-machine call uses. Here the signature is checked on
the event loop (a refused call never leaves it), and the event is applied by `receive.receive` in a
pooled thread with its own database connection, lent by the pool and given back after.
Same answers as the Django view (views.py: the test client and WSGI): one error shape, 401
for a bad signature, 405 for another method, 413 past DATA_UPLOAD_MAX_MEMORY_SIZE.
"""

from __future__ import annotations

import asyncio
import json
import logging

from django.conf import settings
from django.db import close_old_connections, connection
from django.http.request import split_domain_port

from blazz.core.errors import ErrorCode, error_body
from webhooks.inbound import receive as inbound
from webhooks.inbound.verify import verify

logger = logging.getLogger(__name__)

PATH = "/hooks/bridge/"


def handles(scope) -> bool:
    """The bridge's route on a public host (a workspace host 404s it in Django, as before)."""
    if scope["path"] != PATH:
        return False
    for name, value in scope["headers"]:
        if name == b"host":
            domain, _port = split_domain_port(value.decode("latin-1"))
            return domain in settings.PUBLIC_HOSTS
    return False


def _apply_in_thread(body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    close_old_connections()  # what Django's request_started does: a dead connection is replaced
    try:
        connection.set_schema_to_public()  # this thread's connection may hold a schema from its last event
        return inbound.receive(body, headers)
    except Exception:
        logger.exception("bridge webhook %s failed", headers.get("webhook-id"))
        return 500, error_body(ErrorCode.SERVER_ERROR, "The event could not be applied; deliver it again.")
    finally:
        close_old_connections()  # request_finished: the connection goes back to the pool


async def _apply(body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    # The loop's thread pool, as sync_to_async(thread_sensitive=False) would use, without its
    # per-call context machinery: nothing here reads the request's context variables, and
    # Django's connections are per thread (each pool thread has its own).
    return await asyncio.get_running_loop().run_in_executor(None, _apply_in_thread, body, headers)


async def _read_body(receive, limit: int) -> bytes | None:
    """The whole body, or None once it passes `limit` bytes."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionError("client gone")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _answer(send, status: int, content: dict, extra_headers=()) -> None:
    body = json.dumps(content).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *extra_headers]})
    await send({"type": "http.response.body", "body": body})


async def bridge_webhook_app(scope, receive, send) -> None:
    if scope["method"] != "POST":
        return await _answer(send, 405, error_body(ErrorCode.METHOD_NOT_ALLOWED, "Use POST."), [(b"allow", b"POST")])
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        body = await _read_body(receive, limit)
    except ConnectionError:
        return
    if body is None:
        return await _answer(send, 413, error_body(ErrorCode.PAYLOAD_TOO_LARGE, f"The body is over {limit} bytes."))
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
    refused = verify(body, headers)
    status, content = refused or await _apply(body, headers)
    await _answer(send, status, content)
