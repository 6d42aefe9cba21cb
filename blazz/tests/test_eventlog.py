"""The event log (blazz/core/eventlog.py) on real PostgreSQL: written in the transaction of the
change, seqs handed out in commit order (concurrent writers in real threads, each with its own
connection, and a reader that must never skip a seq), retention, and `GET /api/v1/events/`.
"""

import random
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from blazz.core import eventlog, events, publisher
from conftest import host_client
from webhooks.outbound.log import event_log_prune


def chat_event(n: int) -> events.ChatUpdated:
    from blazz.tests.test_events import chat_event as sample_chat

    return sample_chat(id=n)


@pytest.fixture
def acme_log(transactional_db, world):
    schema = world.ws_a.schema_name
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{schema}".webhooks_eventlog')
        cursor.execute(f'DELETE FROM "{schema}".webhooks_eventcounter')
    return schema


def test_append_hands_out_consecutive_seqs_read_back_in_order(acme_log):
    now = timezone.now()
    with transaction.atomic():
        first = eventlog.append(acme_log, [(eventlog.new_event_id(), "chat.updated", now, {"n": 1}),
                                           (eventlog.new_event_id(), "message.new", now, {"n": 2})])
    with transaction.atomic():
        second = eventlog.append(acme_log, [(eventlog.new_event_id(), "chat.updated", now, {"n": 3})])

    assert first == [1, 2] and second == [3]
    found = eventlog.after(acme_log, 1, limit=10)
    assert [(e.seq, e.type, e.data) for e in found] == [(2, "message.new", {"n": 2}), (3, "chat.updated", {"n": 3})]
    assert [e.seq for e in eventlog.after(acme_log, 0, limit=10, types=["chat.updated"])] == [1, 3]
    assert found[0].event_id.startswith("evt_") and eventlog.bounds(acme_log) == (0, 3)


def test_a_rolled_back_change_leaves_no_event_and_no_hole(acme_log, monkeypatch):
    monkeypatch.setattr(publisher, "_to_redis", lambda *args: [])
    with pytest.raises(LookupError), transaction.atomic():
        publisher.publish_on_commit(acme_log, chat_event(1))
        raise LookupError
    with transaction.atomic():
        publisher.publish_on_commit(acme_log, chat_event(2))

    assert [(e.seq, e.data["chat"]["id"]) for e in eventlog.after(acme_log, 0, limit=10)] == [(1, 2)]


def test_concurrent_writers_never_let_a_reader_miss_a_lower_seq_that_commits_later(acme_log, monkeypatch):
    """Writers in threads hold their transactions open for random times after publishing; a
    reader polls "after my cursor" all along. With seqs handed out before commit (a plain
    sequence), the reader would see 7 before 6 commits and skip 6 forever."""
    monkeypatch.setattr(publisher, "_to_redis", lambda *args: [])
    writers, per_writer = 6, 25
    done = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def write(index):
        rng = random.Random(index)
        try:
            for n in range(per_writer):
                with transaction.atomic():
                    publisher.publish_on_commit(acme_log, chat_event(index * 1000 + n))
                    time.sleep(rng.uniform(0, 0.004))  # other writes of the transaction
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)
        finally:
            connections.close_all()

    def read():
        cursor = 0
        try:
            while True:
                finished = done.is_set()
                for logged in eventlog.after(acme_log, cursor, limit=50):
                    seen.append(logged.seq)
                    cursor = logged.seq
                if finished:
                    return
        finally:
            connections.close_all()

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    done.set()
    reader.join(60)

    assert errors == []
    total = writers * per_writer
    assert seen == list(range(1, total + 1))  # every seq, once, in order: nothing skipped
    ids = sorted(e.data["chat"]["id"] for e in eventlog.after(acme_log, 0, limit=total + 1))
    assert ids == sorted(i * 1000 + n for i in range(writers) for n in range(per_writer))


def test_a_commit_whose_foreign_key_row_another_writer_holds_does_not_deadlock_on_the_counter(acme_log, monkeypatch):
    """A inserts a contact of number S and publishes; B holds S FOR UPDATE, then publishes. If A's
    deferred foreign-key check ran at COMMIT, after A locked the counter row, A would wait for S
    while B waits for the counter: a deadlock PostgreSQL breaks by failing one of them."""
    from chats.models import Contact
    from sessions_wa.models import WhatsAppSession

    monkeypatch.setattr(publisher, "_to_redis", lambda *args: [])
    with schema_context(acme_log):
        WhatsAppSession.objects.create(id="ws_acme.lockorder", engine="sandbox")
    b_holds_s, errors = threading.Event(), []

    def blocked_on_a_lock() -> bool:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            return cursor.fetchone()[0] > 0

    def writer_a():
        try:
            b_holds_s.wait(10)
            with schema_context(acme_log), transaction.atomic():
                Contact.objects.create(wa_id="6281200000991@c.us", phone="+6281200000991",
                                       session_id="ws_acme.lockorder")
                publisher.publish_on_commit(acme_log, chat_event(1))
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)
        finally:
            connections.close_all()

    def writer_b():
        try:
            with schema_context(acme_log), transaction.atomic():
                WhatsAppSession.objects.select_for_update().get(pk="ws_acme.lockorder")
                b_holds_s.set()
                deadline = time.monotonic() + 10
                while not blocked_on_a_lock():  # A is committing and waits for S
                    assert time.monotonic() < deadline, "A never waited for the session row"
                    time.sleep(0.01)
                publisher.publish_on_commit(acme_log, chat_event(2))
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer_b), threading.Thread(target=writer_a)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert sorted(e.data["chat"]["id"] for e in eventlog.after(acme_log, 0, limit=10)) == [1, 2]


def test_retention_deletes_old_events_and_a_resume_from_before_them_must_resync(acme_log, settings):
    long_ago, now = timezone.now() - timedelta(days=8), timezone.now()
    with transaction.atomic():
        eventlog.append(acme_log, [(eventlog.new_event_id(), "chat.updated", long_ago, {}),
                                   (eventlog.new_event_id(), "chat.updated", long_ago, {}),
                                   (eventlog.new_event_id(), "chat.updated", now, {})])
    settings.EVENT_LOG_RETENTION_DAYS = 7

    with schema_context(acme_log):
        assert event_log_prune() == 2

    assert [e.seq for e in eventlog.after(acme_log, 0, limit=10)] == [3]
    assert eventlog.resume_problem(acme_log, 1) == "older_than_log"
    assert eventlog.resume_problem(acme_log, 2) is None
    assert eventlog.resume_problem(acme_log, 4) == "ahead_of_log"


def test_events_api_pages_in_seq_order_and_says_when_to_resync(acme_log, world):
    now = timezone.now()
    with transaction.atomic():
        eventlog.append(acme_log, [(eventlog.new_event_id(), t, now, {"i": i})
                                   for i, t in enumerate(["chat.updated", "message.new", "chat.updated"])])
    client = host_client(world.ws_a, world.agent_a)

    page = client.get("/api/v1/events/?after_seq=0&limit=2").json()
    assert [e["seq"] for e in page["events"]] == [1, 2] and page["has_more"] and page["next_after_seq"] == 2
    first = page["events"][0]
    assert set(first) == {"id", "type", "workspace", "seq", "occurred_at", "data"}
    assert first["workspace"] == acme_log and first["id"].startswith("evt_") and first["data"] == {"i": 0}
    rest = client.get("/api/v1/events/?after_seq=2").json()
    assert [e["seq"] for e in rest["events"]] == [3] and not rest["has_more"]
    only = client.get("/api/v1/events/?types=message.new").json()
    assert [e["type"] for e in only["events"]] == ["message.new"]

    bad = client.get("/api/v1/events/?types=nope")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_request"
    ahead = client.get("/api/v1/events/?after_seq=99")
    assert ahead.status_code == 410 and ahead.json()["error"]["code"] == "resync_required"


def test_a_workspace_never_reads_another_workspaces_events(acme_log, world):
    with transaction.atomic():
        eventlog.append(acme_log, [(eventlog.new_event_id(), "chat.updated", timezone.now(), {"secret": 1})])

    globex = host_client(world.ws_b, world.agent_b).get("/api/v1/events/?after_seq=0").json()
    assert all(e["workspace"] == world.ws_b.schema_name for e in globex["events"])
    assert not any(e["data"] == {"secret": 1} for e in globex["events"])
    # An acme member's session is refused on globex's host.
    assert host_client(world.ws_b, world.agent_a).get("/api/v1/events/").status_code in (401, 403)
