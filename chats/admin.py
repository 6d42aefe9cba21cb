from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from blazz.admin_sites import tenant_admin
from chats.models import Contact, MediaFile, Message, PendingMessageEvent, Reaction


@admin.register(Contact, site=tenant_admin)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name_shown", "phone", "unread_count", "last_message_at", "session"]
    search_fields = ["name", "push_name", "phone", "wa_id"]
    readonly_fields = ["last_message", "created_at", "updated_at"]
    raw_id_fields = ["last_message"]

    @admin.display(description=_("name"))
    def name_shown(self, obj):
        return obj.display_name


class ReactionInline(admin.TabularInline):
    model = Reaction
    extra = 0


@admin.register(Message, site=tenant_admin)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "contact", "direction", "type", "short_body", "status", "timestamp", "revoked"]
    list_filter = ["direction", "type", "status", "revoked"]
    search_fields = ["body", "wa_message_id", "client_id"]
    raw_id_fields = ["contact", "reply_to", "media"]
    readonly_fields = ["created_at", "sent_at", "delivered_at", "read_at", "played_at", "failed_at", "edits"]
    exclude = ["search"]
    inlines = [ReactionInline]

    @admin.display(description=_("body"))
    def short_body(self, obj):
        return (obj.body or obj.caption)[:60]


@admin.register(MediaFile, site=tenant_admin)
class MediaFileAdmin(admin.ModelAdmin):
    list_display = ["id", "filename", "mimetype", "size", "status", "created_at"]
    list_filter = ["status"]


@admin.register(PendingMessageEvent, site=tenant_admin)
class PendingMessageEventAdmin(admin.ModelAdmin):
    list_display = ["wa_message_id", "type", "received_at"]
