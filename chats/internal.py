"""/internal/media/<schema>/<id>/ on the public host: where the bridge fetches a file to send.
Only the bridge's token opens it."""

import hmac

from django.conf import settings
from django.views.decorators.http import require_GET
from django_tenants.utils import schema_context

from blazz.core.errors import DomainError, ErrorCode, error_response
from chats.media_files import media_file_response, media_or_404
from workspaces.models import PUBLIC_SCHEMA, Workspace


@require_GET
def internal_media(request, schema: str, media_id: str):
    supplied = request.headers.get("Authorization", "")
    expected = f"Bearer {settings.BRIDGE_TOKEN}"
    if not settings.BRIDGE_TOKEN or not hmac.compare_digest(supplied.encode(), expected.encode()):
        return error_response(ErrorCode.UNAUTHORIZED, "The bridge token is required.", 401)
    if schema == PUBLIC_SCHEMA or not Workspace.objects.filter(schema_name=schema).exists():
        return error_response(ErrorCode.NOT_FOUND, "No such media.", 404)
    with schema_context(schema):
        try:
            media = media_or_404(media_id)
        except DomainError as exc:
            return error_response(exc.code, exc.message, exc.status_code)
        response = media_file_response(media)
        response["Content-Type"] = media.mimetype  # the bridge needs the real type
        return response
