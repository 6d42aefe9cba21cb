from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from blazz.core import eventlog
        from webhooks.outbound.trigger import on_logged

        eventlog.after_commit_hooks.append(on_logged)
