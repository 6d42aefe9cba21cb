"""The Celery app. Tasks carry their workspace's schema (tenant-schemas-celery puts it in a header
when a task is sent from inside a tenant's context, and switches to it before the task runs)."""

import os

from celery import signals
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blazz.settings")

app = CeleryApp("blazz")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_process_init.connect
def _forget_inherited_connection_pools(**kwargs):
    """A prefork child starts with a copy of its parent's memory: a PostgreSQL pool the parent had
    opened would share its sockets (and its dead maintenance threads) with the child. The child
    forgets it, without closing anything, and opens its own on first use."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    DatabaseWrapper._connection_pools.clear()
