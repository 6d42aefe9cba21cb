from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = "Workspaces"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_save

        pre_save.connect(_password_change_closes_sockets, sender=get_user_model(),
                         dispatch_uid="workspaces.password_change_closes_sockets")


def _password_change_closes_sockets(sender, instance, update_fields=None, raw=False, **kwargs):
    """Whoever changes a password (the admin, a script, an invitation), the account's open sockets
    close: a signal, because Django has no single place a password changes."""
    if raw or instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    before = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if before is not None and before != instance.password:
        from workspaces import services

        services.user_password_changed(user=instance)
