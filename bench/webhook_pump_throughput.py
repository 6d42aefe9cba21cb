"""Outgoing webhooks, the delivery side alone: deliveries/s one worker process sustains for one
endpoint. EVENTS events are written to a workspace's event log, then the pump
(webhooks/outbound/delivery.py, the code the Celery task runs) delivers them, page after page, to
a real HTTP receiver on 127.0.0.1 (webhooks/tests/receiver.py), signed. No inbound path and no
Celery hop between pages: webhook_delivery.py measures the whole way. ROUNDS rounds; the median.
Checks that every event arrived once, in seq order. Prints one JSON line.
"""

from __future__ import annotations

import os
import time

from _lib import bench_database, django_setup, emit, log, median, rounded, server_urls

EVENTS = int(os.environ.get("EVENTS", "2000"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))


def main() -> None:
    database_url, _ = server_urls()
    with bench_database("pump") as url:
        django_setup(url)
        from django.conf import settings
        from django.db import connection, transaction
        from django.utils import timezone
        from django_tenants.utils import schema_context

        from blazz.core import eventlog
        from webhooks.models import WebhookEndpoint
        from webhooks.outbound import delivery, endpoints
        from webhooks.tests.receiver import Receiver
        from workspaces import services

        settings.WEBHOOKS_ALLOW_PRIVATE = True
        connection.set_schema_to_public()
        owner = services.user_get_or_create(email="owner@pump.bench", password="x" * 20)
        workspace = services.workspace_create(slug="pump", name="Pump", owner=owner)
        rates, ordered, exact = [], True, True
        with schema_context(workspace.schema_name):
            schema = workspace.schema_name
            for round_ in range(ROUNDS):
                receiver = Receiver()
                endpoint = WebhookEndpoint.objects.create(url=receiver.url, events=["*"], secret=endpoints.new_secret(),
                                                          delivered_seq=eventlog.bounds(schema)[1])
                now = timezone.now()
                with transaction.atomic():
                    eventlog.append(schema, [(eventlog.new_event_id(), "message.new", now, {"message": {"body": f"m{i}"}})
                                             for i in range(EVENTS)])
                started = time.monotonic()
                while delivery.endpoint_pump(endpoint_id=endpoint.pk) == 0:
                    pass
                elapsed = time.monotonic() - started
                seqs = [e["seq"] for e in receiver.envelopes()]
                ordered &= seqs == sorted(seqs)
                exact &= len(seqs) == len(set(seqs)) == EVENTS
                receiver.close()
                rates.append(EVENTS / elapsed)
                log(f"round {round_ + 1}: {EVENTS} deliveries in {elapsed:.2f}s")
    emit({"bench": "webhook_pump_throughput", "events": EVENTS, "deliveries_per_s_one_worker": rounded(median(rates)),
          "rounds_per_s": [rounded(r) for r in rates], "in_seq_order": ordered, "every_event_once": exact})


if __name__ == "__main__":
    main()
