"""The WebSocket twin of WorkspaceMiddleware: host -> workspace, before auth."""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from workspaces.models import Domain

# WebSocket close codes (4000-4999 are the application's).
CLOSE_UNKNOWN_HOST = 4404
CLOSE_FORBIDDEN = 4403
CLOSE_UNAUTHENTICATED = 4401
# The principal's access changed (a member's role): reconnect, and be let in as what one is now.
CLOSE_RECONNECT = 4001


def hostname_from_scope(scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            return value.decode("latin-1").split(":")[0].lower()
    return ""


def origin_allowed(scope) -> bool:
    """False when the socket's Origin header names a host other than the one it connects to.

    A browser sends its page's cookies with any WebSocket it opens, whichever site the page is
    on, and tells the server that site in `Origin`. Every workspace shares BASE_DOMAIN, so a page
    on another workspace's host (or any other site) could open this host's socket with a
    member's cookie (cross-site WebSocket hijacking): a cookie socket is accepted only from a
    page of this very host. No Origin: not a browser (a CRM, a script), allowed; `null`
    (sandboxed iframes, file: pages) is refused. Ports are not compared: cookies are not
    per-port, and a dev proxy (vite) serves the page on another port than daphne's.
    """
    origins = [value for name, value in scope.get("headers", []) if name == b"origin"]
    if not origins:
        return True
    try:
        origin_host = urlsplit(origins[0].decode("latin-1").strip()).hostname
    except ValueError:
        return False
    return bool(origin_host) and origin_host == hostname_from_scope(scope)


def keep_socket_thread_connection() -> None:
    """Let the WebSocket path keep its database connection between calls.

    Every socket's database work (this middleware, channels' session auth, the consumer) runs in
    one thread: asgiref's thread-sensitive executor, outside any HTTP request context. With
    CONN_MAX_AGE = 0 (right for HTTP under ASGI, where each request runs in a thread of its own)
    channels' database_sync_to_async closes the connection after every call, so each socket
    connect opened two or three PostgreSQL connections one after another in that one thread
    (20-100 ms each on a busy host): a burst of 100 connects outlasted daphne's 5 s handshake
    timeout and nearly all were dropped. That one thread's connection is made persistent instead;
    Django still drops it when it is broken (CONN_HEALTH_CHECKS) or left in a transaction.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.settings_dict.get("CONN_MAX_AGE") is not None:
        # With DB_POOL the process's pool must exist first: Django refuses to make one for a
        # persistent connection, so a process whose first database use was a socket (one of
        # several web processes, before any HTTP request reached it) answered that socket 500.
        connection.pool  # noqa: B018  (made here, once per process, if it is not yet)
        connection.close()
        connection.settings_dict = {**connection.settings_dict, "CONN_MAX_AGE": None}


@database_sync_to_async
def _workspace_for_host(hostname: str):
    keep_socket_thread_connection()
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
