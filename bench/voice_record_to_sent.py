"""A 30 s voice note, from the moment the agent stops recording to status `sent`: the browser's
WebM/Opus file (made here by ffmpeg the way Chromium's MediaRecorder makes it: Opus in WebM, mono,
48 kHz) is uploaded (`POST /api/v1/media/`), sent as a voice message, and the Celery worker turns
it into OGG/Opus and measures its waveform (real ffmpeg) before handing it to the bridge (sandbox
engine, which acks `sent` at once); the `message.ack` webhook stamps `sent_at`.

Latency = `sent_at` minus the client's clock when the recording stopped (same machine, same clock).
NOTES notes one after another, after one warm-up. Split: upload, POST send -> stored,
stored -> sent (which holds the worker's transcode). Prints one JSON line.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time

from _lib import (bench_database, emit, log, median, percentile, rounded, running_stack, server_urls,
                  wait_session_connected, workspace_with_session)

NOTES = int(os.environ.get("NOTES", "5"))
SECONDS = float(os.environ.get("VOICE_SECONDS", "30"))


def browser_recording(seconds: float) -> bytes:
    """Speech-like audio (a warbling tone with pauses) as Chromium records it: WebM/Opus 48 kHz mono."""
    graph = "sine=frequency=220:sample_rate=48000,volume='0.5+0.5*sin(2*PI*t*3)':eval=frame"
    return subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-t", str(seconds), "-i", graph,
                           "-ac", "1", "-c:a", "libopus", "-b:a", "32k", "-f", "webm", "pipe:1"],
                          capture_output=True, check=True).stdout


def send_one(api, contact_id: int, data: bytes, client_id: str) -> dict:
    stopped = time.time()  # the agent lets go of the record button
    media = api.post("/api/v1/media/", files={"file": (f"{client_id}.webm", data, "audio/webm;codecs=opus")})
    media.raise_for_status()
    uploaded = time.time()
    posted = api.post(f"/api/v1/contacts/{contact_id}/messages/",
                      json={"client_id": client_id, "type": "voice", "media_id": media.json()["id"]})
    posted.raise_for_status()
    return {"stopped": stopped, "uploaded": uploaded}


def wait_sent(schema: str, client_id: str, timeout: float = 120):
    from django_tenants.utils import schema_context

    from blazz.dev.realstack import wait_until
    from chats.models import Message

    def row():
        with schema_context(schema):
            return (Message.objects.filter(client_id=client_id, sent_at__isnull=False)
                    .values_list("created_at", "sent_at").first())

    return wait_until(row, timeout, 0.05, f"{client_id} to reach sent")


def main() -> None:
    data = browser_recording(SECONDS)
    _, redis_url = server_urls()
    with bench_database("voice_record_to_sent") as url, running_stack(url, redis_url) as stack:
        workspace, key, session = workspace_with_session("voicebench")
        wait_session_connected(workspace, session)
        run = secrets.token_hex(4)
        samples = []
        with stack.http(workspace.host, Authorization=f"Bearer {key}") as api:
            api.timeout = 60
            contact = api.post("/api/v1/contacts/", json={"phone": "+6281300000077"})
            contact.raise_for_status()
            contact_id = contact.json()["id"]
            for i in range(NOTES + 1):
                client_id = f"v{run}-{i}"
                times = send_one(api, contact_id, data, client_id)
                created, sent = wait_sent(workspace.schema_name, client_id)
                if i == 0:
                    continue  # warm-up: the worker's first task imports and connects
                samples.append({
                    "total": (sent.timestamp() - times["stopped"]) * 1000,
                    "upload": (times["uploaded"] - times["stopped"]) * 1000,
                    "stored": (created.timestamp() - times["uploaded"]) * 1000,
                    "to_sent": (sent - created).total_seconds() * 1000,
                })
                log(f"note {i}: {samples[-1]['total']:.0f} ms")
    totals = [s["total"] for s in samples]
    emit({
        "bench": "voice_record_to_sent",
        "note_seconds": SECONDS,
        "note_kb": round(len(data) / 1024, 1),
        "median_ms": rounded(median(totals)),
        "p90_ms": rounded(percentile(totals, 90)),
        "max_ms": rounded(max(totals)),
        "upload_median_ms": rounded(median([s["upload"] for s in samples])),
        "post_to_stored_median_ms": rounded(median([s["stored"] for s in samples])),
        "stored_to_sent_median_ms": rounded(median([s["to_sent"] for s in samples])),
        "notes": len(samples),
    })


if __name__ == "__main__":
    main()
