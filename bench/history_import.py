"""History import: a newly linked sandbox number brings CHATS chats of MESSAGES messages each
(10,000 by default: the sandbox's `history` option, WhatsApp Web's import as whatsapp-web.js hands
it over), delivered by the bridge in batches (BRIDGE_OUTBOX_BATCH_MAX=BATCH). Measures the time
from creating the session to every message stored and the chat list showing every chat (what the
inbox shows), and checks: each message once, unread counts from chat.unread only (history adds
none). Prints one JSON line. Aim (issue 18): 10,000 messages visible in <= 15 s.
"""

from __future__ import annotations

import os
import time

from _lib import bench_database, emit, log, rounded, running_stack, server_urls, workspace_with_session

CHATS = int(os.environ.get("CHATS", "100"))
MESSAGES = int(os.environ.get("MESSAGES", "100"))
BATCH = int(os.environ.get("BATCH", "100"))
TIMEOUT_S = float(os.environ.get("TIMEOUT_S", "300"))


def stored(schema: str) -> tuple[int, int, int, int]:
    from django.db.models import Count, Sum
    from django_tenants.utils import schema_context

    from chats.models import Contact, Message

    with schema_context(schema):
        messages = Message.objects.filter(history=True).count()
        twice = Message.objects.values("wa_message_id").annotate(n=Count("id")).filter(n__gt=1).count()
        chats = Contact.objects.filter(last_message_at__isnull=False).count()
        unread = Contact.objects.aggregate(total=Sum("unread_count"))["total"] or 0
    return messages, twice, chats, unread


def main() -> None:
    _, redis_url = server_urls()
    total = CHATS * MESSAGES
    env = {"BRIDGE_OUTBOX_BATCH_MAX": str(BATCH)}
    with bench_database("history_import") as url, running_stack(url, redis_url, env=env) as stack:
        import httpx

        started = time.monotonic()
        workspace, key, _session = workspace_with_session("history", options={
            "qr_scan_delay_ms": 0, "auto_reply": False, "seed": 1,
            "history": {"chats": CHATS, "messages": MESSAGES}})
        deadline, last_log = started + TIMEOUT_S, 0.0
        while True:
            messages, twice, chats, unread = stored(workspace.schema_name)
            now = time.monotonic()
            if messages >= total and chats >= CHATS or now > deadline:
                break
            if now - last_log > 5:
                log(f"{messages}/{total} messages, {chats} chats after {now - started:.1f}s")
                last_log = now
            time.sleep(0.1)
        seconds = time.monotonic() - started
        with httpx.Client(base_url=stack.web_url, headers={"Host": workspace.host, "Authorization": f"Bearer {key}"},
                          timeout=15) as api:
            listed = len(api.get("/api/v1/chats/", params={"page_size": 100}).json()["results"])
        samples = stack.metrics()
        # Django's share of the time: the batches' apply (blazz_bridge_webhook_apply_seconds), summed.
        applying = sum(value for (name, *labels), value in samples.items()
                       if name == "blazz_bridge_webhook_apply_seconds_sum" and ("kind", "batch") in labels)
        batches = sum(value for (name, *labels), value in samples.items()
                      if name == "blazz_bridge_webhook_apply_seconds_count" and ("kind", "batch") in labels)
    emit({"bench": "history_import", "messages": messages, "expected": total, "chats": chats,
          "seconds_to_visible": rounded(seconds, 2), "messages_per_s": rounded(messages / seconds),
          "duplicated": twice, "unread_total": unread, "chat_list_rows": listed, "batch": BATCH,
          "django_apply_s": rounded(applying, 2), "batch_posts": int(batches),
          "aim_s": 15, "samples": 1})


if __name__ == "__main__":
    main()
