"""chats/queue.py names the tasks it queues (the services must not import chats.tasks): each name
is a task of chats/tasks.py, and queuing waits for the commit."""

from blazz.celery import app
from chats import queue, tasks


def test_every_task_the_services_queue_by_name_exists():
    assert app.tasks[queue.MESSAGE_SEND_TASK].name == tasks.message_send_task.name == queue.MESSAGE_SEND_TASK
    assert app.tasks[queue.MEDIA_FETCH_TASK].name == tasks.media_fetch_task.name == queue.MEDIA_FETCH_TASK


def test_a_task_is_queued_only_once_the_transaction_commits(db, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(tasks.message_send_task, "delay", queued.append)

    with django_capture_on_commit_callbacks() as callbacks:
        queue.message_send_after_commit(41)
        assert queued == []
    for callback in callbacks:
        callback()

    assert queued == [41]


def test_a_process_that_never_imported_the_tasks_finds_them_by_name():
    """daphne imports the services, not chats.tasks: the first queued task has Celery load it."""
    import os
    import subprocess
    import sys

    probe = ("import django, sys; django.setup(); from chats import queue; "
             "assert 'chats.tasks' not in sys.modules; "
             "print(queue.task(queue.MESSAGE_SEND_TASK).name, queue.task(queue.MEDIA_FETCH_TASK).name)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "blazz.settings"}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [queue.MESSAGE_SEND_TASK, queue.MEDIA_FETCH_TASK]

