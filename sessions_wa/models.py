"""Tenant schema: the workspace's WhatsApp numbers, as the bridge runs them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sessions_wa.contract import SessionStatus


class Engine(models.TextChoices):
    SANDBOX = "sandbox", "Sandbox (simulated WhatsApp)"
    WEBJS = "webjs", "WhatsApp Web (whatsapp-web.js)"


class WhatsAppSession(models.Model):
    """One WhatsApp number. The id is chosen here and is unique across workspaces
    (`{schema}.{random}`), because one bridge serves every workspace."""

    id = models.CharField(primary_key=True, max_length=64)
    name = models.CharField(_("name"), max_length=100, blank=True)
    engine = models.CharField(_("engine"), max_length=10, choices=Engine.choices)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.STARTING)
    reason = models.CharField(max_length=500, blank=True)
    # The bridge's machine-readable cause of `reason` (contract: status_reason_codes), which the
    # UI turns into a sentence; blank without a reason.
    reason_code = models.CharField(max_length=32, blank=True)
    # "Link with phone number instead": the code to type on the phone, while waiting for a scan.
    pairing_code = models.CharField(max_length=16, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    qr_raw = models.TextField(blank=True)
    qr_data_url = models.TextField(blank=True)
    node = models.CharField(_("node"), max_length=200, blank=True, help_text="The bridge node that owns this session.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(
        _("deleted at"), null=True, blank=True,
        help_text="Logged out and removed by a user. Kept so late webhooks of it still resolve.",
    )

    class Meta:
        verbose_name = _("WhatsApp session")
        verbose_name_plural = _("WhatsApp sessions")
        ordering = ["created_at"]

    def __str__(self):
        return self.name or self.id

    @property
    def is_connected(self) -> bool:
        return self.status == SessionStatus.CONNECTED

    @property
    def own_chat_id(self) -> str:
        return f"{self.phone.lstrip('+')}@c.us" if self.phone else ""
