"""Auto-reply rule evaluation cost: one inbound message against RULES enabled rules (a mix of
contains, starts-with, exact and regular-expression keywords, none matching: the common case, where
every rule is tried), as the worker runs it (`autoreply_evaluate`), MESSAGES times. Prints the
median and p99 milliseconds per message and the queries it made. Runs in this process against a
migrated bench database (no stack: the figure is the worker's own cost)."""

from __future__ import annotations

import os
import time

from _lib import bench_database, django_setup, emit, log, median, percentile, purge_celery_queue, rounded

RULES = int(os.environ.get("RULES", "100"))
MESSAGES = int(os.environ.get("MESSAGES", "300"))


def main() -> None:
    with bench_database("autoreply_eval") as url:
        django_setup(url)
        from django.db import connection, transaction
        from django.test.utils import CaptureQueriesContext
        from django_tenants.utils import schema_context

        from chats import services
        from chats.automation.services.autoreply import autoreply_evaluate
        from chats.automation.services.rules import rule_save
        from sessions_wa.models import WhatsAppSession
        from workspaces import services as workspaces

        owner = workspaces.user_get_or_create(email="owner@eval.bench", password="bench-password-1")
        workspace = workspaces.workspace_create(slug="evalbench", name="Eval", owner=owner)
        with schema_context(workspace.schema_name):
            session = WhatsAppSession.objects.create(id=f"{workspace.schema_name}.s", engine="sandbox",
                                                     status="connected")
            kinds = ["contains", "starts_with", "exact", "regex"]
            for n in range(RULES):
                kind = kinds[n % 4]
                pattern = rf"^kode\s*{n}x\d+$" if kind == "regex" else f"kata{n}"
                rule_save(name=f"rule {n}", match_type=kind, pattern=pattern, reply_text="ok", stop_here=False)
            timings, queries = [], []
            for i in range(MESSAGES):
                with transaction.atomic():  # as the webhook applies it
                    message = services.message_apply_received(session=session, data={
                        "wa_message_id": f"bench-{i}", "chat_id": f"62811{i % 50:08d}@c.us", "from": "x",
                        "type": "text", "body": f"Halo kak, saya mau tanya soal pesanan nomor {i} yang kemarin ya",
                        "timestamp": time.time()})
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    assert autoreply_evaluate(message_id=message.pk) == []
                    timings.append((time.perf_counter() - started) * 1000)
                queries.append(len(captured.captured_queries))
        purge_celery_queue()
        log(f"{MESSAGES} messages x {RULES} rules")
        emit({"bench": "autoreply_rule_eval", "rules": RULES, "messages": MESSAGES,
              "ms_per_message_p50": rounded(median(timings), 2), "ms_per_message_p99": rounded(percentile(timings, 99), 2),
              "queries_per_message": median(queries)})


if __name__ == "__main__":
    main()
