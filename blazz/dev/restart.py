"""Restart one Procfile process when it dies, with backoff, saying so in the log (`make run` only).

honcho (the `make run` supervisor) stops every process as soon as one exits: one dead bridge
took web, worker, beat, PostgreSQL and Redis with it. honcho cannot restart, and a second
supervisor (circus, supervisord) would be one more daemon with its own config to keep beside the
Procfile; a loop of a few lines around each command does it, and the Procfile stays as it is
for platforms (which restart processes themselves). blazz/dev/devrun.py runs each Procfile
command as

    python -m blazz.dev.restart NAME -- 'COMMAND'

A signal to this process (honcho stopping, Ctrl-C) goes to the child and ends the loop; the
child's own exit (a crash, `kill -9`) starts it again after 1 s, then 2, 4 ... up to 30 s while
it keeps dying young; a run that lasted a minute resets the backoff.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 30.0
HEALTHY_AFTER_SECONDS = 60.0


def log(name: str, message: str) -> None:
    print(f"[restart] {name}: {message}", file=sys.stderr, flush=True)


def next_delay(previous: float, ran_for: float) -> float:
    """The backoff: doubled while the process keeps dying young, back to the first after a healthy run."""
    if ran_for >= HEALTHY_AFTER_SECONDS or previous <= 0:
        return FIRST_DELAY_SECONDS
    return min(previous * 2, MAX_DELAY_SECONDS)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m blazz.dev.restart NAME -- 'COMMAND'", file=sys.stderr)
        return 2
    name, command = argv[0], " ".join(argv[2:])
    stopping = False
    child: subprocess.Popen | None = None

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    delay, attempt = 0.0, 0
    while True:
        attempt += 1
        started = time.monotonic()
        child = subprocess.Popen(["/bin/sh", "-c", command])
        code = child.wait()
        if stopping or code in (-signal.SIGTERM, -signal.SIGINT):
            return code if code >= 0 else 128 - code
        delay = next_delay(delay, time.monotonic() - started)
        log(name, f"exited with {code if code >= 0 else f'signal {-code}'} after "
                  f"{time.monotonic() - started:.1f} s; restarting in {delay:g} s (restart {attempt})")
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and not stopping:
            time.sleep(0.1)
        if stopping:
            return 0


if __name__ == "__main__":
    sys.exit(main())
