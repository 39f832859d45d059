"""Webhook deliveries: signed, retried and recorded, from background threads in the server process.

Delivery follows CONTRACT.md: POST with `X-Webhook-Event`, `X-Webhook-Signature` (contract.sign_webhook:
hex HMAC-SHA256 of the raw body with the endpoint secret) and `User-Agent: JoggAI-Webhook/2.0`; body
`{event_id, event, timestamp, data}`. A 2xx within 5 s is success; anything else is retried with
backoff (settings.webhook_backoff), and every attempt is a row in `webhook_attempts`. Deliveries
run on their own threads, so a slow receiver never delays rendering or the API.

Per-request `webhook_url` (our choice; CONTRACT.md is silent): signed with the secret of the key's
oldest *enabled* endpoint when there is one, and sent without `X-Webhook-Signature` otherwise. It
gets both avatar-video events regardless of any endpoint's subscriptions.
Endpoint CRUD is in `lib/engine/webhook_routes.py`.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import socket
import ssl
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import certifi

from lib.engine import job_store
from lib.engine.settings import EngineSettings
from lib.engine.store import Database
from lib.joggai.contract import (
    EVENT_AVATAR_VIDEO_FAILED,
    EVENT_AVATAR_VIDEO_SUCCESS,
    WEBHOOK_EVENT_HEADER,
    WEBHOOK_SIGNATURE_HEADER,
    WEBHOOK_USER_AGENT,
    Code,
    sign_webhook,
)

log = logging.getLogger("lib.engine")


class DeliveryError(Exception):
    """A delivery attempt got no HTTP answer; `kind` is recorded with the attempt."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def post_within(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST `body` and return the HTTP status, all within `timeout` seconds in total.

    A per-read timeout is not enough: a receiver that trickles one byte every few seconds would hold a
    delivery thread for ever. A timer shuts the socket down at the deadline, which ends any blocked read.
    Redirects are not followed. Raises DeliveryError("ReadTimeout" | "ConnectionError" | "InvalidURL").
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DeliveryError("InvalidURL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError("InvalidURL")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        context = ssl.create_default_context(cafile=certifi.where())
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(parts.hostname, port, timeout=timeout,
                                                                      context=context)
    else:
        conn = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
    expired = threading.Event()

    def cut_off() -> None:
        expired.set()
        sock = conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(timeout, cut_off)
    timer.daemon = True
    timer.start()
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(64 * 1024)  # a little of the answer, so the receiver is not reset mid-write
        if expired.is_set():
            raise DeliveryError("ReadTimeout")
        return response.status
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError("ReadTimeout" if expired.is_set() or isinstance(exc, TimeoutError)
                            else "ConnectionError") from None
    finally:
        timer.cancel()
        conn.close()


def event_body(job: Any) -> tuple[str, bytes]:
    """The event name and the exact bytes sent (and signed) for a finished job."""
    info = job_store.job_json(job, job["base_url"])
    data: dict[str, Any] = {"video_id": job["video_id"], "project_id": job["video_id"], "status": job["status"]}
    if job["status"] == job_store.COMPLETED:
        event = EVENT_AVATAR_VIDEO_SUCCESS
        for field in ("video_url", "cover_url", "duration", "caption_url"):
            if field in info:
                data[field] = info[field]
    else:
        event = EVENT_AVATAR_VIDEO_FAILED
        data["error"] = info.get("error", {"code": int(Code.SYSTEM_ERROR), "message": ""})
    body = {"event_id": uuid.uuid4().hex, "event": event, "timestamp": int(time.time()), "data": data}
    return event, json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def delivery_headers(event: str, body: bytes, secret: str | None) -> dict[str, str]:
    """The headers of one delivery; signed only when there is a secret."""
    headers = {"Content-Type": "application/json", "User-Agent": WEBHOOK_USER_AGENT, WEBHOOK_EVENT_HEADER: event}
    if secret:
        headers[WEBHOOK_SIGNATURE_HEADER] = sign_webhook(body, secret)
    return headers
class WebhookSender:
    """Queues deliveries for finished jobs in SQLite and sends them from background threads."""

    def __init__(self, settings: EngineSettings, parallel: int = 4) -> None:
        self.settings = settings
        self.db = Database(settings.db_path)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._sending: set[int] = set()
        self._sending_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="webhook")
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start sending (deliveries left pending by a previous run are sent too)."""
        self._thread = threading.Thread(target=self._run, name="webhook-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop scheduling; unsent deliveries stay in the database for the next start."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.db.close()

    def job_finished(self, video_id: str) -> None:
        """Queue the success/failure event for every subscribed enabled endpoint and the job's webhook_url."""
        conn = self.db.conn
        job = job_store.find_job(conn, video_id)
        if job is None or not job_store.is_finished(job):
            return
        event, body = event_body(job)
        endpoints = conn.execute(
            "SELECT endpoint_id, url, secret, events_json FROM webhook_endpoints "
            "WHERE key_id = ? AND status = 'enabled' ORDER BY seq", (job["key_id"],)).fetchall()
        targets: list[tuple[str | None, str, str | None]] = [
            (row["endpoint_id"], row["url"], row["secret"]) for row in endpoints
            if event in json.loads(row["events_json"])
        ]
        if job["webhook_url"]:
            secret = endpoints[0]["secret"] if endpoints else None
            targets.append((None, job["webhook_url"], secret))
        if not targets:
            return
        now = time.time()
        with self.db.transaction() as tx:
            for endpoint_id, url, secret in targets:
                tx.execute(
                    "INSERT INTO webhook_deliveries (event_id, event, video_id, endpoint_id, url, secret, body, "
                    "status, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
                    (json.loads(body)["event_id"], event, video_id, endpoint_id, url, secret, body, now, now))
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before the work: a wake-up during it is not lost
            try:
                self._dispatch_due()
            except Exception:  # keep delivering whatever happens to one batch
                log.exception("webhook scheduler error")
            self._wake.wait(timeout=0.25)

    def _dispatch_due(self) -> None:
        rows = self.db.conn.execute(
            "SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? "
            "ORDER BY next_attempt_at LIMIT 50", (time.time(),)).fetchall()
        for row in rows:
            delivery_id = int(row["id"])
            with self._sending_lock:
                if delivery_id in self._sending:
                    continue
                self._sending.add(delivery_id)
            self._pool.submit(self._attempt, delivery_id)

    def _attempt(self, delivery_id: int) -> None:
        try:
            self._send_once(delivery_id)
        except Exception:  # a bug here must not lose the delivery: it stays pending
            log.exception("webhook delivery %d errored", delivery_id)
        finally:
            with self._sending_lock:
                self._sending.discard(delivery_id)
            self._wake.set()

    def _send_once(self, delivery_id: int) -> None:
        conn = self.db.conn
        row = conn.execute("SELECT * FROM webhook_deliveries WHERE id = ?", (delivery_id,)).fetchone()
        if row is None or row["status"] != "pending":
            return
        body = bytes(row["body"])
        headers = delivery_headers(row["event"], body, row["secret"])
        started = time.monotonic()
        http_status: int | None = None
        error: str | None = None
        try:
            http_status = post_within(row["url"], body, headers, self.settings.webhook_timeout)
        except DeliveryError as exc:
            error = exc.kind
        elapsed = time.monotonic() - started
        attempt = int(row["attempts"]) + 1
        ok = http_status is not None and 200 <= http_status < 300
        backoff = self.settings.webhook_backoff
        with self.db.transaction() as tx:
            tx.execute("INSERT INTO webhook_attempts (delivery_id, attempt, at, http_status, error, elapsed) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (delivery_id, attempt, time.time(), http_status, error, elapsed))
            if ok:
                tx.execute("UPDATE webhook_deliveries SET status = 'delivered', attempts = ? WHERE id = ?",
                           (attempt, delivery_id))
            elif attempt > len(backoff):
                tx.execute("UPDATE webhook_deliveries SET status = 'failed', attempts = ? WHERE id = ?",
                           (attempt, delivery_id))
            else:
                tx.execute("UPDATE webhook_deliveries SET attempts = ?, next_attempt_at = ? WHERE id = ?",
                           (attempt, time.time() + backoff[attempt - 1], delivery_id))
        outcome = "delivered" if ok else f"failed ({http_status or error})"
        log.info("webhook %s for video %s attempt %d %s", row["event"], row["video_id"], attempt, outcome)
