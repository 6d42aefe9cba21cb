"""The work chats' services hand to Celery after their commit: a message to send, a file to fetch.

Tasks are looked up by name in the Celery app's registry (chats/tasks.py declares them): the tasks
call the services, so the services must not import the tasks module back. A process that has not
loaded the task modules yet (daphne: only the worker imports them at start) has Celery's
autodiscovery load them on its first use. A task queued here carries the workspace's schema
(tenant-schemas-celery) and is sent once the transaction commits.
"""

from __future__ import annotations

from django.db import transaction

from blazz.celery import app

MESSAGE_SEND_TASK = "chats.tasks.message_send_task"
MEDIA_FETCH_TASK = "chats.tasks.media_fetch_task"
AUTOREPLY_TASK = "chats.automation.tasks.autoreply_evaluate_task"


def task(name: str):
    if name not in app.tasks:
        app.loader.import_default_modules()  # autodiscovery: every app's tasks module
    return app.tasks[name]


def message_send_after_commit(message_id: int) -> None:
    transaction.on_commit(lambda: task(MESSAGE_SEND_TASK).delay(message_id))


def media_fetch_after_commit(media_id: str) -> None:
    transaction.on_commit(lambda: task(MEDIA_FETCH_TASK).delay(media_id))


def autoreply_after_commit(message_id: int) -> None:
    """The auto-reply rules run in a worker, after the message is stored and published."""
    transaction.on_commit(lambda: task(AUTOREPLY_TASK).delay(message_id))
