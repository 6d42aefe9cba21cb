"""The WebSocket twin of WorkspaceMiddleware: host -> workspace, before auth."""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.conf import settings

from workspaces.models import Domain

# WebSocket close codes (4000-4999 are the application's).
CLOSE_UNKNOWN_HOST = 4404
CLOSE_FORBIDDEN = 4403
CLOSE_UNAUTHENTICATED = 4401


def hostname_from_scope(scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            return value.decode("latin-1").split(":")[0].lower()
    return ""


@database_sync_to_async
def _workspace_for_host(hostname: str):
    if not hostname or hostname in settings.PUBLIC_HOSTS:
        return None
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    return domain.tenant if domain else None


class TenantWebsocketMiddleware:
    """Puts the workspace named by the Host header in scope["tenant"]; refuses unknown hosts,
    public hosts and suspended workspaces before anything else runs."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)
        workspace = await _workspace_for_host(hostname_from_scope(scope))
        if workspace is None or workspace.is_suspended:
            code = CLOSE_UNKNOWN_HOST if workspace is None else CLOSE_FORBIDDEN
            await receive()  # the websocket.connect message
            # A close before the accept is an HTTP 403 to the client, which never sees the code:
            # accept, then close with it.
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": code})
            return None
        return await self.inner({**scope, "tenant": workspace}, receive, send)
