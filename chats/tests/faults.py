"""Fault injection for the integration tests, loaded only into a test's own Celery worker
(`CELERY_WORKER_INCLUDE=chats.tests.faults`, which Celery's command line reads as `--include`):
never part of the app.

FAULT_PAUSE_AFTER_BRIDGE_SEND_SECONDS: once the bridge has answered a send, the worker waits this
long before recording the answer: the window in which a test kills it. FAULT_PAUSE_MARKER: a file
touched when the wait begins, so the test kills it inside the window, not before or after.
"""

import os
import time
from pathlib import Path

from sessions_wa import bridge

_message_send = bridge.message_send


def _message_send_then_pause(session_id: str, payload: dict) -> dict:
    answer = _message_send(session_id, payload)
    marker = os.environ.get("FAULT_PAUSE_MARKER")
    if marker:
        Path(marker).touch()
    time.sleep(float(os.environ.get("FAULT_PAUSE_AFTER_BRIDGE_SEND_SECONDS", "0")))
    return answer


bridge.message_send = _message_send_then_pause
