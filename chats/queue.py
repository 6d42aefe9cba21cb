"""The work chats' services hand to Celery after their commit: a message to send, a file to fetch.

Tasks are looked up by name in the Celery app's registry (chats/tasks.py declares them): the tasks
call the services, so the services must not import the tasks module back. A process that has not
loaded the task modules yet (daphne: only the worker imports them at start) has Celery's
autodiscovery load them on its first use. A task queued here carries the workspace's schema
(tenant-schemas-celery) and is sent once the transaction commits.

A send that cannot be queued (the broker restarting) must not fail the request that committed the
message: it is recorded as not queued (`send_queued_at` null) and the requeue sweep, which runs
every few seconds, queues it once the broker is back (chats.services.delivery).
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from django.db import transaction

from blazz.celery import app
from chats.models import Message

logger = logging.getLogger(__name__)

MESSAGE_SEND_TASK = "chats.tasks.message_send_task"
MEDIA_FETCH_TASK = "chats.tasks.media_fetch_task"
MEDIA_FETCH_FOR_SEND_TASK = "chats.tasks.media_fetch_for_send_task"
AUTOREPLY_TASK = "chats.automation.tasks.autoreply_evaluate_task"


_autodiscovery = threading.Lock()


def task(name: str):
    if name not in app.tasks:
        # One thread at a time: a second webhook thread asking while the first was still importing
        # found the registry half filled (NotRegistered, raised in an after-commit hook: a 500 for a
        # batch that had committed).
        with _autodiscovery:
            if name not in app.tasks:
                app.loader.import_default_modules()  # autodiscovery: every app's tasks module
    return app.tasks[name]


def message_send_after_commit(message_id: int, countdown: float = 0.0) -> None:
    """Queue the send task after the commit (to run `countdown` seconds from now: a governed
    automated send's slot); the caller has set the message's `send_queued_at` to when it is due."""
    transaction.on_commit(lambda: message_send_now(message_id, countdown))


def message_send_now(message_id: int, countdown: float = 0.0) -> bool:
    """Queue the send task, or record that it is not queued. Never raises: it runs after a commit."""
    try:
        if countdown > 0:
            task(MESSAGE_SEND_TASK).apply_async((message_id,), countdown=countdown)
        else:
            task(MESSAGE_SEND_TASK).delay(message_id)
        return True
    except Exception:  # kombu's OperationalError, redis' ConnectionError, a timeout: the broker is away
        logger.warning("message %s: its send task could not be queued; the sweep will", message_id, exc_info=True)
    try:
        Message.objects.filter(pk=message_id).update(send_queued_at=None)
    except Exception:  # the database too: the sweep still finds it (queued, never attempted)
        logger.exception("message %s: could not record that its send is not queued", message_id)
    return False


def media_fetch_for_send_after_commit(media_id: str, message_id: int, url: str) -> None:
    """A file given by URL, fetched by a worker after the commit (chats/services/remote_media.py)."""
    transaction.on_commit(lambda: task(MEDIA_FETCH_FOR_SEND_TASK).delay(media_id, message_id, url))


def media_fetch_after_commit(media_id: str) -> None:
    transaction.on_commit(lambda: task(MEDIA_FETCH_TASK).delay(media_id))


# Set by the automation app when it loads (chats does not import it): whether the worker could do
# anything with an inbound message (automation/services/gate.py). None: always queue.
autoreply_gate: Callable[..., bool] | None = None


def autoreply_after_commit(message: Message, *, status: str, new_chat: bool) -> None:
    """The auto-reply rules run in a worker, after the message is stored and published; a message
    no rule could answer (and not an opt-out keyword) queues nothing. `status`: the chat's status
    when the message came (before the message reopened it); `new_chat`: the chat had no message
    before this one."""
    gate = autoreply_gate
    if gate is not None:
        try:
            if not gate(message.body or message.caption or "", session_id=message.session_id, new_chat=new_chat,
                        at=message.created_at):
                return
        except Exception:  # the gate's Redis or database away: queue, as without it
            logger.warning("the auto-reply gate failed; queueing", exc_info=True)
    message_id = message.pk
    transaction.on_commit(lambda: task(AUTOREPLY_TASK).delay(message_id, status))
