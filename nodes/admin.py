from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from blazz.admin_sites import public_admin
from nodes.models import BridgeNode, SessionPlacement


@admin.register(BridgeNode, site=public_admin)
class BridgeNodeAdmin(admin.ModelAdmin):
    list_display = ["id", "url", "is_live", "draining", "capacity", "placed", "rss_mb", "last_heartbeat_at"]
    list_filter = ["draining"]
    readonly_fields = ["id", "url", "capacity", "memory_budget_bytes", "rss_bytes", "load", "last_heartbeat_at",
                       "created_at"]
    actions = ["drain", "undrain"]

    @admin.display(boolean=True, description=_("live"))
    def is_live(self, node):
        from django.conf import settings

        return bool(node.last_heartbeat_at) and \
            (timezone.now() - node.last_heartbeat_at).total_seconds() <= settings.BRIDGE_NODE_TIMEOUT

    @admin.display(description=_("sessions placed"))
    def placed(self, node):
        return node.placements.filter(active=True).count()

    @admin.display(description=_("RSS (MB)"))
    def rss_mb(self, node):
        return round(node.rss_bytes / 2**20)

    @admin.action(description=_("Drain: move their sessions to other nodes, place none on them"))
    def drain(self, request, queryset):
        count = queryset.update(draining=True)
        messages.info(request, f"{count} node(s) draining: beat moves their sessions within a failover interval.")

    @admin.action(description=_("Stop draining"))
    def undrain(self, request, queryset):
        queryset.update(draining=False)

    def has_add_permission(self, request):
        return False  # a node registers itself by heartbeating


@admin.register(SessionPlacement, site=public_admin)
class SessionPlacementAdmin(admin.ModelAdmin):
    list_display = ["session_id", "schema_name", "node", "epoch", "engine", "active", "moved_at"]
    list_filter = ["active", "node"]
    search_fields = ["session_id", "schema_name"]
    readonly_fields = ["session_id", "schema_name", "node", "epoch", "engine", "options", "active", "created_at",
                       "moved_at"]

    def has_add_permission(self, request):
        return False
