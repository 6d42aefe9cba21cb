"""A CRM's webhook receiver for tests and bench: a real HTTP server on 127.0.0.1 in a thread that
keeps every request (headers, raw body) and answers what the test sets (`answer`)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self):
        self.requests: list[dict] = []
        self.answer = 200
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: the sender reuses its connection
            wbufsize = 65536

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                code = receiver.answer
                with receiver.lock:
                    receiver.requests.append({"headers": {k.lower(): v for k, v in self.headers.items()},
                                              "body": body, "status": code, "at": time.monotonic()})
                reply = b'{"ok": true}' if code < 300 else b"x" * 5000
                self.send_response(code)
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/blazz"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def envelopes(self, status: int | None = 200) -> list[dict]:
        with self.lock:
            return [json.loads(r["body"]) for r in self.requests if status is None or r["status"] == status]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
