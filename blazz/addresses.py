"""Where the embedded PostgreSQL and Redis of `make run` / `make test` listen, under a data dir.

Settings read these as the defaults of DATABASE_URL / REDIS_URL; blazz/dev/devservers.py starts
the servers there. Plain functions with no import of Django or of the dev tooling.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

DB_NAME = "blazz"
PG_PORT = 5432  # only names the socket file (.s.PGSQL.5432); nothing listens on TCP


def run_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "run"


def default_database_url(data_dir: Path) -> str:
    socket_dir = quote(str(run_dir(data_dir)), safe="")
    return f"postgres://postgres@/{socket_dir}/{DB_NAME}"


def redis_tcp_file(data_dir: Path) -> Path:
    """Where the embedded Redis records its loopback port and password (blazz/dev/devservers.py)."""
    return run_dir(data_dir) / "redis.json"


def default_redis_url(data_dir: Path) -> str:
    """The embedded Redis: on loopback TCP with a password once it has been started there (Celery's
    broker over kombu's `redis+socket` transport crashed restoring unacked tasks after a Redis
    restart, and took the worker with it); its unix socket before."""
    try:
        tcp = json.loads(redis_tcp_file(data_dir).read_text())
        return f"redis://:{quote(tcp['password'], safe='')}@127.0.0.1:{int(tcp['port'])}/0"
    except (OSError, ValueError, KeyError, TypeError):
        return f"unix://{run_dir(data_dir) / 'redis.sock'}?db=0"


def celery_url(redis_url: str) -> str:
    """Kombu spells a unix-socket Redis `redis+socket:///path`."""
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url[len("unix://") :].split("?", 1)[0]
    return redis_url
