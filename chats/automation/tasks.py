"""Celery tasks of automation: an interface, not logic. Each carries its workspace's schema
(tenant-schemas-celery) and calls a service. Queued by name (chats/queue.py)."""

from blazz.celery import app
from chats.automation.services import autoreply, broadcasts, schedules


@app.task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def autoreply_evaluate_task(message_id: int, status: str = ""):
    """The auto-reply rules for one inbound message (idempotent: see autoreply_evaluate)."""
    return autoreply.autoreply_evaluate(message_id=message_id, status=status)


@app.task(acks_late=True, soft_time_limit=50, time_limit=60)
def scheduled_send_due_task():
    """Beat's sweep (every few seconds, per workspace): the scheduled messages that are due."""
    return schedules.scheduled_send_due()


@app.task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=90, time_limit=120)
def broadcast_tick_task(broadcast_id: int):
    """Send a broadcast's next recipients for a while, then queue the next tick (see broadcast_tick)."""
    from chats.automation import queue

    again_in = broadcasts.broadcast_tick(broadcast_id=broadcast_id)
    if again_in is not None:
        queue.task(queue.BROADCAST_TICK_TASK).apply_async((broadcast_id,), countdown=again_in)
    return again_in


@app.task(acks_late=True, soft_time_limit=50, time_limit=60)
def broadcasts_kick_task():
    """Beat's sweep: due scheduled broadcasts start; a running one whose tick died gets a new one."""
    return broadcasts.broadcasts_kick()
