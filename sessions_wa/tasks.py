"""Celery tasks of sessions: keep the bridge running what each workspace has."""

import logging

from celery.signals import worker_ready

from blazz.celery import app
from sessions_wa import bridge, failover, services

logger = logging.getLogger(__name__)


@app.task(bind=True, max_retries=20, acks_late=True)
def sessions_reconcile_task(self):
    """Runs in one workspace's schema. The bridge being away is normal at start-up: retry soon."""
    try:
        return services.sessions_reconcile()
    except bridge.BridgeUnavailable as exc:
        raise self.retry(countdown=min(3 * (self.request.retries + 1), 30), exc=exc)


@app.task(acks_late=True, expires=60)
def nodes_failover_task():
    """Public schema: move the sessions of bridge nodes that stopped heartbeating or drain."""
    return failover.nodes_failover()


@worker_ready.connect
def reconcile_at_start(sender=None, **kwargs):
    """A worker coming up makes sure every workspace's sessions run (and a suspended workspace's
    are stopped), without waiting for beat."""
    from workspaces.tasks import for_each_workspace

    for_each_workspace.delay("sessions_wa.tasks.sessions_reconcile_task", include_suspended=True)
