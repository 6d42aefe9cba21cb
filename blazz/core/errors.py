"""The one error shape: `{"error": {"code": "...", "message": "...", "fields": {...}}}` with a 4xx.

Services raise `DomainError` subclasses (or `DomainError(code, message)`); the DRF exception handler
below and `error_response()` for plain Django views turn them into that shape. Tests assert codes,
never prose.
"""

from __future__ import annotations

import enum
import logging

from django.core.exceptions import PermissionDenied, ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions as drf_exceptions, status as http
from rest_framework.response import Response

logger = logging.getLogger(__name__)


class ErrorCode(str, enum.Enum):
    """Codes shared by every app. Each app keeps its own enum for the codes only it raises."""

    INVALID_REQUEST = "invalid_request"
    NOT_FOUND = "not_found"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    THROTTLED = "throttled"
    CONFLICT = "conflict"
    WORKSPACE_SUSPENDED = "workspace_suspended"
    SERVER_ERROR = "server_error"


class DomainError(Exception):
    """A rule of the domain said no. Carries the code, a human message, and the HTTP status."""

    status_code = http.HTTP_400_BAD_REQUEST
    code: str = ErrorCode.INVALID_REQUEST.value

    def __init__(self, code=None, message: str = "", *, fields: dict | None = None, status: int | None = None):
        if code is not None:
            self.code = code.value if isinstance(code, enum.Enum) else str(code)
        if status is not None:
            self.status_code = status
        self.message = message or self.code.replace("_", " ")
        self.fields = fields or {}
        super().__init__(self.message)


class NotFound(DomainError):
    status_code = http.HTTP_404_NOT_FOUND
    code = ErrorCode.NOT_FOUND.value


class Conflict(DomainError):
    status_code = http.HTTP_409_CONFLICT
    code = ErrorCode.CONFLICT.value


class Forbidden(DomainError):
    status_code = http.HTTP_403_FORBIDDEN
    code = ErrorCode.FORBIDDEN.value


def error_body(code, message: str, fields: dict | None = None) -> dict:
    code = code.value if isinstance(code, enum.Enum) else code
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def error_response(code, message: str, status: int, fields: dict | None = None) -> JsonResponse:
    """For plain Django views that answer JSON."""
    return JsonResponse(error_body(code, message, fields), status=status)


def flatten_errors(detail) -> dict:
    """DRF's nested validation details -> {field: [messages]} (nested keys joined with dots)."""
    out: dict = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, list) and value and all(isinstance(v, (dict, list)) for v in value):
            for index, item in enumerate(value):
                walk(f"{prefix}.{index}" if prefix else str(index), item)
        else:
            items = value if isinstance(value, list) else [value]
            out.setdefault(prefix or "non_field_errors", []).extend(str(v) for v in items)

    walk("", detail)
    return out


_DRF_CODES = {
    drf_exceptions.NotAuthenticated: ErrorCode.UNAUTHORIZED,
    drf_exceptions.AuthenticationFailed: ErrorCode.UNAUTHORIZED,
    drf_exceptions.PermissionDenied: ErrorCode.FORBIDDEN,
    drf_exceptions.NotFound: ErrorCode.NOT_FOUND,
    drf_exceptions.MethodNotAllowed: ErrorCode.METHOD_NOT_ALLOWED,
    drf_exceptions.UnsupportedMediaType: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    drf_exceptions.Throttled: ErrorCode.THROTTLED,
    drf_exceptions.ParseError: ErrorCode.INVALID_REQUEST,
    drf_exceptions.NotAcceptable: ErrorCode.INVALID_REQUEST,
}


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error leaves in the one shape."""
    # Imported here: rest_framework.views resolves DEFAULT_PERMISSION_CLASSES when imported, and
    # those (workspaces.permissions) import this module: a cycle at import time otherwise.
    from rest_framework.views import exception_handler as drf_default_handler

    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(error_body(ErrorCode.INVALID_REQUEST, _("Invalid input."), fields), status=400)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    response = drf_default_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django log it and answer 500
    if isinstance(exc, drf_exceptions.ValidationError):
        body = error_body(ErrorCode.INVALID_REQUEST, _("Invalid input."), flatten_errors(exc.detail))
    else:
        code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), None)
        if code is None:
            code = getattr(exc, "default_code", "error")
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        body = error_body(code, str(detail))
    response.data = body
    return response


# --- Django's error views (handler400/404/500 of the root URLconfs) ---------------------------------
# Errors raised outside DRF's views (no route matched, a body too big to read, a crash) would be
# Django's HTML pages; under /api/ they leave in the one shape too.


def _is_api(request) -> bool:
    return request.path.startswith(MACHINE_PATHS)


# Paths machines call: every error there leaves in the one JSON shape, whatever DEBUG says.
MACHINE_PATHS = ("/api/", "/hooks/")
_CODE_FOR_STATUS = {
    400: (ErrorCode.INVALID_REQUEST, "Bad request."),
    401: (ErrorCode.UNAUTHORIZED, "Authentication required."),
    403: (ErrorCode.FORBIDDEN, "Forbidden."),
    404: (ErrorCode.NOT_FOUND, "Not found."),
    405: (ErrorCode.METHOD_NOT_ALLOWED, "Method not allowed."),
    413: (ErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large."),
    415: (ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type."),
}


class MachineErrorShapeMiddleware:
    """The outermost middleware. On /api/ and /hooks/: a body declared larger than Django would read
    is a 413 before anything reads it; and any error response that is not JSON (Django's debug
    pages under DEBUG, the CSRF failure page, a 404 of no route, a crash) leaves in the one shape.
    Django has logged the exception already; nothing of it reaches the client."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _is_api(request):
            return self.get_response(request)
        if _declared_length(request) > _body_limit(request):  # (uploads: the upload view decides, with its message)
            return error_response(ErrorCode.PAYLOAD_TOO_LARGE, _("The request body is too large."), 413)
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            code, message = _CODE_FOR_STATUS.get(
                response.status_code,
                (ErrorCode.SERVER_ERROR, "Server error.") if response.status_code >= 500 else (ErrorCode.INVALID_REQUEST, "Bad request."))
            shaped = error_response(code, message, response.status_code)
            for header in ("Allow", "WWW-Authenticate", "Retry-After"):
                if header in response:
                    shaped[header] = response[header]
            return shaped
        return response


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _body_limit(request) -> int:
    """A body that is read whole into memory: Django's DATA_UPLOAD_MAX_MEMORY_SIZE. Uploads
    (multipart) are streamed; the upload view has their limit."""
    from django.conf import settings

    if request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
        return 2**63
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2**63


def bad_request_view(request, exception=None):
    if _is_api(request):
        return error_response(ErrorCode.INVALID_REQUEST, _("Bad request."), 400)
    return defaults.bad_request(request, exception)


def not_found_view(request, exception=None):
    if _is_api(request):
        return error_response(ErrorCode.NOT_FOUND, _("Not found."), 404)
    return defaults.page_not_found(request, exception)


def server_error_view(request):
    if _is_api(request):
        return error_response(ErrorCode.SERVER_ERROR, _("Server error."), 500)
    return defaults.server_error(request)
