"""Which workspace a request is for, and whether it may enter."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django_tenants.middleware.main import TenantMainMiddleware

from blazz.core.errors import ErrorCode, error_response
from blazz.core.rows import fetch_row
from workspaces import selectors
from workspaces.locale import request_language
from workspaces.models import PUBLIC_SCHEMA, Workspace

SESSION_WORKSPACE_KEY = "blazz_workspace"


def wants_json(request) -> bool:
    return request.path.startswith(("/api/", "/hooks/")) or "application/json" in request.headers.get("Accept", "")


def refuse(request, status: int, code, message: str):
    if wants_json(request):
        return error_response(code, message, status)
    html = render_to_string("workspaces/refused.html", {"status": status, "message": message}, request=request)
    return HttpResponse(html, status=status)


class WorkspaceMiddleware(TenantMainMiddleware):
    """django-tenants' host -> schema switch, with the public hosts known without a Domain row,
    and a clear 404 for a host that names no workspace."""

    _public: Workspace | None = None  # the public row never changes: one lookup per process

    def get_tenant(self, domain_model, hostname):
        if hostname in settings.PUBLIC_HOSTS:
            public = WorkspaceMiddleware._public
            if public is None:
                public = Workspace.objects.filter(schema_name=PUBLIC_SCHEMA).first()
                if public is None:
                    from workspaces.services import ensure_public_workspace

                    public = ensure_public_workspace()
                WorkspaceMiddleware._public = public
            return public
        # django-tenants' own read (select_related through the ORM), lean: every request does it.
        domain = fetch_row(domain_model, "domain = %s", [hostname])
        tenant = fetch_row(Workspace, "id = %s", [domain.tenant_id]) if domain is not None else None
        if tenant is None:
            raise domain_model.DoesNotExist(hostname)
        return tenant

    def no_tenant_found(self, request, hostname):
        return refuse(request, 404, ErrorCode.NOT_FOUND, _("There is no workspace at %(host)s.") % {"host": hostname})


class WorkspaceAccessMiddleware:
    """On a workspace host: a suspended workspace answers 403, and a login belongs to the host it
    was made on (a session cookie carried to another workspace's host authenticates no one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        if tenant is not None and not tenant.is_public:
            if tenant.is_suspended and not request.path.startswith("/api/health/"):
                return refuse(request, 403, ErrorCode.WORKSPACE_SUSPENDED, _("This workspace is suspended."))
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                if request.session.get(SESSION_WORKSPACE_KEY) != tenant.schema_name:
                    request.user = AnonymousUser()
        return self.get_response(request)


class WorkspaceLocaleMiddleware:
    """The request's language (workspaces/locale.py): the member's choice, else Accept-Language,
    else the workspace's. Active for the view; named in Content-Language, Vary: Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        user = getattr(request, "user", None)
        membership = None
        if tenant is not None and not tenant.is_public and user is not None and user.is_authenticated:
            # Kept on the request: the API's permission checks read the same row (request_membership).
            membership = selectors.membership_for(user=user, workspace=tenant)
            request._blazz_membership = membership
        language = request_language(membership=membership, workspace=tenant,
                                    accept_language=request.headers.get("Accept-Language", ""))
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Accept-Language",))
        return response
