"""THE metrics of web and worker (Prometheus, `prometheus-client` in multiprocess mode).

Every daphne process and every Celery pool process writes its samples to files in
PROMETHEUS_MULTIPROC_DIR (settings: `<data dir>/prometheus`, wiped by the dev runner and the test
stack before anything starts, as prometheus-client asks); `GET /metrics` on the web (blazz/metrics_view.py)
adds them up across processes. What lives elsewhere is read when scraped: Celery queue depths
(Redis), sessions, outbox depth and dead letters per bridge node (the nodes registry: the bridge
keeps dead letters on disk, so the figure survives restarts of both sides).

Names are prefixed `blazz_`. docs/operations.md "Metrics" lists them; docs/grafana-dashboard.json
plots them.
"""

from __future__ import annotations

import os
import time

from django.conf import settings

# prometheus-client chooses its multiprocess storage when first imported: the directory must be
# known before that.
if settings.PROMETHEUS_MULTIPROC_DIR:
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(settings.PROMETHEUS_MULTIPROC_DIR))
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

from prometheus_client import Counter, Gauge, Histogram  # noqa: E402

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

messages = Counter("blazz_messages", "Messages stored, by direction (in, out) and type",
                   ["direction", "type"])
message_status = Counter("blazz_message_status", "Outbound messages reaching a status (sent, delivered, "
                         "read, played, failed)", ["status"])
sends = Counter("blazz_sends", "Hand-overs of a pending message to the bridge, by outcome (done, retry, failed)",
                ["outcome"])
send_to_sent = Histogram("blazz_send_to_sent_seconds", "From the pending message stored to its first grey tick",
                         buckets=LATENCY_BUCKETS)
webhook_apply = Histogram("blazz_bridge_webhook_apply_seconds", "Applying one bridge webhook POST (kind: "
                          "event, batch, heartbeat)", ["kind"], buckets=LATENCY_BUCKETS)
webhook_events = Counter("blazz_bridge_webhook_events", "Bridge events by result (applied, duplicate, "
                         "rejected)", ["result"])
event_to_frame = Histogram("blazz_event_to_frame_seconds", "From an event's publish (after its commit) to its "
                           "frame on a socket", buckets=LATENCY_BUCKETS)
sockets = Gauge("blazz_sockets", "Open inbox WebSockets", multiprocess_mode="livesum")
crm_webhook_deliveries = Counter("blazz_crm_webhook_deliveries", "Outgoing CRM webhook attempts by outcome "
                                 "(succeeded, failed, gone)", ["outcome"])


def observe_since(histogram, started: float, **labels) -> None:
    """`started`: a time.monotonic() reading."""
    (histogram.labels(**labels) if labels else histogram).observe(time.monotonic() - started)
