"""The per-workspace fan-out of periodic jobs (workspaces/tasks.py)."""

from django.conf import settings
from django.db import connection

from blazz.celery import app
from workspaces.models import Workspace
from workspaces.tasks import for_each_workspace


def sent_to(monkeypatch, **kwargs) -> list[str]:
    """The schemas `for_each_workspace` sends the task from (each send carries its schema)."""
    schemas = []
    monkeypatch.setattr(app, "send_task", lambda name, kwargs=None: schemas.append(connection.schema_name))
    for_each_workspace("some.task", **kwargs)
    return schemas


def test_periodic_jobs_skip_suspended_workspaces_unless_asked(world, monkeypatch):
    Workspace.objects.filter(pk=world.ws_a.pk).update(is_suspended=True)

    assert world.ws_a.schema_name not in sent_to(monkeypatch)
    assert world.ws_b.schema_name in sent_to(monkeypatch)
    assert {world.ws_a.schema_name, world.ws_b.schema_name} <= set(sent_to(monkeypatch, include_suspended=True))
    assert "public" not in sent_to(monkeypatch, include_suspended=True)


def test_the_sessions_reconcile_fans_out_to_suspended_workspaces_too(monkeypatch):
    """Only the reconcile stops a suspended workspace's sessions for good (the suspension's own
    task gives up after its retries): beat and the worker's start must include them."""
    from sessions_wa import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["sessions-reconcile"]
    assert entry["args"] == ["sessions_wa.tasks.sessions_reconcile_task"]
    assert entry["kwargs"] == {"include_suspended": True}
    sent = []
    monkeypatch.setattr(for_each_workspace, "delay", lambda *args, **kwargs: sent.append((args, kwargs)))
    tasks.reconcile_at_start()
    assert sent == [(("sessions_wa.tasks.sessions_reconcile_task",), {"include_suspended": True})]
