"""The web process: daphne, as several processes sharing one listening socket.

    python -m blazz.web [--bind 127.0.0.1] [--port 8000] [--processes N] [daphne options...]

One daphne process runs Python on one core. This binds the port once per process and starts
WEB_PROCESSES daphne processes, each accepting on its own socket (`daphne --fd`, the way daphne's
docs run it under a process manager), and supervises them: SIGTERM or SIGINT stops them all, and when one of them
exits the others are stopped and its exit code is ours, so honcho (or a test's Stack) sees a web
that died instead of one that silently serves at half strength. With one process, daphne is
exec'd in our place, as before.

The sockets share the port with SO_REUSEPORT, so the kernel spreads new connections over the
processes. On one shared socket, the process that happens to be waiting in accept() takes every
connection that arrives together (the bridge's and a CRM's keep-alive pools open theirs at
once), and one process does all the work while the others idle (seen: 96% of the requests on
one of two). Where SO_REUSEPORT is missing, they share one socket as before.

Nothing in a daphne process is shared with the others but the port: WebSocket groups, the
event `seq` and the typing relay go through Redis (channels-redis), so a socket on one process
receives what a webhook applied on another publishes.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import time

APPLICATION = "blazz.asgi:application"
STOP_GRACE_SECONDS = 10.0


def default_processes() -> int:
    """WEB_PROCESSES, else one per core (at most 4: past that, PostgreSQL wants the cores)."""
    value = os.environ.get("WEB_PROCESSES", "").strip()
    if value:
        try:
            count = int(value)
        except ValueError:
            sys.exit(f"WEB_PROCESSES must be a whole number, not {value!r}")
        if count < 1:
            sys.exit("WEB_PROCESSES must be at least 1")
        return count
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def listening_socket(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(socket.SOMAXCONN)
    sock.set_inheritable(True)
    return sock


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """One socket per process on one port (SO_REUSEPORT: the kernel balances connections), or
    one shared socket where the platform has no SO_REUSEPORT."""
    if not hasattr(socket, "SO_REUSEPORT"):
        return [listening_socket(host, port)] * count
    first = listening_socket(host, port, reuse_port=True)
    port = first.getsockname()[1]  # port 0: the others bind the one the first got
    return [first, *(listening_socket(host, port, reuse_port=True) for _ in range(count - 1))]


def _daphne(*args: str) -> list[str]:
    return [sys.executable, "-m", "daphne", *args]


class Supervisor:
    """Waits on the daphne processes. The first to exit, or a stop signal, stops the rest
    (SIGTERM, then SIGKILL after STOP_GRACE_SECONDS)."""

    def __init__(self):
        self.children: dict[int, int] = {}  # pid -> index
        self.code = 0
        self.kill_at: float | None = None
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, _signum, _frame):
        self.stop()

    def stop(self) -> None:
        if self.kill_at is None:
            self.kill_at = time.monotonic() + STOP_GRACE_SECONDS
            _signal_all(self.children, signal.SIGTERM)

    def wait(self) -> int:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)  # polled: a signal must not leave us blocked
            except ChildProcessError:
                break
            if pid == 0:
                if self.kill_at is not None and time.monotonic() > self.kill_at:
                    _signal_all(self.children, signal.SIGKILL)
                time.sleep(0.1)
                continue
            index = self.children.pop(pid, None)
            if index is not None and self.kill_at is None:
                exit_code = os.waitstatus_to_exitcode(status)
                print(f"[web] daphne process {index} exited ({exit_code}); stopping the others",
                      file=sys.stderr, flush=True)
                self.code = exit_code if exit_code > 0 else 1
                self.stop()
        return self.code


def _signal_all(children: dict[int, int], signum: int) -> None:
    for pid in list(children):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m blazz.web", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BLAZZ_WEB_PORT", "8000")))
    parser.add_argument("--processes", type=int, default=None, help="default: WEB_PROCESSES, else one per core")
    args, daphne_args = parser.parse_known_args(argv)
    processes = args.processes if args.processes is not None else default_processes()
    if processes < 1:
        parser.error("--processes must be at least 1")
    if processes == 1:
        command = _daphne("-b", args.bind, "-p", str(args.port), *daphne_args, APPLICATION)
        os.execv(command[0], command)
    sockets = listening_sockets(args.bind, args.port, processes)
    supervisor = Supervisor()  # its signal handlers first: a stop during the forks stops what started
    for index, sock in enumerate(sockets):
        command = _daphne("--fd", str(sock.fileno()), *daphne_args, APPLICATION)
        pid = os.fork()
        if pid == 0:
            try:
                for other in sockets:  # each child keeps only its own socket
                    if other is not sock:
                        other.close()
                os.execv(command[0], command)
            finally:
                os._exit(127)
        supervisor.children[pid] = index
    for sock in set(sockets):
        sock.close()
    print(f"[web] {processes} daphne processes on {args.bind}:{args.port}", file=sys.stderr, flush=True)
    return supervisor.wait()


if __name__ == "__main__":
    sys.exit(main())
