from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.models import Count
from django.utils.html import format_html

from blazz.admin_sites import public_admin
from workspaces import services
from workspaces.models import PUBLIC_SCHEMA, ApiKey, Domain, Membership, Workspace


def session_count(workspace) -> int:
    """WhatsApp sessions live in the workspace's own schema: count them there."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(%s)", [f'"{workspace.schema_name}".sessions_wa_whatsappsession']
        )
        if cursor.fetchone()[0] is None:
            return 0
        cursor.execute(f'SELECT count(*) FROM "{workspace.schema_name}".sessions_wa_whatsappsession')
        return cursor.fetchone()[0]


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Workspace, site=public_admin)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "link", "members", "sessions", "is_suspended", "created_at"]
    list_filter = ["is_suspended"]
    search_fields = ["slug", "name"]
    readonly_fields = ["schema_name", "created_at", "suspended_at"]
    fields = ["slug", "name", "schema_name", "is_suspended", "suspended_reason", "suspended_at", "created_at"]
    inlines = [DomainInline, MembershipInline]
    actions = ["suspend", "resume"]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(schema_name=PUBLIC_SCHEMA).annotate(
            member_count=Count("memberships", distinct=True)
        )

    def has_add_permission(self, request):
        return False  # a workspace comes from signup or `manage.py create_workspace`: schema and all

    @admin.display(description="Members", ordering="member_count")
    def members(self, obj):
        return obj.member_count

    @admin.display(description="Sessions")
    def sessions(self, obj):
        return session_count(obj)

    @admin.display(description="Inbox")
    def link(self, obj):
        return format_html('<a href="{}/" target="_blank">{}</a>', obj.url, obj.host)

    def save_model(self, request, obj, form, change):
        if change and "is_suspended" in form.changed_data:
            services.workspace_set_suspended(
                workspace=obj, suspended=obj.is_suspended, reason=obj.suspended_reason or "by a superuser"
            )
            form.changed_data.remove("is_suspended")
        super().save_model(request, obj, form, change)

    @admin.action(description="Suspend the selected workspaces")
    def suspend(self, request, queryset):
        for workspace in queryset:
            services.workspace_set_suspended(workspace=workspace, suspended=True, reason="by a superuser")
        self.message_user(request, f"Suspended {queryset.count()} workspace(s).", messages.SUCCESS)

    @admin.action(description="Resume the selected workspaces")
    def resume(self, request, queryset):
        for workspace in queryset:
            services.workspace_set_suspended(workspace=workspace, suspended=False)
        self.message_user(request, f"Resumed {queryset.count()} workspace(s).", messages.SUCCESS)


@admin.register(Domain, site=public_admin)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "tenant", "is_primary"]
    search_fields = ["domain"]


@admin.register(Membership, site=public_admin)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "workspace__slug"]
    autocomplete_fields = ["user"]


@admin.register(ApiKey, site=public_admin)
class ApiKeyAdmin(admin.ModelAdmin):
    """Prefix only: the key's hash never leaves the database, and the key itself was never stored."""

    list_display = ["prefix", "name", "workspace", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["workspace"]
    search_fields = ["prefix", "name"]
    fields = ["workspace", "name", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # keys are created where they can be shown once: the API or create_api_key

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        for key in queryset:
            services.api_key_revoke(workspace=key.workspace, key_id=key.pk)


public_admin.register(User, UserAdmin)
public_admin.register(Group, GroupAdmin)
