"""chats/queue.py: tasks found by name, also when many threads ask first at once."""

import threading

from chats import queue


def test_threads_asking_for_a_task_at_once_all_find_it(monkeypatch):
    from blazz.celery import app

    name = queue.AUTOREPLY_TASK
    real = app.tasks[name] if name in app.tasks else queue.task(name)
    app.tasks.pop(name)
    calls = []

    def importing():
        calls.append(1)
        if len(calls) > 1:
            return  # under way in another thread already: the loader returns at once
        threading.Event().wait(0.2)  # the registry stays without the task a while, as in a real import
        app.tasks.register(real)

    monkeypatch.setattr(app.loader, "import_default_modules", importing)
    found, errors = [], []

    def ask():
        try:
            found.append(queue.task(name))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert errors == [] and found == [real] * 4
