"""Periodic jobs that concern every workspace: fan out one task per workspace, each sent from
inside that workspace's schema so it carries it (tenant-schemas-celery)."""

from django_tenants.utils import schema_context

from blazz.celery import app
from workspaces.models import PUBLIC_SCHEMA, Workspace


@app.task
def for_each_workspace(task_name: str, kwargs: dict | None = None, include_suspended: bool = False) -> int:
    """Send `task_name` once per workspace. Suspended workspaces are left out unless
    `include_suspended`: a job that keeps a suspended workspace in its state (the sessions
    reconcile stops its sessions) must see it too."""
    workspaces = Workspace.objects.exclude(schema_name=PUBLIC_SCHEMA)
    if not include_suspended:
        workspaces = workspaces.filter(is_suspended=False)
    schemas = list(workspaces.values_list("schema_name", flat=True))
    for schema in schemas:
        with schema_context(schema):
            app.send_task(task_name, kwargs=kwargs or {})
    return len(schemas)
