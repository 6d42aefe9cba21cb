"""/internal/bridge/auth/<session_id>/ on the public host: the bridge nodes' shared auth store
(BRIDGE_AUTH_STORE=remote, docs/bridge.md "Shared auth store"), so a session that moves to another
node keeps its login. GET the bytes (404 none), PUT them (replaces), DELETE. Only the bridge's token
opens it. The bytes are opaque to Django."""

import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from blazz.core.errors import ErrorCode, error_response
from nodes.models import SessionAuth
from workspaces.models import PUBLIC_SCHEMA, Workspace


def _authorised(request) -> bool:
    supplied = request.headers.get("Authorization", "")
    expected = f"Bearer {settings.BRIDGE_TOKEN}"
    return bool(settings.BRIDGE_TOKEN) and hmac.compare_digest(supplied.encode(), expected.encode())


@csrf_exempt
def bridge_auth(request, session_id: str):
    if not _authorised(request):
        return error_response(ErrorCode.UNAUTHORIZED, "The bridge token is required.", 401)
    if request.method == "GET":
        row = SessionAuth.objects.filter(pk=session_id).first()
        if row is None:
            return error_response(ErrorCode.NOT_FOUND, "No auth state stored for this session.", 404)
        return HttpResponse(bytes(row.data), content_type="application/octet-stream")
    if request.method == "DELETE":
        deleted, _ = SessionAuth.objects.filter(pk=session_id).delete()
        if not deleted:
            return error_response(ErrorCode.NOT_FOUND, "No auth state stored for this session.", 404)
        return JsonResponse({"deleted": True})
    if request.method != "PUT":
        response = error_response(ErrorCode.METHOD_NOT_ALLOWED, "Use GET, PUT or DELETE.", 405)
        response["Allow"] = "GET, PUT, DELETE"
        return response
    schema = session_id.split(".", 1)[0]  # session ids are `{schema}.{random}` (sessions_wa.services)
    if len(session_id) > 64 or schema == PUBLIC_SCHEMA or not Workspace.objects.filter(schema_name=schema).exists():
        return error_response(ErrorCode.NOT_FOUND, "No such session.", 404)
    limit = settings.BRIDGE_AUTH_MAX_BYTES
    data = request.read(limit + 1)  # not request.body: DATA_UPLOAD_MAX_MEMORY_SIZE is for forms
    if len(data) > limit:
        return error_response(ErrorCode.PAYLOAD_TOO_LARGE, f"The auth state is over {limit} bytes.", 413)
    SessionAuth.objects.update_or_create(session_id=session_id, defaults={"data": data})
    return JsonResponse({"stored": True, "bytes": len(data)})
