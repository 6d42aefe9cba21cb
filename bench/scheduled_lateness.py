"""Scheduled-send lateness: MESSAGES messages scheduled through the API at times spread over the
next SPREAD seconds, with the real beat (its sweep every SCHEDULED_SWEEP_SECONDS), worker and
bridge. Lateness: from send_at to the moment the message entered the send path (its row), and to
the bridge's answer (sent_at). Prints p50 and p99 in seconds. Scheduled sends go through the send
governor: the bench gives its number caps the 40 sends never meet and no random delay, so what it
measures is the sweep, not the pacing (bench/broadcast_pacing.py measures that)."""

from __future__ import annotations

import datetime as dt
import os
import time

from _lib import (bench_database, emit, log, percentile, rounded, running_stack, server_urls,
                  wait_session_connected, workspace_with_session)

MESSAGES = int(os.environ.get("MESSAGES", "40"))
SPREAD = float(os.environ.get("SPREAD", "60"))


def main() -> None:
    _, redis_url = server_urls()
    with bench_database("scheduled_lateness") as url, running_stack(url, redis_url) as stack:
        from django_tenants.utils import schema_context

        from blazz.dev.realstack import Process, wait_until
        from chats.automation.models import ScheduledMessage, SendLimits
        from chats.automation.services.schedules import scheduled_create
        from chats.services import SendRequest, contact_create

        workspace, _key, session = workspace_with_session("lateness")
        wait_session_connected(workspace, session)
        beat = Process("beat", [str(stack.worker.argv[0]), "-A", "blazz", "beat", "-l", "WARNING"], stack.env, stack.dir)
        beat.start()
        try:
            now = dt.datetime.now(dt.timezone.utc)
            with schema_context(workspace.schema_name):
                SendLimits.objects.create(session_id=session.pk, per_minute=10_000, per_hour=100_000, per_day=1_000_000,
                                          min_delay_ms=0, max_delay_ms=0, warmup_days=0)
                contact, _ = contact_create(phone="+6281600000001")
                for n in range(MESSAGES):
                    send_at = now + dt.timedelta(seconds=10 + SPREAD * n / MESSAGES)
                    scheduled_create(contact=contact, client_id=f"late-{n}", send_at=send_at,
                                     request=SendRequest(type="text", body=f"scheduled {n}"))

                def all_sent():
                    rows = ScheduledMessage.objects.filter(status="sent", message__sent_at__isnull=False)
                    return rows.count() == MESSAGES

                wait_until(all_sent, SPREAD + 120, 0.5, "every scheduled message sent")
                rows = list(ScheduledMessage.objects.select_related("message"))
        finally:
            beat.stop()
        queued = [(r.message.created_at - r.send_at).total_seconds() for r in rows]
        sent = [(r.message.sent_at - r.send_at).total_seconds() for r in rows]
        log(f"{len(rows)} scheduled messages")
        emit({"bench": "scheduled_lateness", "messages": MESSAGES,
              "to_send_path_s_p50": rounded(percentile(queued, 50), 2), "to_send_path_s_p99": rounded(percentile(queued, 99), 2),
              "to_sent_s_p50": rounded(percentile(sent, 50), 2), "to_sent_s_p99": rounded(percentile(sent, 99), 2)})


if __name__ == "__main__":
    main()
