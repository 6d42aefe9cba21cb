"""`make run` (blazz/dev/devrun.py) stops everything it started when Ctrl-C comes, whenever it comes.

Real processes on free ports with a data dir of their own under /tmp (the fixtures and helpers
of test_devservers.py); devrun is started in a process group of its own, and Ctrl-C is what a
terminal sends: SIGINT to that whole group.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from blazz.dev import devrun, devservers
from blazz.dev.realstack import ROOT, free_port, wait_until
from blazz.tests.test_devservers import alive, data_dir, fresh_machine_env, processes_using  # noqa: F401  (a fixture)

pytestmark = pytest.mark.integration

UP_TIMEOUT = 120  # initdb, the migrations and the demo on a loaded 2-core machine
STOP_TIMEOUT = 45  # honcho's own 10 s, then our 20 s grace, then the servers


class DevRun:
    """`python -m blazz.dev.devrun` with its output collected line by line."""

    def __init__(self, data_dir: Path):
        self.web_port, self.bridge_port = free_port(), free_port()
        env = fresh_machine_env(data_dir, PORT=str(self.web_port), BRIDGE_PORT=str(self.bridge_port))
        for name in ("BLAZZ_WEB_PORT", "BRIDGE_URL", "BRIDGE_DATA_DIR", "DJANGO_WEBHOOK_URL"):
            env.pop(name, None)  # derived from the ports and the data dir, as the e2e set-up does
        self.process = subprocess.Popen([sys.executable, "-m", "blazz.dev.devrun"], env=env, cwd=ROOT,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_for(self, condition, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                raise AssertionError(f"devrun exited ({self.process.returncode}) waiting for {what}:\n{self.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {timeout}s:\n{self.output()}")
            time.sleep(0.002)

    def said(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))

    def ctrl_c(self) -> int:
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT)
        finally:
            self._reader.join(timeout=5)

    def output(self) -> str:
        return "".join(self.lines[-60:])

    def kill(self):
        """After a failed test: devrun and what is under it, by pid (the fixture stops the servers)."""
        if self.process.poll() is None:
            for process in [*devrun.descendants(self.process.pid), psutil.Process(self.process.pid)]:
                try:
                    process.kill()
                except psutil.NoSuchProcess:
                    pass
            self.process.wait()


def test_ctrl_c_stops_every_process_and_frees_the_ports(data_dir):
    run = DevRun(data_dir)
    try:
        run.wait_for(lambda: run.said("Blazz is running"), UP_TIMEOUT, "banner")
        children = devrun.descendants(run.process.pid)
        servers = [devservers.EmbeddedPostgres(data_dir).pid(), devservers.EmbeddedRedis(data_dir).pid()]
        assert all(servers), servers
        names = " ".join(" ".join(p.cmdline()) for p in children)
        assert all(what in names for what in ("daphne", "celery", "node")), names

        code = run.ctrl_c()

        assert code == 0, run.output()
        assert [p for p in children if p.is_running() and alive(p.pid)] == []
        assert not any(alive(pid) for pid in servers)
        assert processes_using(data_dir) == []
        assert devrun.port_is_free(run.web_port) and devrun.port_is_free(run.bridge_port)
        assert "PostgreSQL stopped" in run.output() and "Redis stopped" in run.output()
    finally:
        run.kill()


def test_a_killed_process_is_restarted_with_its_reason_logged_and_the_rest_keep_running(data_dir):
    run = DevRun(data_dir)
    try:
        run.wait_for(lambda: run.said("Blazz is running"), UP_TIMEOUT, "banner")
        bridge = next(p for p in devrun.descendants(run.process.pid) if "bridge/src/server.js" in " ".join(p.cmdline())
                      and p.name() == "node")
        web = [p for p in devrun.descendants(run.process.pid) if "daphne" in " ".join(p.cmdline())]

        bridge.kill()  # kill -9

        run.wait_for(lambda: run.said("[restart] bridge: exited with signal 9"), 30, "the restart notice")
        run.wait_for(lambda: any("bridge/src/server.js" in " ".join(p.cmdline()) and p.pid != bridge.pid
                                 for p in devrun.descendants(run.process.pid)), 30, "a new bridge")
        run.wait_for(lambda: not devrun.port_is_free(run.bridge_port), 60, "the bridge's port taken again")
        assert run.process.poll() is None
        assert all(p.is_running() for p in web)  # web, worker, beat and the servers did not stop
        assert devservers.EmbeddedPostgres(data_dir).pid() is not None

        assert run.ctrl_c() == 0, run.output()
        assert devrun.port_is_free(run.web_port) and devrun.port_is_free(run.bridge_port)
    finally:
        run.kill()


def test_the_restart_backoff_doubles_while_a_process_dies_young_and_resets_after_a_healthy_run():
    from blazz.dev import restart

    delays, delay = [], 0.0
    for _ in range(7):
        delay = restart.next_delay(delay, ran_for=0.5)
        delays.append(delay)

    assert delays == [1, 2, 4, 8, 16, 30, 30]
    assert restart.next_delay(30, ran_for=restart.HEALTHY_AFTER_SECONDS) == 1


def test_ctrl_c_while_postgresql_is_starting_leaves_no_server_running(data_dir):
    """The postmaster is up, and the start goes on to create the database (psql, createdb): a
    Ctrl-C then used to kill psql, the start failed, and the server it had started was never
    recorded as started, so never stopped (the postmaster has a session of its own)."""
    run = DevRun(data_dir)

    def creating_the_database():
        return any(_name(p) in ("psql", "createdb") for p in devrun.descendants(run.process.pid))

    try:
        run.wait_for(creating_the_database, UP_TIMEOUT, "the database's creation")

        code = run.ctrl_c()

        assert code == 130, run.output()
        assert not run.said("Blazz is running")
        assert processes_using(data_dir) == [], run.output()
        assert devservers.EmbeddedPostgres(data_dir).pid() is None
        assert devrun.port_is_free(run.web_port) and devrun.port_is_free(run.bridge_port)
    finally:
        run.kill()


def _name(process: psutil.Process) -> str:
    try:
        return process.name()
    except psutil.Error:  # gone meanwhile
        return ""


# Each deaf one says it is ready (a file named by its pid) once its handlers are in place.
DEAF = ("import os, pathlib, signal, subprocess, sys, time\n"
        "for s in (signal.SIGTERM, signal.SIGINT): signal.signal(s, signal.SIG_IGN)\n"
        "(pathlib.Path(__file__).parent / f'ready.{os.getpid()}').touch()\n")
SCRIPTS = {
    # Deaf to SIGTERM and SIGINT.
    "deaf.py": DEAF + "time.sleep(120)\n",
    # Deaf too, with a deaf child in its process group (celery's pool, Chromium).
    "parent.py": DEAF + "subprocess.Popen([sys.executable, sys.argv[1]])\ntime.sleep(120)\n",
    # Stands in for honcho: each process in a session of its own.
    "supervisor.py": "import subprocess, sys, time\n"
                     "subprocess.Popen([sys.executable, sys.argv[1]], start_new_session=True)\n"
                     "subprocess.Popen([sys.executable, sys.argv[2], sys.argv[1]], start_new_session=True)\n"
                     "time.sleep(120)\n",
}


def test_a_hung_supervisor_and_every_process_under_it_are_stopped(tmp_path):
    """honcho hanging: killing its group never reached its processes (each in a session of its
    own). They are stopped through their own groups, deaf ones and their children included."""
    for name, code in SCRIPTS.items():
        (tmp_path / name).write_text(code)
    supervisor = subprocess.Popen([sys.executable, str(tmp_path / "supervisor.py"), str(tmp_path / "deaf.py"),
                                   str(tmp_path / "parent.py")], start_new_session=True)
    try:
        # deaf, parent and parent's child, each with its handlers installed
        wait_until(lambda: len(list(tmp_path.glob("ready.*"))) >= 3, 20, 0.05, "three deaf processes ready")
        known = devrun.descendants(supervisor.pid)
        assert len({os.getsid(p.pid) for p in known} - {os.getsid(supervisor.pid)}) == 2
        supervisor.send_signal(signal.SIGSTOP)  # hung for good: only SIGKILL moves it

        started = time.monotonic()
        devrun.stop_process_tree(supervisor, known, grace=0.5)

        assert supervisor.poll() is not None
        assert [p for p in known if p.is_running() and alive(p.pid)] == []
        assert time.monotonic() - started < 15
    finally:
        if supervisor.poll() is None:
            for process in [*devrun.descendants(supervisor.pid), psutil.Process(supervisor.pid)]:
                process.kill()
