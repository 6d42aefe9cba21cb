"""`make run`'s embedded servers (blazz/dev/devservers.py) and the runner's port check (blazz/dev/devrun.py).

Real processes, in a data dir of their own under /tmp: `make test` itself runs inside
`devservers run --data-dir .data/test`, and nothing here may touch those servers. The commands run
with DATABASE_URL / REDIS_URL removed from their environment, as on a fresh machine, so that they
start (and stop) servers of their own.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil
import psycopg
import pytest
import redis

from blazz.dev import devservers
from blazz.dev.realstack import ROOT, free_port

pytestmark = pytest.mark.integration

COMMAND_TIMEOUT = 90  # initdb on a loaded 2-core machine takes a while; a hang must still end


def fresh_machine_env(data_dir: Path, **extra) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "REDIS_URL", "BLAZZ_DATA_DIR") and not key.startswith("PYTEST")}
    return {**env, "BLAZZ_DATA_DIR": str(data_dir), **extra}


def devservers_cmd(data_dir: Path, command: str, *child: str) -> subprocess.CompletedProcess:
    """`python -m blazz.dev.devservers COMMAND --data-dir DIR [-- CHILD ...]`."""
    argv = [sys.executable, "-m", "blazz.dev.devservers", command, "--data-dir", str(data_dir)]
    return subprocess.run([*argv, "--", *child] if child else argv, env=fresh_machine_env(data_dir), cwd=ROOT,
                          capture_output=True, text=True, timeout=COMMAND_TIMEOUT)


def processes_using(data_dir: Path) -> list[psutil.Process]:
    """Every process whose command line names the data dir (postgres, redis-server, pg_ctl ...)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if any(str(data_dir) in part for part in (process.info["cmdline"] or [])) and alive(process.pid):
            found.append(process)
    return found


def alive(pid: int) -> bool:
    """Running, that is: a zombie has exited (the servers are daemons, reaped by init when it gets
    round to it, which in some containers takes a second or two)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def recorded_pids(data_dir: Path) -> dict[str, int]:
    return {"postgres": devservers.EmbeddedPostgres(data_dir).pid(), "redis": devservers.EmbeddedRedis(data_dir).pid()}


def sockets_of(data_dir: Path) -> list[Path]:
    run = devservers.run_dir(data_dir)
    return [run / f".s.PGSQL.{devservers.PG_PORT}", run / "redis.sock"]


def connect_postgres(data_dir: Path) -> psycopg.Connection:
    return psycopg.connect(host=str(devservers.run_dir(data_dir)), port=devservers.PG_PORT, user="postgres",
                           dbname=devservers.DB_NAME, connect_timeout=5, autocommit=True)


def redis_of(data_dir: Path) -> redis.Redis:
    return redis.Redis.from_url(devservers.default_redis_url(data_dir), socket_timeout=5)


def suite_sockets() -> list[Path]:
    """The unix sockets of the servers this test run itself uses (`make test`'s .data/test), if any."""
    paths = []
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if database_url.startswith("postgres://postgres@/%2F"):
        from urllib.parse import unquote

        paths.append(Path(unquote(database_url.split("@/", 1)[1].split("/", 1)[0])) / f".s.PGSQL.{devservers.PG_PORT}")
    if redis_url.startswith("unix://"):
        paths.append(Path(redis_url[len("unix://"):].split("?", 1)[0]))
    return [path for path in paths if path.exists()]


@pytest.fixture
def data_dir():
    """A data dir of our own; whatever the test leaves running in it is stopped (by pid) after."""
    path = Path(tempfile.mkdtemp(prefix="blazz-devservers-")).resolve()
    try:
        yield path
    finally:
        devservers.EmbeddedRedis(path).stop()  # in-process: no-ops unless a server is left running
        devservers.EmbeddedPostgres(path).stop()
        for process in processes_using(path):
            process.kill()
        shutil.rmtree(path, ignore_errors=True)


def test_start_stop_and_start_again_keeps_the_data_and_leaves_nothing_running(data_dir):
    before = suite_sockets()

    started = devservers_cmd(data_dir, "start")

    assert started.returncode == 0, started.stdout + started.stderr
    urls = dict(line.split("=", 1) for line in started.stdout.split())
    assert urls == {"DATABASE_URL": devservers.default_database_url(data_dir),
                    "REDIS_URL": devservers.default_redis_url(data_dir)}
    pids = recorded_pids(data_dir)
    assert all(pids.values()), pids
    listening = {name: [c.laddr for c in psutil.Process(pid).net_connections(kind="inet")
                        if c.status == psutil.CONN_LISTEN] for name, pid in pids.items()}
    assert listening["postgres"] == []  # a unix socket only
    assert [address.ip for address in listening["redis"]] == ["127.0.0.1"]  # loopback, with a password:
    port = listening["redis"][0].port
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host="127.0.0.1", port=port, socket_timeout=5).ping()
    with connect_postgres(data_dir) as conn:
        # `make run` may hold a business's real messages: a power cut must not lose committed rows.
        assert conn.execute("SHOW fsync").fetchone()[0] == "on"
        conn.execute("CREATE TABLE kept (note text)")
        conn.execute("INSERT INTO kept VALUES ('written before the stop')")
    assert redis_of(data_dir).ping() is True
    status = devservers_cmd(data_dir, "status").stdout
    assert "EmbeddedPostgres: running" in status and "EmbeddedRedis: running" in status

    stopped = devservers_cmd(data_dir, "stop")

    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert not any(alive(pid) for pid in pids.values()), pids
    assert processes_using(data_dir) == []
    assert [path for path in sockets_of(data_dir) if path.exists()] == []
    with pytest.raises(psycopg.OperationalError):
        connect_postgres(data_dir).close()
    with pytest.raises(redis.ConnectionError):
        redis_of(data_dir).ping()

    again = devservers_cmd(data_dir, "start")

    assert again.returncode == 0, again.stdout + again.stderr
    assert "initialising PostgreSQL" not in again.stderr  # the cluster is reused, not made anew
    assert dict(line.split("=", 1) for line in again.stdout.split()) == urls  # Redis where its clients left it
    with connect_postgres(data_dir) as conn:
        assert conn.execute("SELECT note FROM kept").fetchall() == [("written before the stop",)]
    assert devservers_cmd(data_dir, "stop").returncode == 0
    assert processes_using(data_dir) == []
    assert suite_sockets() == before  # the suite's own servers are untouched


def test_run_gives_the_command_both_servers_and_stops_them_after(data_dir):
    probe = (
        "import os, sys, psycopg, redis\n"
        "from urllib.parse import unquote\n"
        "db, rd = os.environ['DATABASE_URL'], os.environ['REDIS_URL']\n"
        "host = unquote(db.split('@/', 1)[1].split('/', 1)[0])\n"
        "with psycopg.connect(host=host, user='postgres', dbname='blazz') as conn:\n"
        "    assert conn.execute('SELECT 1').fetchone() == (1,)\n"
        "assert redis.Redis.from_url(rd).ping()\n"
        "sys.exit(7)\n"
    )

    result = devservers_cmd(data_dir, "run", sys.executable, "-c", probe)

    assert result.returncode == 7, result.stdout + result.stderr  # the command's own exit status
    assert "PostgreSQL up" in result.stderr and "Redis up" in result.stderr
    assert "PostgreSQL stopped" in result.stderr and "Redis stopped" in result.stderr
    assert processes_using(data_dir) == []
    assert [path for path in sockets_of(data_dir) if path.exists()] == []


# --- devrun: a port already taken -------------------------------------------------------------------------


@pytest.fixture
def taken_port():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        yield holder.getsockname()[1]


@pytest.mark.parametrize("variable", ["PORT", "BRIDGE_PORT"])
def test_devrun_refuses_a_taken_port_clearly_and_starts_nothing(data_dir, taken_port, variable):
    ports = {"PORT": str(free_port()), "BRIDGE_PORT": str(free_port()), variable: str(taken_port)}

    result = subprocess.run([sys.executable, "-m", "blazz.dev.devrun", "--check"], env=fresh_machine_env(data_dir, **ports),
                            cwd=ROOT, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)

    assert result.returncode != 0
    assert f"Port {taken_port}" in result.stderr and "already taken" in result.stderr
    assert f"{variable}=<port> make run" in result.stderr
    assert "Blazz is running" not in result.stdout
    assert processes_using(data_dir) == []
    assert not (data_dir / "pg").exists() and not devservers.run_dir(data_dir).exists()
