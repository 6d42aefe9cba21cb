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
