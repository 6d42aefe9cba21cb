"""`GET /api/health/` (blazz/health.py): every part named, 200 only when all answer.

The integration tests ask the real stack (daphne, the Celery worker, the bridge) and stop the
bridge for a while; PostgreSQL and Redis are shared by the whole suite, so their outages are
simulated in-process by pointing the checks at an address where nothing (or nothing useful)
listens.
"""

from __future__ import annotations

import socket
import threading

import pytest
from django.db import connections

from blazz import health
from blazz.dev.realstack import free_port, wait_until
from conftest import host_client

PARTS = {"postgres", "redis", "worker", "bridge"}


def get_health(stack, host: str):
    with stack.http(host, Authorization=f"Bearer {stack.bridge_token}") as client:
        return client.get("/api/health/")


@pytest.fixture(autouse=True)
def metrics_token(settings):
    settings.METRICS_TOKEN = "test-metrics-token"
    return settings.METRICS_TOKEN


def operator_client(**kwargs):
    return host_client(HTTP_AUTHORIZATION="Bearer test-metrics-token", **kwargs)


def assert_health_json(response, status: int, failing: list[str]):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    report = response.json()
    assert set(report["checks"]) == PARTS
    assert report["failing"] == failing
    assert report["status"] == ("ok" if not failing else "degraded")
    for name, check in report["checks"].items():
        assert check["ok"] is (name not in failing), (name, check)
        if name in failing:
            assert check["error"]
    return report


# --- the real stack ------------------------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.django_db
def test_health_is_200_with_every_part_ok_on_the_public_and_a_workspace_host(stack, stack_a):
    for host in ("localhost", stack_a.host):
        report = assert_health_json(get_health(stack, host), 200, [])

        assert any(f"w{stack.web_port}@" in name for name in report["checks"]["worker"]["workers"])
        assert {"node", "sessions", "outbox"} <= set(report["checks"]["bridge"])


@pytest.mark.integration
@pytest.mark.django_db
def test_health_is_503_naming_the_bridge_while_it_is_down(stack, stack_a):
    stack.bridge.stop()
    try:
        for host in ("localhost", stack_a.host):
            report = assert_health_json(get_health(stack, host), 503, ["bridge"])
            assert "Connect" in report["checks"]["bridge"]["error"]  # httpx.ConnectError: refused
    finally:
        stack.bridge.start()
        stack.wait_bridge()

    wait_until(lambda: get_health(stack, "localhost").status_code == 200, 10, 0.2, "health to be 200 again")


# --- PostgreSQL and Redis down, in-process ---------------------------------------------------------------------


@pytest.fixture
def worker_and_bridge_up(monkeypatch):
    """Only the part under test can fail: no worker or bridge runs in a unit test."""
    monkeypatch.setitem(health.CHECKS, "worker", lambda: {"workers": ["stub@test"]})
    monkeypatch.setitem(health.CHECKS, "bridge", lambda: {})


@pytest.fixture
def unanswering_server():
    """A TCP port that accepts connections and never says a word (a frozen server)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]
    # Closing the listener resets the queued connections: the abandoned check thread ends too.


def point_postgres_at(monkeypatch, port: int):
    # A check runs in its own thread, whose connection is made from this same settings dict.
    settings_dict = connections["default"].settings_dict
    monkeypatch.setitem(settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(settings_dict, "PORT", str(port))


def test_health_is_503_naming_postgres_when_nothing_listens_at_its_address(world, monkeypatch, worker_and_bridge_up):
    point_postgres_at(monkeypatch, free_port())

    for client in (operator_client(), host_client(world.ws_a, HTTP_AUTHORIZATION="Bearer test-metrics-token")):
        report = assert_health_json(client.get("/api/health/"), 503, ["postgres"])
        assert "OperationalError" in report["checks"]["postgres"]["error"]


def test_health_is_503_naming_postgres_when_it_accepts_and_never_answers(db, monkeypatch, worker_and_bridge_up,
                                                                       unanswering_server):
    point_postgres_at(monkeypatch, unanswering_server)

    report = assert_health_json(operator_client().get("/api/health/"), 503, ["postgres"])

    assert report["checks"]["postgres"]["error"] == f"no answer within {health.REPORT_DEADLINE_SECONDS:g} s"


def test_health_is_503_naming_redis_when_nothing_listens_at_its_address(world, settings, worker_and_bridge_up):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"

    for client in (operator_client(), host_client(world.ws_a, HTTP_AUTHORIZATION="Bearer test-metrics-token")):
        report = assert_health_json(client.get("/api/health/"), 503, ["redis"])
        assert "ConnectionError" in report["checks"]["redis"]["error"]


def test_health_is_503_naming_redis_when_it_accepts_and_never_answers(db, settings, worker_and_bridge_up,
                                                                    unanswering_server):
    settings.REDIS_URL = f"redis://127.0.0.1:{unanswering_server}/0"

    report = assert_health_json(operator_client().get("/api/health/"), 503, ["redis"])

    assert "Timeout" in report["checks"]["redis"]["error"]


def test_every_failing_part_is_named(db, monkeypatch, settings):
    point_postgres_at(monkeypatch, free_port())
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.BRIDGE_URL = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setitem(health.CHECKS, "worker", lambda: {"workers": ["stub@test"]})

    assert_health_json(operator_client().get("/api/health/"), 503, ["bridge", "postgres", "redis"])


def test_the_checks_run_side_by_side(monkeypatch):
    # Each check waits for all the others: run one after another, the first would time out.
    everyone_started = threading.Barrier(len(health.CHECKS), timeout=5)

    def meet():
        everyone_started.wait()
        return {}

    for name in list(health.CHECKS):
        monkeypatch.setitem(health.CHECKS, name, meet)

    report = health.run_checks()

    assert report["failing"] == [] and report["status"] == "ok"


def test_a_check_that_never_returns_is_reported_and_does_not_hold_the_report(monkeypatch):
    release = threading.Event()
    for name in list(health.CHECKS):
        monkeypatch.setitem(health.CHECKS, name, lambda: {})
    monkeypatch.setitem(health.CHECKS, "bridge", lambda: release.wait(60) and {})
    try:
        report = health.run_checks()
    finally:
        release.set()

    assert report["failing"] == ["bridge"]
    assert report["checks"]["bridge"]["error"].startswith("no answer within")


def test_anyone_gets_the_status_only_and_an_operator_the_detail(db, monkeypatch, settings):
    for name in list(health.CHECKS):
        monkeypatch.setitem(health.CHECKS, name, lambda: {"workers": ["worker@secret-host"]})

    anonymous = host_client().get("/api/health/")
    wrong = host_client(HTTP_AUTHORIZATION="Bearer not-the-token").get("/api/health/")
    operator = operator_client().get("/api/health/")
    bridge = host_client(HTTP_AUTHORIZATION=f"Bearer {settings.BRIDGE_TOKEN}").get("/api/health/")

    assert anonymous.status_code == 200 and anonymous.json() == {"status": "ok"}
    assert wrong.json() == {"status": "ok"}
    assert set(operator.json()["checks"]) == PARTS
    assert b"secret-host" in operator.content and b"secret-host" not in anonymous.content
    if settings.BRIDGE_TOKEN:
        assert "checks" in bridge.json()


def test_an_anonymous_check_still_says_503_when_a_part_fails(db, monkeypatch):
    for name in list(health.CHECKS):
        monkeypatch.setitem(health.CHECKS, name, lambda: {})
    monkeypatch.setitem(health.CHECKS, "bridge", lambda: 1 / 0)

    response = host_client().get("/api/health/")

    assert response.status_code == 503 and response.json() == {"status": "degraded"}
