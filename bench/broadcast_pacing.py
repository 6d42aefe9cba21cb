"""Broadcast pacing accuracy: a broadcast to more customers than fit in DURATION seconds, on a
number whose governor allows CAP sends a minute (no random delay), through the real worker, Redis
governor and bridge (sandbox). After DURATION seconds (600: the issue's ten minutes) it counts the
recipients handed to the send path and reports the achieved rate against the cap, and the most
sends in any 60-second window (the cap must hold in every minute, not only on average).

ROUNDS broadcasts one after the other (each its own recipients); the figure is their median.
A scaled run (DURATION=120) measures the same thing over two-minute windows."""

from __future__ import annotations

import os
import time

from _lib import (bench_database, emit, log, median, rounded, running_stack, server_urls, wait_session_connected,
                  workspace_with_session)

CAP = int(os.environ.get("CAP", "60"))
DURATION = float(os.environ.get("DURATION", "600"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))


def one_round(round_no: int, session, template) -> dict:
    from chats.automation.models import BroadcastRecipient
    from chats.automation.services import broadcasts
    from chats.models import Label
    from chats.services import contact_create

    count = int(CAP * DURATION / 60) + CAP
    label = Label.objects.create(name=f"pace-{round_no}")
    for n in range(count):
        contact_create(phone=f"+628{15 + round_no}{n:08d}", name=f"C{n}")[0].labels.add(label)
    broadcast, _ = broadcasts.broadcast_create(name=f"pace {round_no}", template_id=template.pk,
                                               session_id=session.pk, audience={"labels": [label.pk]})
    broadcasts.broadcast_start(broadcast=broadcast)
    started = time.monotonic()
    time.sleep(DURATION)
    sent_at = sorted(BroadcastRecipient.objects.filter(broadcast=broadcast, sent_at__isnull=False)
                     .values_list("sent_at", flat=True))
    broadcasts.broadcast_cancel(broadcast=broadcast)
    elapsed = (sent_at[-1] - sent_at[0]).total_seconds() if len(sent_at) > 1 else 0
    achieved = (len(sent_at) - 1) / elapsed * 60 if elapsed else 0
    most_in_a_minute = max((sum(1 for t in sent_at[i:] if (t - start).total_seconds() < 60)
                            for i, start in enumerate(sent_at)), default=0)
    log(f"round {round_no + 1}: {len(sent_at)} sent in {time.monotonic() - started:.0f}s, "
        f"{achieved:.2f}/min, at most {most_in_a_minute} in a minute")
    return {"sent": len(sent_at), "achieved": achieved, "most_in_a_minute": most_in_a_minute}


def main() -> None:
    _, redis_url = server_urls()
    with bench_database("broadcast_pacing") as url, running_stack(url, redis_url) as stack:  # noqa: F841
        from django_tenants.utils import schema_context

        from chats.automation.models import SendLimits
        from chats.automation.services import governor
        from chats.automation.services.templates import template_save

        workspace, _key, session = workspace_with_session("pacing")
        wait_session_connected(workspace, session)
        with schema_context(workspace.schema_name):
            SendLimits.objects.create(session=session, per_minute=CAP, per_hour=100_000, per_day=1_000_000,
                                      min_delay_ms=0, max_delay_ms=0, warmup_days=0)
            governor.reset(session)
            template = template_save(name="Pace", body="Halo {{contact.name}}")
            rounds = [one_round(n, session, template) for n in range(ROUNDS)]
        ratios = [r["achieved"] / CAP for r in rounds]
        emit({"bench": "broadcast_pacing", "cap_per_minute": CAP, "duration_s": DURATION, "rounds": ROUNDS,
              "achieved_vs_cap": rounded(median(ratios), 3),
              "rounds_achieved_vs_cap": [rounded(x, 3) for x in ratios],
              "achieved_per_minute": rounded(median([r["achieved"] for r in rounds]), 2),
              "most_in_any_minute": max(r["most_in_a_minute"] for r in rounds),
              "sent_per_round": [r["sent"] for r in rounds]})


if __name__ == "__main__":
    main()
