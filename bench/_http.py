"""A lean HTTP/1.1 keep-alive client for load generators (not a benchmark: `run_all.sh` skips
files starting with `_`).

A load generator shares the 2-core machine with the server it measures. httpx spends about 2 ms
of CPU on each small POST (its request and response models, h11, anyio), as much as some of the
requests it measures, so a generator built on it takes a third of a core away from the server
at a few hundred requests a second. This one writes the request bytes and reads the status line,
the headers and a Content-Length body off one connection that it keeps, which is all a
benchmark posting JSON to daphne needs (no chunked bodies, no redirects, no TLS).
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit


class HTTPError(Exception):
    """The connection failed or the answer could not be read; the connection is dropped."""


class KeepAliveConnection:
    """One connection, one request at a time (give each concurrent worker its own)."""

    def __init__(self, base_url: str, host: str, timeout: float = 30.0):
        parts = urlsplit(base_url)
        self.address = (parts.hostname, parts.port or 80)
        self.host = host
        self.timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """POST `body` to `path`: (status, response body). Raises HTTPError (and drops the
        connection, the next call opens another) when it fails or the answer does not come."""
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = (f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n{head}\r\n"
                   ).encode("latin-1") + body
        try:
            return await asyncio.wait_for(self._exchange(request), self.timeout)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError,
                ValueError) as exc:
            await self.close()
            raise HTTPError(f"{type(exc).__name__}: {exc}") from exc

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(*self.address)
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        length, keep = 0, True
        for line in header_lines:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                keep = False
        body = await self._reader.readexactly(length) if length else b""
        if not keep:
            await self.close()
        return status, body

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass
