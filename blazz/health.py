"""`GET /api/health/` on any host: PostgreSQL, Redis, the Celery worker and the bridge.

200 when every part answers, 503 naming the failing parts otherwise. The checks run side by side,
each with a short timeout, so a dead part costs about one timeout, not the sum of them.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import redis
from django.conf import settings
from django.db import connections
from django.http import JsonResponse

CHECK_TIMEOUT_SECONDS = 1.5


def check_postgres():
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connections.close_all()  # this ran in a worker thread: do not leak its connection
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
    response = httpx.get(
        f"{settings.BRIDGE_URL}/health", timeout=CHECK_TIMEOUT_SECONDS,
        headers={"Authorization": f"Bearer {settings.BRIDGE_TOKEN}"},
    )
    response.raise_for_status()
    body = response.json()
    return {key: body[key] for key in ("node", "sessions", "outbox") if key in body}


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
    with ThreadPoolExecutor(max_workers=len(CHECKS)) as pool:
        futures = {name: pool.submit(_timed, check) for name, check in CHECKS.items()}
        results = {name: future.result() for name, future in futures.items()}
    failing = sorted(name for name, result in results.items() if not result["ok"])
    return {"status": "ok" if not failing else "degraded", "failing": failing, "checks": results}


def health_view(request):
    report = run_checks()
    return JsonResponse(report, status=200 if not report["failing"] else 503)
