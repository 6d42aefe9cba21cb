"""The work automation's services hand to Celery after their commit, by task name (as chats/queue.py
does: the tasks call the services, so the services do not import the tasks module)."""

from __future__ import annotations

from django.db import transaction

from chats.queue import task

BROADCAST_TICK_TASK = "chats.automation.tasks.broadcast_tick_task"


def broadcast_tick_after_commit(broadcast_id: int, countdown: float = 0.0) -> None:
    transaction.on_commit(lambda: task(BROADCAST_TICK_TASK).apply_async((broadcast_id,), countdown=countdown))
