"""A tiny loopback HTTP server that answers each route with a scripted sequence of replies.

Tests use it for what a healthy engine never does on purpose: 429 then 200, 500s, HTML error pages,
broken JSON, slow answers. Every request is recorded so tests can count hits and inspect headers.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One scripted answer; a dict/list body is sent as JSON."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode(), "text/html; charset=utf-8"
        return json.dumps(self.body).encode(), "application/json"


def ok(data: Any = None, **kwargs: Any) -> Reply:
    """A successful JoggAI envelope."""
    return Reply(200, {"code": 0, "msg": "success", "data": data}, **kwargs)


def fail(http_status: int, code: int, msg: str, **kwargs: Any) -> Reply:
    """A JoggAI error envelope."""
    return Reply(http_status, {"code": code, "msg": msg, "data": None}, **kwargs)


@dataclass(frozen=True)
class Hit:
    """A request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    """`script(method, path, *replies)`; the last reply of a route repeats once the others are used."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], deque[Reply]] = defaultdict(deque)
        self._lock = threading.Lock()
        self.hits: list[Hit] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                reply = owner._next_reply(self.command, path)
                owner._record(
                    Hit(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                if reply.delay:
                    time.sleep(reply.delay)
                payload, content_type = reply.encoded()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="scripted-server", daemon=True)

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def reset(self) -> None:
        with self._lock:
            self._routes.clear()
            self.hits.clear()

    def script(self, method: str, path: str, *replies: Reply) -> None:
        with self._lock:
            self._routes[(method.upper(), path)].extend(replies)

    def hits_on(self, method: str, path: str) -> list[Hit]:
        with self._lock:
            return [hit for hit in self.hits if hit.method == method and hit.path.split("?", 1)[0] == path]

    def _next_reply(self, method: str, path: str) -> Reply:
        with self._lock:
            queue = self._routes.get((method, path))
            if not queue:
                return Reply(404, "<html><body>unscripted route</body></html>")
            return queue.popleft() if len(queue) > 1 else queue[0]

    def _record(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)
