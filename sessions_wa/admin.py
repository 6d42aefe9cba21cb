from django.contrib import admin

from blazz.admin_sites import tenant_admin
from sessions_wa.models import WhatsAppSession


@admin.register(WhatsAppSession, site=tenant_admin)
class WhatsAppSessionAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "engine", "status", "phone", "node", "updated_at", "deleted_at"]
    list_filter = ["engine", "status"]
    readonly_fields = ["status", "reason", "phone", "qr_raw", "node", "created_at", "updated_at", "connected_at"]
    exclude = ["qr_data_url"]
