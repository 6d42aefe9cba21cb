"""Periodic jobs that concern every workspace: fan out one task per active workspace, each sent
from inside that workspace's schema so it carries it (tenant-schemas-celery)."""

from django_tenants.utils import schema_context

from blazz.celery import app
from workspaces.models import PUBLIC_SCHEMA, Workspace


@app.task
def for_each_workspace(task_name: str, kwargs: dict | None = None) -> int:
    schemas = list(Workspace.objects.exclude(schema_name=PUBLIC_SCHEMA).filter(is_suspended=False)
                   .values_list("schema_name", flat=True))
    for schema in schemas:
        with schema_context(schema):
            app.send_task(task_name, kwargs=kwargs or {})
    return len(schemas)
