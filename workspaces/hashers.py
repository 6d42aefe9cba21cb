"""Password hashing that does not starve the web process.

Django's PBKDF2 is deliberately slow (~0.3 s of CPU per check) and a login flood made every other
request wait for the CPU (issue 11.4: /api/v1/chats/ p50 from 32 to 479 ms under 16 parallel
logins). Here each web process hashes in one thread of its own at a lower CPU priority (nice +10):
at most one core per process goes to hashing, and request threads go first when the cores are
busy. The algorithm and the stored hashes are Django's own (`pbkdf2_sha256`), so nothing is
re-hashed. hashlib releases the GIL while it hashes, so the waiting request thread costs nothing.
The throttles (workspaces/throttle.py) keep most floods from hashing at all.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from django.contrib.auth.hashers import PBKDF2PasswordHasher

HASHING_NICENESS = 10
_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _lower_priority() -> None:
    try:  # Linux schedules threads one by one: this lowers only the hashing thread
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)
    except (AttributeError, OSError):
        pass


def _hashing_thread() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="password-hash",
                                           initializer=_lower_priority)
        return _executor


class LowPriorityPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's PBKDF2-SHA256, computed in the process's one low-priority hashing thread."""

    def encode(self, password, salt, iterations=None):
        parent = super()
        return _hashing_thread().submit(parent.encode, password, salt, iterations).result()
