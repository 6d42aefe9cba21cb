"""`X-Request-Id` on every answer of Django (the client's own when it sent a sane one, else a new
one), and on every log line written while the request runs (`%(request_id)s`; "-" outside one).
A CRM quotes it when it reports a problem; the logs find that request's lines.

The bridge webhook's ASGI fast path (webhooks/inbound/asgi.py) answers without Django: its
answers carry the event's `webhook-id` instead, which is what identifies them."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

HEADER = "X-Request-Id"
# What we echo back: a client's id goes into our logs and headers, so only plain tokens.
_SANE = re.compile(r"[A-Za-z0-9._:@-]{1,128}")
_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def current() -> str:
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        request_id = given if _SANE.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = _current.get()
        return True
