"""`python -m blazz.web`: several daphne processes on one socket, supervised as one process."""

import os
import signal
import socket
import subprocess
import sys

import httpx
import psutil
import pytest

from blazz.dev.realstack import ROOT, free_port, wait_until

pytestmark = pytest.mark.integration


class Web:
    def __init__(self, tmp_path, processes: int):
        self.port = free_port()
        self.log = open(tmp_path / "web.log", "wb")
        env = {**os.environ, "WEB_PROCESSES": str(processes), "LOG_LEVEL": "WARNING"}
        self.proc = subprocess.Popen([sys.executable, "-m", "blazz.web", "--bind", "127.0.0.1", "--port", str(self.port)],
                                     env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def daphnes(self) -> list[psutil.Process]:
        try:
            return [p for p in psutil.Process(self.proc.pid).children() if "daphne" in " ".join(p.cmdline())]
        except psutil.Error:
            return []

    def answers(self) -> bool:
        try:  # the bridge's route answers a GET without the database
            return httpx.get(f"http://127.0.0.1:{self.port}/hooks/bridge/", headers={"Host": "localhost"},
                             timeout=2).status_code == 405
        except httpx.TransportError:
            return False

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        self.log.close()


@pytest.fixture
def web(tmp_path):
    made = []

    def start(processes):
        made.append(Web(tmp_path, processes))
        return made[-1]

    yield start
    for one in made:
        one.close()


def port_is_free(port: int) -> bool:
    return not any(c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN
                   for c in psutil.net_connections(kind="inet"))


def test_the_processes_share_one_port_and_stop_together(web):
    server = web(2)
    wait_until(lambda: len(server.daphnes()) == 2 and server.answers(), 60, 0.2, "two daphne processes answering")
    daphnes = server.daphnes()
    assert all(server.answers() for _ in range(20))

    os.kill(server.proc.pid, signal.SIGTERM)

    assert server.proc.wait(20) == 0
    psutil.wait_procs(daphnes, timeout=10)
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in daphnes)
    assert port_is_free(server.port)


def test_connections_opened_together_are_spread_over_the_processes(web):
    """The bridge's keep-alive pool opens its connections at once: on one shared socket the process
    that woke first accepted them all. Each process has its own socket (SO_REUSEPORT)."""
    server = web(2)
    wait_until(lambda: len(server.daphnes()) == 2 and server.answers(), 60, 0.2, "two daphne processes answering")
    # Connected in a burst (the kernel completes each handshake; daphne accepts them after).
    sockets = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(16)]
    try:
        for sock in sockets:
            sock.sendall(b"GET /hooks/bridge/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
        for sock in sockets:
            assert sock.recv(64).startswith(b"HTTP/1.1 405")

        def held(process):
            return sum(1 for c in process.net_connections(kind="tcp")
                       if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == server.port)

        counts = [held(process) for process in server.daphnes()]
        assert sum(counts) == 16
        assert min(counts) >= 1, counts  # all 16 on one process by chance: 2 in 65,536
    finally:
        for sock in sockets:
            sock.close()


def test_one_process_dying_stops_the_rest_with_an_error(web):
    """A web at half strength must not look healthy: honcho (make run) stops everything instead."""
    server = web(2)
    wait_until(lambda: len(server.daphnes()) == 2 and server.answers(), 60, 0.2, "two daphne processes answering")
    victim, other = server.daphnes()

    victim.kill()

    assert server.proc.wait(20) != 0
    psutil.wait_procs([other], timeout=10)
    assert not (other.is_running() and other.status() != psutil.STATUS_ZOMBIE)


def test_one_process_is_plain_daphne(web):
    server = web(1)
    wait_until(server.answers, 60, 0.2, "daphne answering")
    assert "daphne" in " ".join(psutil.Process(server.proc.pid).cmdline())  # exec'd in the launcher's place
