"""Who is on an inbox socket: a member's session made on this host, or this workspace's API key
with `read` (`Authorization: Bearer` header, or `?api_key=`); and the groups a revocation of that
principal closes."""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django_tenants.utils import tenant_context

from blazz.core import events
from chats import selectors
from workspaces import selectors as workspace_selectors
from workspaces.asgi import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED, origin_allowed
from workspaces.authentication import authenticate_api_key
from workspaces.middleware import SESSION_WORKSPACE_KEY
from workspaces.scopes import Scope


def api_key_from_scope(scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            parts = value.decode("latin-1").split()
            if len(parts) == 2 and parts[0].lower() == "bearer":  # schemes are case-insensitive (RFC 7235)
                return parts[1]
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return (query.get("api_key") or [""])[0]


@database_sync_to_async
def authenticate(scope):
    """Returns (principal dict, close code). principal: {"kind": "user"|"api_key", "user": {...}}."""
    tenant = scope["tenant"]
    raw_key = api_key_from_scope(scope)
    if raw_key:
        key = authenticate_api_key(raw_key, tenant)
        if key is None or not key.has_scope(Scope.READ):  # the socket streams the workspace's events: `read`
            return None, CLOSE_UNAUTHENTICATED if key is None else CLOSE_FORBIDDEN
        return {"kind": "api_key", "key_id": key.pk, "scopes": key.scopes,
                "user": {"id": None, "name": f"api-key:{key.prefix}"}}, None
    if not origin_allowed(scope):
        # A page of another host opening this socket with a member's cookie: refused whoever
        # the cookie names (an API key is a credential the page had to hold, so it may).
        return None, CLOSE_FORBIDDEN
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        return None, CLOSE_UNAUTHENTICATED
    session = scope.get("session")
    if session is None or session.get(SESSION_WORKSPACE_KEY) != tenant.schema_name:
        return None, CLOSE_UNAUTHENTICATED  # a login made on another host
    membership = workspace_selectors.membership_for(user=user, workspace=tenant)
    if membership is None:
        return None, CLOSE_FORBIDDEN
    with tenant_context(tenant):
        viewer_id = selectors.visible_only_to(user_id=user.pk, role=membership.role)
    return {"kind": "user", "session_key": session.session_key, "viewer_id": viewer_id,
            "user": {"id": user.pk, "name": user.get_full_name() or user.email}}, None


@database_sync_to_async
def still_valid(tenant, principal) -> bool:
    return workspace_selectors.socket_principal_still_valid(
        workspace=tenant, user_id=principal["user"]["id"], session_key=principal.get("session_key"),
        key_id=principal.get("key_id"))


def principal_groups(schema: str, principal) -> list[str]:
    """The groups a revocation of this socket's principal closes (blazz_close)."""
    if principal["kind"] == "api_key":
        return [events.api_key_group(schema, principal["key_id"])]
    return [events.user_group(schema, principal["user"]["id"]), events.session_group(schema, principal["session_key"])]
