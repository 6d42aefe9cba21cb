"""Broadcast pacing accuracy: a broadcast to more customers than fit in DURATION seconds, on a
number whose governor allows CAP sends a minute (no random delay), through the real worker, Redis
governor and bridge (sandbox). After DURATION seconds (600: the issue's ten minutes) it counts the
recipients handed to the send path and reports the achieved rate against the cap."""

from __future__ import annotations

import os
import time

from _lib import (bench_database, emit, log, rounded, running_stack, server_urls, wait_session_connected,
                  workspace_with_session)

CAP = int(os.environ.get("CAP", "60"))
DURATION = float(os.environ.get("DURATION", "600"))


def main() -> None:
    _, redis_url = server_urls()
    with bench_database("broadcast_pacing") as url, running_stack(url, redis_url) as stack:
        from django_tenants.utils import schema_context

        from chats.automation.models import BroadcastRecipient, SendLimits
        from chats.automation.services import broadcasts
        from chats.automation.services.templates import template_save
        from chats.services import contact_create

        workspace, _key, session = workspace_with_session("pacing")
        wait_session_connected(workspace, session)
        count = int(CAP * DURATION / 60) + CAP
        with schema_context(workspace.schema_name):
            SendLimits.objects.create(session=session, per_minute=CAP, per_hour=100_000, per_day=1_000_000,
                                      min_delay_ms=0, max_delay_ms=0, warmup_days=0)
            for n in range(count):
                contact_create(phone=f"+62815{n:08d}", name=f"C{n}")[0].labels.add(label)
            template = template_save(name="Pace", body="Halo {{contact.name}}")
            broadcast, _ = broadcasts.broadcast_create(name="pace", template_id=template.pk, session_id=session.pk,
                                                       audience={"labels": ["pace"]})
            broadcasts.broadcast_start(broadcast=broadcast)
            started = time.monotonic()
            time.sleep(DURATION)
            sent_at = sorted(BroadcastRecipient.objects.filter(broadcast=broadcast, sent_at__isnull=False)
                             .values_list("sent_at", flat=True))
            broadcasts.broadcast_cancel(broadcast=broadcast)
        elapsed = (sent_at[-1] - sent_at[0]).total_seconds() if len(sent_at) > 1 else 0
        achieved = (len(sent_at) - 1) / elapsed * 60 if elapsed else 0
        log(f"{len(sent_at)} sent in {time.monotonic() - started:.0f}s")
        emit({"bench": "broadcast_pacing", "cap_per_minute": CAP, "duration_s": DURATION, "sent": len(sent_at),
              "achieved_per_minute": rounded(achieved, 2), "achieved_vs_cap": rounded(achieved / CAP, 3)})


if __name__ == "__main__":
    main()
