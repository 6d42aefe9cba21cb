"""The Celery app. Tasks carry their workspace's schema (tenant-schemas-celery puts it in a header
when a task is sent from inside a tenant's context, and switches to it before the task runs)."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blazz.settings")

app = CeleryApp("blazz")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
