"""The superusers' console on the public host. Every change to members goes through the services,
so the admin keeps the rules the API keeps (a workspace keeps at least one owner)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from blazz.admin_sites import public_admin
from blazz.core.errors import DomainError
from workspaces import selectors, services
from workspaces.models import PUBLIC_SCHEMA, ApiKey, Domain, Membership, Role, Workspace

LAST_OWNER_MESSAGE = "A workspace keeps at least one owner."


def session_count(workspace) -> int:
    """WhatsApp sessions live in the workspace's own schema: count them there. A session a user
    removed is kept, marked deleted (late webhooks of it still resolve): it does not count."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(%s)", [f'"{workspace.schema_name}".sessions_wa_whatsappsession']
        )
        if cursor.fetchone()[0] is None:
            return 0
        cursor.execute(
            f'SELECT count(*) FROM "{workspace.schema_name}".sessions_wa_whatsappsession WHERE deleted_at IS NULL'
        )
        return cursor.fetchone()[0]


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class MembershipInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]
        if not any(form.cleaned_data.get("role") == Role.OWNER for form in kept):
            raise ValidationError(LAST_OWNER_MESSAGE)


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipInlineFormSet
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Workspace, site=public_admin)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "link", "members", "sessions", "is_suspended", "created_at"]
    list_filter = ["is_suspended"]
    search_fields = ["slug", "name"]
    readonly_fields = ["schema_name", "created_at", "suspended_at"]
    fields = ["slug", "name", "schema_name", "country", "max_sessions", "is_suspended", "suspended_reason",
              "suspended_at", "retention_days", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        # The slug names the schema and the Domain (the host): changing it here would move
        # neither, and the workspace's host would stop resolving.
        return [*self.readonly_fields, "slug"] if obj is not None else self.readonly_fields
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

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        workspace = form.instance
        formset.save(commit=False)
        for membership in formset.new_objects:
            membership.save()  # adding someone never takes an owner away
        # Promotions before demotions and removals: each step keeps an owner (the formset's clean
        # checked the end state; the services check each step under a lock).
        for membership, fields in sorted(formset.changed_objects, key=lambda change: change[0].role != Role.OWNER):
            if set(fields) - {"role"}:
                Membership.objects.filter(pk=membership.pk).update(user=membership.user)
            if "role" in fields:
                services.membership_set_role(workspace=workspace, membership_id=membership.pk, role=membership.role)
        for membership in formset.deleted_objects:
            services.membership_delete(workspace=workspace, membership_id=membership.pk)

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


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "workspace", "role"]

    def clean_role(self):
        role = self.cleaned_data["role"]
        if role != Role.OWNER and selectors.membership_is_last_owner(membership=self.instance):
            raise ValidationError(LAST_OWNER_MESSAGE)
        return role


@admin.register(Membership, site=public_admin)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "workspace__slug"]
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a membership to another person or workspace could take a workspace's last
        # owner away: remove it and add another instead.
        return ["user", "workspace"] if obj is not None else []

    def delete_view(self, request, object_id, extra_context=None):
        membership = self.get_object(request, unquote(object_id))
        if membership is not None and selectors.membership_is_last_owner(membership=membership):
            self.message_user(request, f"{LAST_OWNER_MESSAGE} Make someone else an owner first.", messages.ERROR)
            return HttpResponseRedirect(reverse("public_admin:workspaces_membership_change", args=[membership.pk]))
        return super().delete_view(request, object_id, extra_context)

    def save_model(self, request, obj, form, change):
        if change and "role" in form.changed_data:
            services.membership_set_role(workspace=obj.workspace, membership_id=obj.pk, role=obj.role)
        elif not change:
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        services.membership_delete(workspace=obj.workspace, membership_id=obj.pk)

    def delete_queryset(self, request, queryset):
        """The bulk "delete selected" action: one by one through the service; a last owner stays."""
        kept = []
        for membership in queryset.select_related("workspace", "user"):
            try:
                services.membership_delete(workspace=membership.workspace, membership_id=membership.pk)
            except DomainError:
                kept.append(str(membership))
        if kept:
            self.message_user(request, f"Kept (a workspace keeps at least one owner): {', '.join(kept)}.",
                              messages.ERROR)


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
