"""The real stack as processes, for integration tests and benchmarks.

`Stack` runs daphne, a Celery worker (optionally beat) and the bridge (sandbox engine) on free
ports against a given PostgreSQL database and Redis, with the same settings the test process uses,
and lets a test stop, kill and restart each part. `wait_until` is the only way tests wait.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05, message: str = "condition"):
    """Poll `predicate` until it returns something truthy; return that. Fail after `timeout`."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except AssertionError as exc:
            last_error = exc
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}" +
                                 (f": {last_error}" if last_error else ""))
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """A django-environ URL for a connection's settings (unix socket or TCP)."""
    user = quote(settings_dict.get("USER") or "postgres", safe="")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}" if password else user
    host = settings_dict.get("HOST") or ""
    port = settings_dict.get("PORT") or ""
    name = settings_dict["NAME"]
    if host.startswith("/"):
        return f"postgres://{auth}@/{quote(host, safe='')}/{name}"
    return f"postgres://{auth}@{host or '127.0.0.1'}{':' + str(port) if port else ''}/{name}"


class Process:
    def __init__(self, name: str, argv: list[str], env: dict, log_dir: Path):
        self.name = name
        self.argv = argv
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, extra_env: dict | None = None) -> "Process":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, env={**self.env, **(extra_env or {})}, cwd=ROOT, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if not self.running:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def kill(self) -> None:
        """SIGKILL to the whole process group (a Celery worker's pool children included)."""
        if self.running:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


class Stack:
    def __init__(self, *, database_url: str, redis_url: str, secret_key: str, bridge_token: str,
                 webhook_secret: str, beat: bool = False, env: dict | None = None, base_dir: Path | None = None):
        self.web_port = free_port()
        self.bridge_port = free_port()
        self.dir = Path(base_dir or tempfile.mkdtemp(prefix="blazz-stack-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.bridge_url = f"http://127.0.0.1:{self.bridge_port}"
        self.web_url = f"http://127.0.0.1:{self.web_port}"
        self.bridge_token = bridge_token
        self.metrics_token = (env or {}).get("METRICS_TOKEN") or os.environ.get("METRICS_TOKEN") or "stack-metrics-token"
        venv_bin = ROOT / ".venv" / "bin"
        base_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))},
            "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": secret_key,
            "DEBUG": "false",
            "BLAZZ_WEB_PORT": str(self.web_port),
            "BLAZZ_DATA_DIR": str(self.dir / "data"),
            "MEDIA_ROOT": str(self.dir / "media"),
            "BRIDGE_URL": self.bridge_url,
            "BRIDGE_TOKEN": bridge_token,
            "BRIDGE_WEBHOOK_SECRET": webhook_secret,
            "BRIDGE_PORT": str(self.bridge_port),
            "BRIDGE_DATA_DIR": str(self.dir / "bridge"),
            "DJANGO_WEBHOOK_URL": f"{self.web_url}/hooks/bridge/",
            "BRIDGE_OUTBOX_MAX_BACKOFF_MS": "1000",
            "BRIDGE_LOG_LEVEL": "warn",
            "CELERY_VISIBILITY_TIMEOUT": "10",
            "MESSAGE_SEND_MAX_RETRIES": "4",
            "MESSAGE_SEND_BACKOFF_CAP_SECONDS": "2",
            "LOG_LEVEL": "WARNING",
            "PUPPETEER_SKIP_DOWNLOAD": "1",
            "WEBHOOKS_ALLOW_PRIVATE": "true",  # the tests' CRM receivers listen on 127.0.0.1
            "WEBHOOK_RETRY_SCHEDULE": "0.5,1,1",
            "PROMETHEUS_MULTIPROC_DIR": str(self.dir / "prometheus"),
            "METRICS_TOKEN": self.metrics_token,
            **(env or {}),
        }
        self.env = base_env
        # As the Procfile runs it: WEB_PROCESSES daphne processes on one socket (one per core by default).
        self.web = Process("web", [str(venv_bin / "python"), "-m", "blazz.web", "--bind", "127.0.0.1",
                                   "--port", str(self.web_port)], base_env, self.dir)
        # One worker for both queues here (the Procfile runs a worker per queue).
        self.worker = Process("worker", [str(venv_bin / "celery"), "-A", "blazz", "worker", "-l", "WARNING",
                                         "-Q", "celery,webhooks", "--concurrency", "2", "-n", f"w{self.web_port}@%h",
                                         "--without-gossip", "--without-mingle"], base_env, self.dir)
        self.beat = Process("beat", [str(venv_bin / "celery"), "-A", "blazz", "beat", "-l", "WARNING",
                                     "-s", str(self.dir / "beat-schedule")], base_env, self.dir) if beat else None
        self.bridge = Process("bridge", ["node", str(ROOT / "bridge" / "src" / "server.js")], base_env, self.dir)

    # --- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> "Stack":
        from blazz.dev.devrun import fresh_metrics_dir

        fresh_metrics_dir(Path(self.env["PROMETHEUS_MULTIPROC_DIR"]))
        self.bridge.start()
        self.web.start()
        self.worker.start()
        if self.beat:
            self.beat.start()
        self.wait_bridge()
        self.wait_web()
        self.wait_worker()
        return self

    def stop(self) -> None:
        for process in (self.beat, self.worker, self.web, self.bridge):
            if process is not None:
                process.stop()

    def wait_web(self, timeout: float = 30.0) -> None:
        import httpx

        def up():
            self._check_alive(self.web)
            try:
                return httpx.get(f"{self.web_url}/login/", headers={"Host": "localhost"}, timeout=1).status_code < 500
            except httpx.HTTPError:
                return False

        wait_until(up, timeout, 0.1, "daphne to answer")

    def wait_bridge(self, timeout: float = 20.0) -> None:
        import httpx

        def up():
            self._check_alive(self.bridge)
            try:
                return httpx.get(f"{self.bridge_url}/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, timeout, 0.1, "the bridge to answer")

    def wait_worker(self, timeout: float = 40.0) -> None:
        import kombu.exceptions
        import redis.exceptions

        from blazz.celery import app

        def up():
            self._check_alive(self.worker)
            try:
                return any(f"w{self.web_port}@" in name for reply in app.control.ping(timeout=0.5) for name in reply)
            except (OSError, kombu.exceptions.OperationalError, redis.exceptions.ConnectionError):
                return False  # our own connection to a broker that restarted: the next ping reconnects

        wait_until(up, timeout, 0.2, "the Celery worker to answer a ping")

    @staticmethod
    def _check_alive(process: Process) -> None:
        if not process.running:
            raise RuntimeError(f"{process.name} exited:\n{process.tail()}")

    # --- talking to it ------------------------------------------------------------------------------------

    def http(self, host: str, **headers):
        """An httpx client for a host of ours (Python does not resolve *.localhost: connect to
        127.0.0.1 and send the Host header)."""
        import httpx

        return httpx.Client(base_url=self.web_url, headers={"Host": host, **headers}, timeout=15)

    def bridge_http(self):
        import httpx

        return httpx.Client(base_url=self.bridge_url, headers={"Authorization": f"Bearer {self.bridge_token}"},
                            timeout=15)

    def metrics(self, *, bridge: bool = False) -> dict[tuple, float]:
        """The web's (or the bridge's) /metrics as {(name, (label, value), ...): value}."""
        import httpx
        from prometheus_client.parser import text_string_to_metric_families

        url = f"{self.bridge_url if bridge else self.web_url}/metrics"
        response = httpx.get(url, headers={"Host": "localhost", "Authorization": f"Bearer {self.metrics_token}"},
                             timeout=10)
        response.raise_for_status()
        return {(sample.name, *sorted(sample.labels.items())): sample.value
                for family in text_string_to_metric_families(response.text) for sample in family.samples}

    def customer(self, session_id: str, phone: str) -> dict:
        """What a sandbox customer has received and seen."""
        with self.bridge_http() as client:
            response = client.get(f"/sandbox/sessions/{quote(session_id, safe='')}/customers/{phone.lstrip('+')}")
            response.raise_for_status()
            return response.json()


def python() -> str:
    return sys.executable
