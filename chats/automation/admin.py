from django.contrib import admin

from blazz.admin_sites import tenant_admin
from chats.automation.services import config
from chats.automation.models import AutomationSettings, AutoReplyRule, BusinessHours, RuleFiring, ScheduledMessage, Template


@admin.register(Template, site=tenant_admin)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "updated_at"]
    list_filter = ["category"]
    search_fields = ["name", "body"]
    raw_id_fields = ["media"]


class GateAware(admin.ModelAdmin):
    """A change made here reaches the inbound path's auto-reply gate as an API change does."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        config.changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        config.changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        config.changed()


@admin.register(AutoReplyRule, site=tenant_admin)
class AutoReplyRuleAdmin(GateAware):
    list_display = ["name", "position", "enabled", "trigger", "match_type", "pattern", "fired_count", "error_count",
                    "last_error"]
    list_filter = ["enabled", "trigger"]
    search_fields = ["name", "pattern"]
    readonly_fields = ["fired_count", "last_fired_at", "last_error", "last_error_at", "error_count"]


@admin.register(BusinessHours, site=tenant_admin)
class BusinessHoursAdmin(GateAware):
    list_display = ["timezone", "updated_at"]


@admin.register(RuleFiring, site=tenant_admin)
class RuleFiringAdmin(admin.ModelAdmin):
    list_display = ["rule", "contact", "message", "period", "fired_at"]
    raw_id_fields = ["contact", "message"]


@admin.register(ScheduledMessage, site=tenant_admin)
class ScheduledMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "contact", "send_at", "status", "type", "sent_at"]
    list_filter = ["status"]
    raw_id_fields = ["contact", "media", "message"]


@admin.register(AutomationSettings, site=tenant_admin)
class AutomationSettingsAdmin(GateAware):
    list_display = ["optout_keywords", "updated_at"]
