"""`GET /api/health/` on any host: PostgreSQL, Redis, the Celery worker and the bridge.

200 when every part answers, 503 otherwise. Anyone gets `{"status"}` only (a load balancer's
readiness); the parts, their failures, worker host names and the bridge's sessions and outbox
only with `Authorization: Bearer` the metrics token (METRICS_TOKEN) or the bridge token, as the
bridge's own /health does. The checks run side by side,
each with a short timeout, so a dead part costs about one timeout, not the sum of them.
"""

from __future__ import annotations

import hmac
import threading
import time

import httpx
import redis
from django.conf import settings
from django.db import connections
from django.http import JsonResponse

CHECK_TIMEOUT_SECONDS = 1.5
# The report waits at most this long in all. Each check passes CHECK_TIMEOUT_SECONDS to its
# client, but not every client keeps to it: libpq has no timeout for a server that accepts the
# connection and never answers (a frozen PostgreSQL: it would wait for ever), and kombu retries a
# dead broker for about 7 s before the worker ping gives up. Twice the check timeout: the first
# report of a fresh process also pays for imports and connection set-up, several times slower on a
# loaded machine, and that must not read as an outage.
REPORT_DEADLINE_SECONDS = 2 * CHECK_TIMEOUT_SECONDS


def check_postgres():
    # A connection of its own, not one from the pool: the question is whether PostgreSQL answers
    # at its address now, not whether the pool still holds a connection made earlier.
    wrapper = connections["default"]
    try:
        connection = wrapper.Database.connect(**wrapper.get_connection_params())
        try:
            connection.execute("SELECT 1")
        finally:
            connection.close()
    finally:
        connections.close_all()  # this ran in a worker thread: leave nothing open in it
    return {}


def check_redis():
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=CHECK_TIMEOUT_SECONDS,
                                  socket_connect_timeout=CHECK_TIMEOUT_SECONDS)
    try:
        client.ping()
    finally:
        client.close()
    return {}


def check_worker():
    from blazz.celery import app

    replies = app.control.ping(timeout=CHECK_TIMEOUT_SECONDS, limit=1)
    if not replies:
        raise RuntimeError("no Celery worker answered a ping")
    return {"workers": [name for reply in replies for name in reply]}


def check_bridge():
    """The registry's nodes when bridge nodes heartbeat (ok while one is live); else BRIDGE_URL's /health."""
    from sessions_wa.placement import nodes_report

    try:
        nodes = nodes_report()
    finally:
        connections.close_all()  # a worker thread: leave nothing open in it
    if nodes:
        live = [node for node in nodes if node["live"]]
        if not live:
            raise RuntimeError(f"no bridge node heartbeat within {settings.BRIDGE_NODE_TIMEOUT:g} s")
        return {"nodes": nodes}
    response = httpx.get(
        f"{settings.BRIDGE_URL}/health", timeout=CHECK_TIMEOUT_SECONDS,
        headers={"Authorization": f"Bearer {settings.BRIDGE_TOKEN}"},
    )
    response.raise_for_status()
    body = response.json()
    return {**{key: body[key] for key in ("node", "sessions", "outbox") if key in body}, "nodes": []}


CHECKS = {"postgres": check_postgres, "redis": check_redis, "worker": check_worker, "bridge": check_bridge}


def _timed(check):
    started = time.monotonic()
    try:
        detail = check()
        return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1), **detail}
    except Exception as exc:  # a health check reports every failure; it never raises
        return {"ok": False, "ms": round((time.monotonic() - started) * 1000, 1),
                "error": f"{type(exc).__name__}: {exc}"[:300]}


def run_checks() -> dict:
    finished: dict[str, dict] = {}

    def run(name, check):
        finished[name] = _timed(check)

    # Daemon threads, not a pool: a check stuck past the deadline is abandoned (it ends when its
    # client gives up) and must not hold up the report, nor the process when it exits.
    threads = [threading.Thread(target=run, args=(name, check), name=f"health-{name}", daemon=True)
               for name, check in CHECKS.items()]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, started + REPORT_DEADLINE_SECONDS - time.monotonic()))
    results = {}
    for name in CHECKS:
        results[name] = finished.get(name) or {
            "ok": False, "ms": round((time.monotonic() - started) * 1000, 1),
            "error": f"no answer within {REPORT_DEADLINE_SECONDS:g} s",
        }
    failing = sorted(name for name, result in results.items() if not result["ok"])
    return {"status": "ok" if not failing else "degraded", "failing": failing, "checks": results}


def may_see_detail(request) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return False
    return any(secret and hmac.compare_digest(token.encode(), secret.encode())
               for secret in (settings.METRICS_TOKEN, settings.BRIDGE_TOKEN))


def health_view(request):
    report = run_checks()
    status = 200 if not report["failing"] else 503
    if not may_see_detail(request):
        report = {"status": report["status"]}
    return JsonResponse(report, status=status)
