"""`Authorization: Bearer <key>` for CRMs: a workspace API key, valid only on its own workspace's host."""

from __future__ import annotations

from django.db import connection
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from workspaces import selectors, services


class ApiKeyPrincipal:
    """Stands in for request.user when a machine calls with an API key."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, key):
        self.key = key
        self.workspace = key.workspace
        self.username = f"api-key:{key.prefix}"

    def __str__(self):
        return self.username


def authenticate_api_key(raw_key: str, tenant):
    """The key row for `raw_key` when it is active and belongs to `tenant`; None otherwise.

    A key of another workspace is refused exactly like an unknown key: the caller learns nothing.
    """
    if not raw_key or tenant is None or tenant.is_public:
        return None
    key = selectors.api_key_by_hash(key_hash=services.hash_api_key(raw_key))
    if key is None or key.workspace_id != tenant.pk:
        return None
    key.workspace = tenant  # the same row: no second read
    services.api_key_touch(key=key)
    return key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0].lower() != self.keyword.lower():  # schemes are case-insensitive (RFC 7235)
            return None
        key = authenticate_api_key(parts[1], getattr(request, "tenant", None) or connection.tenant)
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid API key for this workspace.")
        return ApiKeyPrincipal(key), key

    def authenticate_header(self, request):
        return self.keyword


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "workspaces.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A workspace API key (`blz_...`)."}
