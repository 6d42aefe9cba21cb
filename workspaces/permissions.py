from django.utils.translation import gettext as _
from rest_framework import permissions

from blazz.core.errors import Forbidden
from workspaces import selectors
from workspaces.authentication import ApiKeyPrincipal
from workspaces.errors import WorkspaceErrorCode as Code
from workspaces.models import Role
from django.utils.translation import gettext_lazy as _


def request_membership(request):
    """The caller's Membership in the request's workspace (cached on the request), or None."""
    if not hasattr(request, "_blazz_membership"):
        request._blazz_membership = selectors.membership_for(
            user=request.user, workspace=getattr(request, "tenant", None)
        ) if not isinstance(request.user, ApiKeyPrincipal) else None
    return request._blazz_membership


class IsWorkspaceMember(permissions.BasePermission):
    """A member of this host's workspace (session), or this workspace's API key."""

    message = _("You are not a member of this workspace.")

    def has_permission(self, request, view):
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.is_public:
            return False
        if isinstance(request.user, ApiKeyPrincipal):
            return request.user.workspace.pk == tenant.pk
        return request_membership(request) is not None


class IsWorkspaceAdmin(IsWorkspaceMember):
    """Owners and admins (and API keys, which act for the workspace)."""

    message = _("Only an owner or an admin can do this.")

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if isinstance(request.user, ApiKeyPrincipal):
            return True
        return request_membership(request).role in (Role.OWNER, Role.ADMIN)


class IsWorkspaceAdminWithSession(IsWorkspaceAdmin):
    """Owners and admins logged in on this host; never an API key. For managing API keys: a key
    that leaked must not be able to mint more keys (which would outlive its revocation) or revoke
    the CRM's real ones."""

    def has_permission(self, request, view):
        allowed = super().has_permission(request, view)
        if allowed and isinstance(request.user, ApiKeyPrincipal):
            raise Forbidden(Code.SESSION_REQUIRED,
                            _("API keys are managed by an owner or an admin who is logged in, not with an API key."))
        return allowed
