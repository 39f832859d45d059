"""A billed backend in front of the real engine, until the cloud stand-in arrives (tests/cloud_standin.py).

It passes every request through, except what the cloud would not give: no ``/healthz`` (so no
capabilities), the ``Idempotency-Key`` header dropped, and, while ``lose_answers`` > 0, a create that
the engine *does* make (and a cloud would bill) answered with a 502 instead of its video id. With
``remaining_quota`` set, the account's quota answer says that instead of the engine's fixed figure.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from lib.joggai.contract import HEALTH_PATH, IDEMPOTENCY_HEADER

CREATE_PATH = "/v2/create_video_from_avatar"
QUOTA_PATH = "/v2/user/remaining_quota"


class BilledStandIn:
    """``creates`` counts the creates that reached the engine; ``lose_answers`` how many answers to drop."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.creates = 0
        self.lose_answers = 0
        self.remaining_quota: float | None = None  # None: the engine's own answer
        self.seen_keys: list[str | None] = []
        stand_in = self
        dropped = {"host", "content-length", IDEMPOTENCY_HEADER.lower()}

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length", "0") or 0)
                body = self.rfile.read(length) if length else b""
                if self.path.split("?")[0] == HEALTH_PATH:
                    return self._answer(404, b"<html>no such route</html>", "text/html")
                forwarded = requests.request(
                    self.command, stand_in.target + self.path, data=body, timeout=30, allow_redirects=False,
                    headers={k: v for k, v in self.headers.items() if k.lower() not in dropped})
                if self.command == "POST" and self.path == CREATE_PATH:
                    stand_in.creates += 1
                    stand_in.seen_keys.append(self.headers.get(IDEMPOTENCY_HEADER))
                    if stand_in.lose_answers > 0:
                        stand_in.lose_answers -= 1
                        return self._answer(502, b"<html>bad gateway</html>", "text/html")
                if self.path == QUOTA_PATH and stand_in.remaining_quota is not None and forwarded.ok:
                    answer = forwarded.json()
                    answer["data"]["remaining_quota"] = stand_in.remaining_quota
                    return self._answer(200, json.dumps(answer).encode(), "application/json")
                self._answer(forwarded.status_code, forwarded.content,
                             forwarded.headers.get("content-type", "application/json"))

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
