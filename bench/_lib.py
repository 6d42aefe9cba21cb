"""What the Python benchmarks share (not a benchmark: `run_all.sh` skips files starting with `_`).

Each benchmark runs inside `python -m blazz.dev.devservers run --data-dir .data/bench -- ...`, so
DATABASE_URL and REDIS_URL name the bench servers. It creates a database of its own on that
PostgreSQL (`bench_<name>`; BENCH_DB_PREFIX changes the `bench_` part, so that several people can
share one server), migrates it, runs the real processes against it with `blazz.dev.realstack.Stack`
(`running_stack()`), and drops it at the end. Logs go to stderr; stdout carries exactly one JSON
line, printed by `emit()`. SIGTERM (run_all.sh's timeout) unwinds like Ctrl-C, so the processes
and the database are cleaned up either way.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "bench_")


def _terminate(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


# A plain SIGTERM would end the interpreter without running `finally:` blocks: the Stack's
# processes (each in a session of its own) and the bench database would outlive us.
signal.signal(signal.SIGTERM, _terminate)


def log(*parts) -> None:
    print("[bench]", *parts, file=sys.stderr, flush=True)


def emit(record: dict) -> None:
    """The one line a benchmark prints on stdout."""
    sys.stdout.write(json.dumps(record, separators=(", ", ": ")) + "\n")
    sys.stdout.flush()


def median(values):
    return statistics.median(values) if values else None


def percentile(values, p: float):
    """Nearest-rank percentile (p in 0..100) of a list of numbers."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def rounded(value, digits: int = 1):
    return None if value is None else round(value, digits)


def server_urls() -> tuple[str, str]:
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not database_url or not redis_url:
        sys.exit("run me inside `python -m blazz.dev.devservers run --data-dir .data/bench -- ...` "
                 "(DATABASE_URL and REDIS_URL must be set)")
    return database_url, redis_url


def with_database(database_url: str, name: str) -> str:
    """The same server's database `name`. Only the last path segment is the database: the
    embedded server's URL carries its socket directory before it (`postgres://postgres@/%2F...%2Frun/blazz`);
    without it, libpq connects to the default socket: another server, or none."""
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path=parts.path.rpartition("/")[0] + "/" + name))


def _connect_admin(database_url: str):
    import environ
    import psycopg

    config = environ.Env.db_url_config(with_database(database_url, "postgres"))
    return psycopg.connect(dbname="postgres", user=config.get("USER") or "postgres",
                           password=config.get("PASSWORD") or None, host=config.get("HOST") or None,
                           port=config.get("PORT") or None, autocommit=True)


@contextmanager
def bench_database(name: str, *, migrate: bool = True):
    """A fresh database `<BENCH_DB_PREFIX><name>` on the bench server, migrated (public schema);
    dropped afterwards. Yields its URL."""
    database_url, _ = server_urls()
    db_name = f"{DB_PREFIX}{name}"
    with _connect_admin(database_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name}"')
    url = with_database(database_url, db_name)
    try:
        if migrate:
            started = time.monotonic()
            subprocess.run([PYTHON, str(ROOT / "manage.py"), "migrate_schemas", "--shared", "-v", "0"],
                           env={**os.environ, "DATABASE_URL": url, "DEBUG": "false"}, cwd=ROOT, check=True,
                           stdout=sys.stderr)
            log(f"database {db_name} migrated in {time.monotonic() - started:.1f}s")
        yield url
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django never set up
            pass
        with _connect_admin(database_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        log(f"database {db_name} dropped")


def bench_secrets() -> dict:
    return {
        "secret_key": secrets.token_urlsafe(40),
        "bridge_token": secrets.token_urlsafe(24),
        "webhook_secret": "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(),
    }


def django_setup(database_url: str, *, stack=None) -> None:
    """Configure Django in this process for `database_url` (and, given a Stack, its bridge and
    secrets, so services called from here talk to the same processes)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if stack is not None:
        os.environ.update({
            "SECRET_KEY": stack.env["SECRET_KEY"], "BRIDGE_URL": stack.bridge_url,
            "BRIDGE_TOKEN": stack.env["BRIDGE_TOKEN"], "BRIDGE_WEBHOOK_SECRET": stack.env["BRIDGE_WEBHOOK_SECRET"],
            "INTERNAL_BASE_URL": stack.web_url,
        })
    else:
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blazz.settings")
    import django

    django.setup()


def make_stack(database_url: str, redis_url: str, *, env: dict | None = None, beat: bool = False):
    from blazz.dev.realstack import Stack

    keys = bench_secrets()
    return Stack(database_url=database_url, redis_url=redis_url, secret_key=keys["secret_key"],
                 bridge_token=keys["bridge_token"], webhook_secret=keys["webhook_secret"], beat=beat,
                 env={"LOG_LEVEL": "WARNING", **(env or {})})


@contextmanager
def running_stack(database_url: str, redis_url: str, *, env: dict | None = None, beat: bool = False):
    """daphne, a Celery worker (and, given `beat`, Celery beat) and the bridge against
    `database_url`, with Django in this process configured to talk to them (`django_setup`). Stops
    them afterwards; their logs are removed unless something failed or the benchmark set
    `stack.keep_logs` (then they are kept, and their tails go to stderr)."""
    stack = make_stack(database_url, redis_url, env=env, beat=beat)
    stack.keep_logs = False
    django_setup(database_url, stack=stack)
    purge_celery_queue()
    ok = False
    try:
        started = time.monotonic()
        stack.start()
        log(f"stack up in {time.monotonic() - started:.1f}s (web {stack.web_url}, bridge {stack.bridge_url})")
        yield stack
        ok = True
    finally:
        stack.stop()
        try:
            purge_celery_queue()  # sends still queued when the worker stopped: not the next run's work
        except Exception as exc:  # Redis gone: nothing to purge
            log(f"could not purge the Celery queue: {exc}")
        if ok and not stack.keep_logs:
            shutil.rmtree(stack.dir, ignore_errors=True)
        else:
            for process in filter(None, (stack.web, stack.worker, stack.beat, stack.bridge)):
                tail = process.tail(15)
                if tail:
                    log(f"--- {process.name} log ({process.log_path}) ---\n{tail}")
            log(f"logs kept in {stack.dir}")


def cpu_seconds(process) -> float:
    """CPU time (user + system) used so far by one of the Stack's processes and its children (a
    Celery worker's pool). Per-event CPU is the figure a busy, shared machine distorts least."""
    import psutil

    try:
        root = psutil.Process(process.proc.pid)
        total = 0.0
        for proc in [root, *root.children(recursive=True)]:
            times = proc.cpu_times()
            total += times.user + times.system
        return total
    except psutil.Error:
        return 0.0


def database_cpu_seconds() -> float | None:
    """CPU time used so far by the PostgreSQL server Django in this process talks to: its
    postmaster, the backends alive now and those that have exited. None when the server is not a
    process this machine can see."""
    import psutil
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            postmaster = psutil.Process(cursor.fetchone()[0]).parent()
        times = postmaster.cpu_times()
        total = times.user + times.system + times.children_user + times.children_system
        for backend in postmaster.children():
            with contextlib.suppress(psutil.Error):
                backend_times = backend.cpu_times()
                total += backend_times.user + backend_times.system
        return total
    except (psutil.Error, AttributeError):  # another machine's server, or no parent to see
        return None


def redis_cpu_seconds() -> float | None:
    """CPU time used so far by the Redis server (its INFO), or None when it does not answer."""
    import redis

    try:
        info = redis.Redis.from_url(server_urls()[1]).info("cpu")
    except redis.RedisError:
        return None
    return info["used_cpu_user"] + info["used_cpu_sys"]


def per_event_ms(before: float | None, after: float | None, events: int):
    """Milliseconds of CPU per event between two readings (None when either is missing)."""
    if before is None or after is None:
        return None
    return rounded((after - before) * 1000 / max(1, events), 2)


def purge_celery_queue() -> None:
    """Tasks a previous benchmark left in the shared bench Redis would run against our database."""
    from blazz.celery import app

    with app.connection_for_write() as conn:
        purged = app.control.purge(connection=conn)
    if purged:
        log(f"purged {purged} stale Celery tasks")


def workspace_with_session(slug: str, *, options: dict | None = None):
    """A workspace with an owner, an API key and a sandbox session (created on the bridge).
    Returns (workspace, raw api key, session)."""
    from django.db import connection
    from django_tenants.utils import schema_context

    from sessions_wa import services as sessions
    from workspaces import services

    connection.set_schema_to_public()
    owner = services.user_get_or_create(email=f"owner@{slug}.bench", password=secrets.token_urlsafe(16))
    workspace = services.workspace_create(slug=slug, name=slug.title(), owner=owner)
    _key, raw = services.api_key_create(workspace=workspace, name="bench")
    with schema_context(workspace.schema_name):
        session = sessions.session_create(engine="sandbox", name="bench number", options=options or {
            "qr_scan_delay_ms": 0, "ack_delays_ms": {"sent": 0, "delivered": 50, "read": 100, "played": 150},
            "auto_reply": False, "seed": 1,
        })
    return workspace, raw, session


def wait_session_connected(workspace, session, timeout: float = 20.0) -> None:
    from django_tenants.utils import schema_context

    from blazz.dev.realstack import wait_until
    from sessions_wa.models import WhatsAppSession

    def connected():
        with schema_context(workspace.schema_name):
            return WhatsAppSession.objects.get(pk=session.pk).is_connected

    wait_until(connected, timeout, 0.1, "the sandbox session to connect")
