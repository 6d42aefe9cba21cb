from django.contrib import admin

from blazz.admin_sites import tenant_admin
from webhooks.models import AppliedWebhook, WebhookDelivery, WebhookEndpoint


@admin.register(AppliedWebhook, site=tenant_admin)
class AppliedWebhookAdmin(admin.ModelAdmin):
    list_display = ["webhook_id", "type", "session_id", "applied_at"]
    list_filter = ["type"]
    search_fields = ["webhook_id"]


@admin.register(WebhookEndpoint, site=tenant_admin)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "enabled", "events", "delivered_seq", "failing_since", "disabled_reason"]
    list_filter = ["enabled"]
    search_fields = ["url", "description"]
    exclude = ["secret", "previous_secret"]


@admin.register(WebhookDelivery, site=tenant_admin)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_id", "endpoint", "seq", "type", "status", "updated_at"]
    list_filter = ["status", "type"]
    search_fields = ["event_id"]
