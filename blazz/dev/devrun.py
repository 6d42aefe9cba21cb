"""`make run`: embedded servers, migrations, the demo workspace, then the Procfile under honcho,
each process restarted with backoff when it crashes (blazz/dev/restart.py).

Ctrl-C (or SIGTERM) stops every process it started, the embedded PostgreSQL and Redis included,
whenever it comes: servers still starting finish starting and are stopped, and every process under
honcho is stopped even when honcho hangs (each Procfile process has a session of its own).

    python -m blazz.dev.devrun            # what `make run` calls
    python -m blazz.dev.devrun --check    # start, print the URL, stop (used by tests and the bench)
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import environ
import psutil

from blazz.dev.devservers import DevServers, EmbeddedRedis

ROOT = Path(__file__).resolve().parents[2]
# How long honcho gets to stop its processes (it SIGKILLs them itself after 10 s) before we
# signal every process under it ourselves.
HONCHO_GRACE_SECONDS = 20


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def child_environment(base: dict, data_dir: Path, web_port: int, bridge_port: int) -> dict:
    """What every Procfile process needs, derived from PORT and the data dir."""
    env = dict(base)
    env.setdefault("BLAZZ_DATA_DIR", str(data_dir))
    env["BLAZZ_WEB_PORT"] = str(web_port)
    env.setdefault("BRIDGE_PORT", str(bridge_port))
    env.setdefault("BRIDGE_URL", f"http://127.0.0.1:{bridge_port}")
    env.setdefault("BRIDGE_DATA_DIR", str(data_dir / "bridge"))
    env.setdefault("DJANGO_WEBHOOK_URL", f"http://127.0.0.1:{web_port}/hooks/bridge/")
    env.setdefault("PUPPETEER_SKIP_DOWNLOAD", "1")
    env.setdefault("WEBHOOKS_ALLOW_PRIVATE", "true")  # a CRM receiver on this machine, for trying webhooks
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(fresh_metrics_dir(data_dir / "prometheus")))
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def fresh_metrics_dir(path: Path) -> Path:
    """An empty PROMETHEUS_MULTIPROC_DIR: prometheus-client wants last run's files gone before its
    processes start (a new process with a reused pid would add to a dead one's gauges)."""
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)
    return path


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True)


def restarting_procfile(data_dir: Path) -> Path:
    """The Procfile with each command under blazz/dev/restart.py (a crashed process comes back with
    backoff instead of honcho stopping everything); written into the data dir for honcho."""
    lines = []
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, sep, command = line.partition(":")
        if not sep or not name.strip() or line.lstrip().startswith("#"):
            continue
        lines.append(f"{name.strip()}: exec {shlex.quote(sys.executable)} -m blazz.dev.restart {name.strip()} -- "
                     f"{shlex.quote(command.strip())}")
    path = data_dir / "Procfile.run"
    path.write_text("\n".join(lines) + "\n")
    return path


def wait_for_web(port: int, timeout: float, give_up=lambda: False) -> bool:
    """True once daphne answers HTTP on the port (any status); False after `timeout`, or as soon
    as `give_up()` says so (a Ctrl-C, honcho gone)."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not give_up():
        try:
            httpx.get(f"http://127.0.0.1:{port}/login/", headers={"Host": "localhost"}, timeout=1.0)
            return True
        except httpx.HTTPError:
            time.sleep(0.2)
    return False


def banner(web_port: int) -> str:
    base_domain = os.environ.get("BASE_DOMAIN", "localhost")
    return (
        "\n"
        "  Blazz is running.\n"
        f"    Inbox:  http://demo.{base_domain}:{web_port}/\n"
        "    Login:  demo@example.com / demo\n"
        f"    Admin:  http://{base_domain}:{web_port}/admin/  (python manage.py createsuperuser)\n"
        f"    API:    http://demo.{base_domain}:{web_port}/api/docs/\n"
        "  Ctrl-C stops everything.\n"
    )


def start_servers(servers: DevServers, data_dir: Path) -> list:
    """Start the embedded servers that are not running; return the ones this call started.

    The start runs in a process of its own session: a Ctrl-C at the terminal reaches the whole
    foreground process group, and used to kill pg_ctl half-way, after it had forked a postmaster
    (which lives on in a session of its own) but before the server was recorded as ours, so
    nothing stopped it. Now a start in progress finishes, and the caller stops what it started.
    """
    candidates = [server for server in (servers.postgres, servers.redis) if server is not None]
    not_running = [server for server in candidates if not server.is_running()]
    if not not_running:
        return []
    # `devservers start` decides as DevServers does: only the servers whose URL is unset.
    result = subprocess.run([sys.executable, "-m", "blazz.dev.devservers", "start", "--data-dir", str(data_dir)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, start_new_session=True)
    started = [server for server in not_running if server.pid() is not None]
    if result.returncode != 0:
        stop_servers(started)
        raise RuntimeError("the embedded servers did not start: see the log above")
    return started


def stop_servers(servers: list) -> None:
    """Redis first, then PostgreSQL (the order `devservers stop` uses)."""
    for server in sorted(servers, key=lambda server: not isinstance(server, EmbeddedRedis)):
        server.stop()


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def stop_process_tree(root: subprocess.Popen, known: list[psutil.Process], grace: float) -> None:
    """Stop `root` (honcho) and every process under it.

    honcho starts each Procfile process in a session (and process group) of its own, so
    killing honcho's group never reached daphne, the worker (and its pool) or the bridge (and its
    Chromiums). `known` are the processes seen under `root` earlier: one whose parent died
    meanwhile is no longer under it. Each still running gets SIGTERM to its own group after
    `grace` seconds of waiting for `root`, then SIGKILL.
    """
    if root.poll() is None:
        root.terminate()
        try:
            root.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    tree = {process.pid: process for process in [*known, *descendants(root.pid)]}
    if root.poll() is None:
        _signal_groups([root.pid], signal.SIGKILL)
        root.wait()
    living = [process for process in tree.values() if _running(process)]
    if not living:
        return
    _signal_groups([process.pid for process in living], signal.SIGTERM)
    _gone, living = psutil.wait_procs(living, timeout=5)
    _signal_groups([process.pid for process in living if _running(process)], signal.SIGKILL)
    psutil.wait_procs(living, timeout=5)


def _running(process: psutil.Process) -> bool:
    """Still the process we saw (not a new one with its pid), and not a zombie waiting to be reaped."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _signal_groups(pids: list[int], signum: int) -> None:
    """Signal the process group of each pid, and the pid itself; never our own group."""
    own_group = os.getpgrp()
    for pid in pids:
        try:
            group = os.getpgid(pid)
            if group != own_group:
                os.killpg(group, signum)
            os.kill(pid, signum)
        except (ProcessLookupError, PermissionError):
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m blazz.dev.devrun")
    parser.add_argument("--check", action="store_true", help="start everything, print the URL, then stop")
    args = parser.parse_args(argv)

    environ.Env.read_env(ROOT / ".env", overwrite=False)
    data_dir = Path(os.environ.get("BLAZZ_DATA_DIR") or ROOT / ".data").resolve()
    web_port = int(os.environ.get("PORT") or 8000)
    bridge_port = int(os.environ.get("BRIDGE_PORT") or 3001)
    for port, what, var in ((web_port, "the web server", "PORT"), (bridge_port, "the bridge", "BRIDGE_PORT")):
        if not port_is_free(port):
            print(
                f"Port {port} ({what}) is already taken: stop what uses it, or choose another with "
                f"`{var}=<port> make run`.",
                file=sys.stderr,
            )
            return 1

    data_dir.mkdir(parents=True, exist_ok=True)
    servers = DevServers(data_dir)
    started_servers: list = []
    honcho = None
    honcho_tree: list[psutil.Process] = []
    interrupted = False

    def on_signal(signum, _frame):
        nonlocal interrupted
        interrupted = True
        if honcho is not None and honcho.poll() is None:
            honcho.send_signal(signal.SIGTERM if signum == signal.SIGTERM else signal.SIGINT)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        started_servers = start_servers(servers, data_dir)
        env = child_environment({**os.environ, **{name: server.url for name, server in
                                                  (("DATABASE_URL", servers.postgres), ("REDIS_URL", servers.redis))
                                                  if server is not None}}, data_dir, web_port, bridge_port)
        for command in (("migrate_schemas", "--executor", "standard", "-v", "0"), ("seed_demo",)):
            if interrupted:
                return 130
            try:
                manage(env, *command)
            except subprocess.CalledProcessError as exc:
                if interrupted:  # the Ctrl-C reached it too
                    return 130
                print(f"`python manage.py {command[0]}` failed (exit {exc.returncode}): see above.", file=sys.stderr)
                return 1
        if interrupted:
            return 130
        honcho = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "honcho"), "start", "-f", str(restarting_procfile(data_dir)), "-d", str(ROOT)],
            env=env, cwd=ROOT, start_new_session=True,
        )
        up = wait_for_web(web_port, timeout=90, give_up=lambda: interrupted or honcho.poll() is not None)
        honcho_tree = descendants(honcho.pid)  # every Procfile process has started by now
        if up:
            print(banner(web_port), flush=True)
        elif not interrupted:
            print("The web server did not come up within 90 s: see the log above.", file=sys.stderr)
        if args.check:
            return 0
        # Until honcho ends by itself (a process of the Procfile died) or a signal comes; then the
        # finally below stops everything, honcho hanging or not.
        while honcho.poll() is None and not interrupted:
            try:
                honcho.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
        return 0 if interrupted else honcho.returncode
    finally:
        if honcho is not None:
            stop_process_tree(honcho, [*honcho_tree, *descendants(honcho.pid)], grace=HONCHO_GRACE_SECONDS)
        stop_servers(started_servers)


if __name__ == "__main__":
    sys.exit(main())
