from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "chats.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self):
        from chats import queue
        from chats.automation.services.gate import needs_autoreply

        queue.autoreply_gate = needs_autoreply
