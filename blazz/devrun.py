"""`make run`: embedded servers, migrations, the demo workspace, then the Procfile under honcho.

Ctrl-C stops every process it started, the embedded PostgreSQL and Redis included.

    python -m blazz.devrun            # what `make run` calls
    python -m blazz.devrun --check    # start, print the URL, stop (used by tests and the bench)
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import environ

from blazz.devservers import DevServers

ROOT = Path(__file__).resolve().parent.parent


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
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True)


def wait_for_web(port: int, timeout: float) -> bool:
    """True once daphne answers HTTP on the port (any status)."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m blazz.devrun")
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
    honcho = None
    interrupted = False

    def on_signal(signum, _frame):
        nonlocal interrupted
        interrupted = True
        if honcho is not None and honcho.poll() is None:
            honcho.send_signal(signal.SIGTERM if signum == signal.SIGTERM else signal.SIGINT)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        env = child_environment({**os.environ, **servers.start()}, data_dir, web_port, bridge_port)
        manage(env, "migrate_schemas", "--executor", "standard", "-v", "0")
        manage(env, "seed_demo")
        if interrupted:
            return 130
        honcho = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "honcho"), "start", "-f", str(ROOT / "Procfile"), "-d", str(ROOT)],
            env=env, cwd=ROOT, start_new_session=True,
        )
        if wait_for_web(web_port, timeout=90):
            print(banner(web_port), flush=True)
        else:
            print("The web server did not come up within 90 s: see the log above.", file=sys.stderr)
        if args.check:
            honcho.send_signal(signal.SIGTERM)
        honcho.wait()
        return 0 if (interrupted or args.check) else honcho.returncode
    finally:
        if honcho is not None and honcho.poll() is None:
            honcho.terminate()
            try:
                honcho.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(honcho.pid, signal.SIGKILL)
        servers.stop()


if __name__ == "__main__":
    sys.exit(main())
