"""Two Django admins: the public host's (workspaces, members, keys: the superusers' console) and each
workspace host's (that workspace's tenant models). Tenant apps register into `tenant_admin`."""

from django.contrib.admin import AdminSite


class PublicAdminSite(AdminSite):
    site_header = "Blazz operations"
    site_title = "Blazz operations"
    index_title = "Workspaces and people"


class TenantAdminSite(AdminSite):
    site_header = "Blazz workspace data"
    site_title = "Blazz workspace"

    def each_context(self, request):
        context = super().each_context(request)
        tenant = getattr(request, "tenant", None)
        if tenant is not None:
            context["site_header"] = f"{tenant.name} ({tenant.slug})"
        return context

    def has_permission(self, request):
        # Superusers only: workspace data is support's to see, not every staff account's.
        return request.user.is_active and request.user.is_superuser


public_admin = PublicAdminSite(name="public_admin")
tenant_admin = TenantAdminSite(name="tenant_admin")
