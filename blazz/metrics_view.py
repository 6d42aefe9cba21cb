"""`GET /metrics` on any host: Prometheus text of every web and worker process (blazz/core/metrics.py)
and the figures read when scraped (Celery queue depths, bridge nodes). Only with `Authorization:
Bearer $METRICS_TOKEN`: 401 without it or with a wrong one, 404 while METRICS_TOKEN is unset."""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.http import HttpResponse, JsonResponse

from blazz.core import metrics  # noqa: F401  (sets the multiprocess directory before prometheus_client loads)
from blazz.core.errors import ErrorCode, error_body
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

# Celery's Redis transport keeps a queue's messages of each priority step in its own list.
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


class ScrapeTimeCollector:
    """What is not counted by our processes: read from Redis and the nodes registry at scrape time."""

    def collect(self):
        yield from self._queues()
        yield from self._nodes()

    def _queues(self):
        import redis

        family = GaugeMetricFamily("blazz_celery_queue_depth", "Tasks waiting in a Celery queue", labels=["queue"])
        try:
            client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)
            with client.pipeline(transaction=False) as pipe:
                for queue in settings.METRICS_CELERY_QUEUES:
                    for suffix in _PRIORITY_SUFFIXES:
                        pipe.llen(queue + suffix)
                lengths = pipe.execute()
        except Exception:  # a scrape reports what it can
            logger.warning("could not read the Celery queue depths", exc_info=True)
            return
        steps = len(_PRIORITY_SUFFIXES)
        for index, queue in enumerate(settings.METRICS_CELERY_QUEUES):
            family.add_metric([queue], sum(lengths[index * steps:(index + 1) * steps]))
        yield family

    def _nodes(self):
        from nodes.models import BridgeNode

        sessions = GaugeMetricFamily("blazz_node_sessions", "Sessions on a bridge node by status (its last heartbeat)",
                                     labels=["node", "status"])
        outbox = GaugeMetricFamily("blazz_node_outbox_depth", "Events a bridge node has not delivered yet",
                                   labels=["node"])
        dead = GaugeMetricFamily("blazz_node_dead_letters", "Events a bridge node keeps dead-lettered (on disk)",
                                 labels=["node"])
        rss = GaugeMetricFamily("blazz_node_rss_bytes", "A bridge node's resident memory", labels=["node"])
        try:
            nodes = list(BridgeNode.objects.values_list("id", "load", "rss_bytes"))
        except Exception:
            logger.warning("could not read the bridge nodes", exc_info=True)
            return
        for node_id, load, rss_bytes in nodes:
            load = load or {}
            for status, count in (load.get("sessions") or {}).items():
                sessions.add_metric([node_id, status], count)
            outbox.add_metric([node_id], load.get("outbox_depth", 0))
            dead.add_metric([node_id], load.get("dead_letters", 0))
            rss.add_metric([node_id], rss_bytes or 0)
        yield from (sessions, outbox, dead, rss)


class _ThisProcess:
    """Outside multiprocess mode (a shell, the test process): this process's own samples."""

    def collect(self):
        from prometheus_client import REGISTRY

        yield from REGISTRY.collect()


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if settings.PROMETHEUS_MULTIPROC_DIR:
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(ScrapeTimeCollector())
    return registry


def _token_ok(request) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return (scheme.lower() == "bearer" and bool(token)
            and hmac.compare_digest(token.encode(), settings.METRICS_TOKEN.encode()))


def metrics_view(request):
    if not settings.METRICS_TOKEN:
        return JsonResponse(error_body(ErrorCode.NOT_FOUND, "Metrics are disabled (METRICS_TOKEN is unset)."),
                            status=404)
    if not _token_ok(request):
        return JsonResponse(error_body(ErrorCode.UNAUTHORIZED, "Missing or wrong metrics token."), status=401)
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
