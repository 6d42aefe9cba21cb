"""`make run`, cold and warm, the newcomer's path: a fresh `git clone` of this repository (its
committed HEAD) into a temp dir, no DATABASE_URL / REDIS_URL (the embedded servers, data under the
clone's `.data/`), the pip and npm caches of this machine allowed to be warm.

- cold: `make install` (venv, pip install, npm ci for the bridge and the frontend, the frontend
  build, `.env`) then `python -m blazz.dev.devrun --check`, the entry point `make run` calls, which
  initialises PostgreSQL, migrates, seeds the demo, starts the Procfile and prints the URL, then
  stops everything. Timed to "URL printed".
- warm: the same two commands again in the same clone (`.data/` reused, nothing to install).

Both run on free ports (PORT, BRIDGE_PORT), so a `make run` elsewhere on the machine is not
disturbed. The clone is removed at the end. Slow by nature (cold is minutes): the whole script is
bounded by the timeouts below. Prints one JSON line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _lib import ROOT, emit, log, rounded

INSTALL_TIMEOUT = float(os.environ.get("INSTALL_TIMEOUT", "420"))
START_TIMEOUT = float(os.environ.get("START_TIMEOUT", "180"))
BANNER = "Blazz is running"
# What must not leak from the bench's own environment into a newcomer's shell.
DROPPED = ("DATABASE_URL", "REDIS_URL", "BLAZZ_DATA_DIR", "CHANNEL_PREFIX", "CACHE_KEY_PREFIX", "MAKEFLAGS",
           "MAKELEVEL", "MFLAGS", "VIRTUAL_ENV", "PYTHONPATH", "DJANGO_SETTINGS_MODULE", "SECRET_KEY",
           "BRIDGE_URL", "BRIDGE_TOKEN", "BRIDGE_WEBHOOK_SECRET", "DJANGO_WEBHOOK_URL", "BRIDGE_DATA_DIR")


def newcomer_env() -> dict:
    from blazz.dev.realstack import free_port

    env = {k: v for k, v in os.environ.items() if k not in DROPPED and not k.startswith("BENCH_")}
    venv_bin = str(ROOT / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env["PORT"] = str(free_port())
    env["BRIDGE_PORT"] = str(free_port())
    return env


def timed_install(clone: Path, env: dict) -> float:
    started = time.monotonic()
    subprocess.run(["make", "--no-print-directory", "install"], cwd=clone, env=env, check=True,
                   stdout=sys.stderr, stdin=subprocess.DEVNULL, timeout=INSTALL_TIMEOUT)
    return time.monotonic() - started


def timed_start(clone: Path, env: dict) -> float:
    """Seconds from starting `python -m blazz.dev.devrun --check` to the URL on its stdout. Waits for
    it to stop everything again."""
    started = time.monotonic()
    proc = subprocess.Popen([str(clone / ".venv" / "bin" / "python"), "-m", "blazz.dev.devrun", "--check"], cwd=clone,
                            env=env, stdout=subprocess.PIPE, stderr=sys.stderr, stdin=subprocess.DEVNULL,
                            text=True, start_new_session=True)
    seen = threading.Event()
    at: list[float] = []

    def read():
        for line in proc.stdout:
            if BANNER in line and not at:
                at.append(time.monotonic() - started)
                seen.set()
            sys.stderr.write(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not seen.wait(START_TIMEOUT):
            raise RuntimeError(f"no URL printed within {START_TIMEOUT:.0f} s")
        code = proc.wait(60)
        if code != 0:
            raise RuntimeError(f"devrun --check exited {code}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
        reader.join(5)
    return at[0]


def port_is_free(port: int) -> bool:
    from blazz.dev.devrun import port_is_free as free

    return free(port)


def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="blazz-makerun-"))
    clone = base / "blazz"
    env = newcomer_env()
    try:
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, stdout=sys.stderr)
        log(f"cloned into {clone}; PORT={env['PORT']} BRIDGE_PORT={env['BRIDGE_PORT']}")

        cold_install = timed_install(clone, env)
        log(f"cold: make install {cold_install:.1f}s")
        cold_start = timed_start(clone, env)
        log(f"cold: devrun to URL {cold_start:.1f}s")

        warm_install = timed_install(clone, env)
        warm_start = timed_start(clone, env)
        log(f"warm: make install {warm_install:.1f}s, devrun to URL {warm_start:.1f}s")
        leftovers = [p for p in (int(env["PORT"]), int(env["BRIDGE_PORT"])) if not port_is_free(p)]
    finally:
        python = clone / ".venv" / "bin" / "python"
        if python.exists():  # embedded servers still up after a failure: stop them
            subprocess.run([str(python), "-m", "blazz.dev.devservers", "stop", "--data-dir", str(clone / ".data")],
                           cwd=clone, env=env, stdout=sys.stderr, stderr=sys.stderr, timeout=60, check=False)
        shutil.rmtree(base, ignore_errors=True)
    emit({
        "bench": "make_run_start",
        "cold_to_url_s": rounded(cold_install + cold_start),
        "cold_install_s": rounded(cold_install),
        "cold_devrun_to_url_s": rounded(cold_start),
        "warm_to_url_s": rounded(warm_install + warm_start),
        "warm_install_s": rounded(warm_install),
        "warm_devrun_to_url_s": rounded(warm_start),
        "ports_left_listening": len(leftovers),
        "samples": 1,
    })


if __name__ == "__main__":
    main()
