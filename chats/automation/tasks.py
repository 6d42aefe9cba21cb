"""Celery tasks of automation: an interface, not logic. Each carries its workspace's schema
(tenant-schemas-celery) and calls a service. Queued by name (chats/queue.py)."""

from blazz.celery import app
from chats.automation.services import autoreply, schedules


@app.task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def autoreply_evaluate_task(message_id: int):
    """The auto-reply rules for one inbound message (idempotent: see autoreply_evaluate)."""
    return autoreply.autoreply_evaluate(message_id=message_id)


@app.task(acks_late=True, soft_time_limit=50, time_limit=60)
def scheduled_send_due_task():
    """Beat's sweep (every few seconds, per workspace): the scheduled messages that are due."""
    return schedules.scheduled_send_due()
