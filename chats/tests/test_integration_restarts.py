"""Fault scenarios of issue 11, kept in the suite: the real Redis restarted while sends come in, and
the whole worker group killed mid-send. Real processes throughout (daphne, the Celery worker and
beat, the bridge with the sandbox engine, the suite's embedded Redis); nothing lost, nothing
doubled, no 5xx after a commit."""

import asyncio
import os
import threading
import uuid
from pathlib import Path

import pytest

from blazz.dev.realstack import wait_until
from chats.tests.test_integration_send_receive import get_message, new_contact

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def suite_redis():
    """The embedded Redis this test run uses (`make test`'s), which a test may restart."""
    from blazz.dev.devservers import EmbeddedRedis

    data_dir = os.environ.get("BLAZZ_DATA_DIR")
    server = EmbeddedRedis(Path(data_dir)) if data_dir else None
    if server is None or not server.is_running():
        pytest.skip("needs the embedded Redis of blazz.dev.devservers (REDIS_URL unset)")
    yield server
    if not server.is_running():
        server.start()


def delivered(stack, ws, phone: str, client_ids: set[str]) -> dict[str, int]:
    """How many times the customer received each of our client_ids."""
    counts = dict.fromkeys(client_ids, 0)
    for message in stack.customer(ws.session.id, phone)["received"]:
        if message.get("client_id") in counts:
            counts[message["client_id"]] += 1
    return counts


def test_sends_during_a_redis_restart_answer_no_5xx_and_each_goes_out_once(stack, stack_a, suite_redis,
                                                                           sweeping_beat):
    phone = "+6281100009101"
    contact = new_contact(stack_a, phone)
    answers, stop = [], threading.Event()

    def send_until_stopped():
        with stack_a.api() as api:
            while not stop.is_set() and len(answers) < 400:
                client_id = f"redis-restart-{uuid.uuid4()}"
                body = {"client_id": client_id, "type": "text", "body": f"during a restart {len(answers)}"}
                try:
                    status = api.post(f"/api/v1/contacts/{contact['id']}/messages/", json=body).status_code
                except Exception as exc:  # the web process itself must stay up: a refused connection fails below
                    status = repr(exc)
                answers.append((client_id, status))

    sender = threading.Thread(target=send_until_stopped)
    sender.start()
    try:
        wait_until(lambda: len(answers) >= 5, 30, message="sends before the restart")
        suite_redis.stop()
        during = len(answers)
        wait_until(lambda: len(answers) >= during + 10, 30, message="sends while Redis is down")
        suite_redis.start()
        after = len(answers)
        wait_until(lambda: len(answers) >= after + 5, 30, message="sends after the restart")
    finally:
        stop.set()
        sender.join(60)
        if not suite_redis.is_running():
            suite_redis.start()

    assert all(status in (200, 201) for _, status in answers), [a for a in answers if a[1] not in (200, 201)][:5]
    client_ids = {client_id for client_id, _ in answers}
    # A task lost with Redis's queue is found by the sweep a minute after it was due (LOST_AFTER).
    wait_until(lambda: all(n >= 1 for n in delivered(stack, stack_a, phone, client_ids).values()), 180,
               interval=0.5, message="every send stored during the restart to reach the customer")
    counts = delivered(stack, stack_a, phone, client_ids)
    assert set(counts.values()) == {1}, {k: v for k, v in counts.items() if v != 1}
    assert stack.worker.running, stack.worker.tail()  # the worker reconnected: it did not die with its broker
    stack.wait_worker()
    # The web processes' sockets recover too: new sockets connect (and get their hello) again. The
    # channel layer's pub/sub connection of each web process fails its first subscribe after the
    # restart (channels-redis), which resets it: several in a row must succeed.
    wait_until(lambda: all(_socket_connects(stack, stack_a) for _ in range(4)), 60, interval=0.5,
               message="sockets to connect again after the Redis restart")


def _socket_connects(stack, ws) -> bool:
    from chats.tests.test_integration_realtime import connect

    async def attempt():
        socket = await connect(stack, ws.host, name="after-redis-restart", api_key=ws.api_key)
        await socket.close()

    try:
        asyncio.run(attempt())
    except Exception:
        return False
    return True


def test_the_worker_group_killed_mid_send_loses_nothing_and_doubles_nothing(stack, stack_a, sweeping_beat, tmp_path):
    """`kill -9` of the whole worker group while a send task sits between the bridge's answer and
    its write, with more sends queued behind it: each reaches the customer exactly once, and each
    message ends with its WhatsApp id (the sweep finds what the dead group never finished)."""
    phone = "+6281100009102"
    contact = new_contact(stack_a, phone)
    pausing = tmp_path / "pausing"
    stack.worker.stop()
    stack.worker.start(extra_env={"CELERY_WORKER_INCLUDE": "chats.tests.faults",
                                  "FAULT_PAUSE_AFTER_BRIDGE_SEND_SECONDS": "30", "FAULT_PAUSE_MARKER": str(pausing)})
    sent = []
    try:
        stack.wait_worker()
        with stack_a.api() as api:
            for n in range(6):
                response = api.post(f"/api/v1/contacts/{contact['id']}/messages/",
                                    json={"client_id": f"kill9-{uuid.uuid4()}", "type": "text", "body": f"kill {n}"})
                assert response.status_code == 201, response.text
                sent.append(response.json())
        wait_until(pausing.exists, 30, message="a send task to pause after the bridge's answer")
        stack.worker.kill()  # SIGKILL to the group: the main process and its pool children
    finally:
        stack.worker.start()
        stack.wait_worker()

    client_ids = {message["client_id"] for message in sent}
    wait_until(lambda: all(n >= 1 for n in delivered(stack, stack_a, phone, client_ids).values()), 120,
               interval=0.5, message="every send to reach the customer after the kill")
    wait_until(lambda: all((m := get_message(stack_a, contact["id"], s["id"])) and m["wa_message_id"] for s in sent),
               60, interval=0.5, message="every message to be linked to its WhatsApp id")
    counts = delivered(stack, stack_a, phone, client_ids)
    assert set(counts.values()) == {1}, counts
