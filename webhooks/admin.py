from django.contrib import admin

from blazz.admin_sites import tenant_admin
from webhooks.models import AppliedWebhook


@admin.register(AppliedWebhook, site=tenant_admin)
class AppliedWebhookAdmin(admin.ModelAdmin):
    list_display = ["webhook_id", "type", "session_id", "applied_at"]
    list_filter = ["type"]
    search_fields = ["webhook_id"]
