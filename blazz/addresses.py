"""Where the embedded PostgreSQL and Redis of `make run` / `make test` listen, under a data dir.

Settings read these as the defaults of DATABASE_URL / REDIS_URL; blazz/dev/devservers.py starts
the servers there. Plain functions with no import of Django or of the dev tooling.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

DB_NAME = "blazz"
PG_PORT = 5432  # only names the socket file (.s.PGSQL.5432); nothing listens on TCP


def run_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "run"


def default_database_url(data_dir: Path) -> str:
    socket_dir = quote(str(run_dir(data_dir)), safe="")
    return f"postgres://postgres@/{socket_dir}/{DB_NAME}"


def default_redis_url(data_dir: Path) -> str:
    return f"unix://{run_dir(data_dir) / 'redis.sock'}?db=0"


def celery_url(redis_url: str) -> str:
    """Kombu spells a unix-socket Redis `redis+socket:///path`."""
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url[len("unix://") :].split("?", 1)[0]
    return redis_url
