from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SessionsWaConfig(AppConfig):
    name = "sessions_wa"
    verbose_name = _("WhatsApp sessions")

    def ready(self):
        from workspaces.signals import workspace_suspension_changed

        workspace_suspension_changed.connect(reconcile_on_suspension, dispatch_uid="sessions_wa.suspension")


def reconcile_on_suspension(sender, workspace, **kwargs):
    """Suspended: its sessions stop on the bridge; resumed: they start again (the reconcile task
    does both, in the workspace's schema, with retries while the bridge is away)."""
    from django_tenants.utils import schema_context

    from sessions_wa.tasks import sessions_reconcile_task

    with schema_context(workspace.schema_name):
        sessions_reconcile_task.delay()
