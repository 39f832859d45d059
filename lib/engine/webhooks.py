"""Webhooks: endpoint CRUD (per key, at most 20) and signed, retried, recorded deliveries.

Delivery follows CONTRACT.md: POST with `X-Webhook-Event`, `X-Webhook-Signature` (hex HMAC-SHA256 of
the raw body with the endpoint secret) and `User-Agent: JoggAI-Webhook/2.0`; body
`{event_id, event, timestamp, data}`. A 2xx within 5 s is success; anything else is retried with
backoff (settings.webhook_backoff), and every attempt is a row in `webhook_attempts`. Deliveries
run on their own threads in the server process, so a slow receiver never delays rendering or the API.

Per-request `webhook_url` (our choice; CONTRACT.md is silent): signed with the secret of the key's
oldest *enabled* endpoint when there is one, and sent without `X-Webhook-Signature` otherwise. It
gets both avatar-video events regardless of any endpoint's subscriptions.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import logging
import secrets
import socket
import ssl
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import certifi
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lib.engine.auth import Owner
from lib.engine.envelope import envelope, not_found, parameter_error
from lib.engine.settings import EngineSettings
from lib.engine.store import Database
from lib.engine.video_api import is_http_url, read_json_object

log = logging.getLogger("lib.engine")
router = APIRouter()

USER_AGENT = "JoggAI-Webhook/2.0"
VIDEO_SUCCESS = "generated_avatar_video_success"
VIDEO_FAILED = "generated_avatar_video_failed"
EVENTS = (
    "generated_video_success", "generated_video_failed",
    "create_avatar_success", "create_avatar_failed",
    "generated_product_video_success", "generated_product_video_failed",
    VIDEO_SUCCESS, VIDEO_FAILED,
    "generated_template_video_success", "generated_template_video_failed",
    "generated_translate_video_success", "generated_translate_video_failed",
    "generated_photo_avatar_success", "generated_photo_avatar_failed",
    "generated_product_avatar_success", "generated_product_avatar_failed",
    "generated_script_success", "generated_script_failed",
)
STATUSES = ("enabled", "disabled")
MAX_URL_CHARS = 2048


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


def sign(body: bytes, secret: str) -> str:
    """The X-Webhook-Signature value: hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- endpoint CRUD

def _endpoint_json(row: Any, username: str) -> dict[str, Any]:
    return {
        "endpoint_id": row["endpoint_id"],
        "url": row["url"],
        "secret": row["secret"],
        "status": row["status"],
        "events": json.loads(row["events_json"]),
        "username": username,
        "created_at": int(row["created_at"]),
    }


def _check_url(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise parameter_error("url is required: the http(s) address that receives the events")
    if len(value) > MAX_URL_CHARS or not is_http_url(value.strip()):
        raise parameter_error("url must be an http or https URL of at most 2048 characters")
    return value  # kept byte-exact, as given


def _check_events(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(e, str) for e in value):
        raise parameter_error("events must be a non-empty list of event names (see GET /v2/events)")
    unknown = [e for e in value if e not in EVENTS]
    if unknown:
        raise parameter_error(f"events: unknown event {unknown[0][:80]!r} (see GET /v2/events)")
    return list(dict.fromkeys(value))


def _check_status(value: Any) -> str:
    if value not in STATUSES:
        raise parameter_error("status must be enabled or disabled")
    return value


def _engine_db(request: Request) -> Database:
    return request.app.state.engine.db


@router.post("/endpoint")
async def add_endpoint(request: Request, owner: Owner) -> JSONResponse:
    body = await read_json_object(request)
    url = _check_url(body.get("url"))
    events = _check_events(body.get("events"))
    status = _check_status(body.get("status", "enabled"))
    limit = request.app.state.engine.settings.max_endpoints_per_key
    endpoint_id = "wh_" + secrets.token_hex(12)
    db = _engine_db(request)
    with db.transaction() as conn:
        count = conn.execute("SELECT COUNT(*) FROM webhook_endpoints WHERE key_id = ?",
                             (owner.key_id,)).fetchone()[0]
        if count >= limit:
            raise parameter_error(f"at most {limit} webhook endpoints per account; delete one first")
        conn.execute(
            "INSERT INTO webhook_endpoints (endpoint_id, key_id, url, secret, status, events_json, created_at,"
            " seq) VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM webhook_endpoints))",
            (endpoint_id, owner.key_id, url, "whsec_" + secrets.token_urlsafe(24), status, json.dumps(events),
             int(time.time())))
        row = conn.execute("SELECT * FROM webhook_endpoints WHERE endpoint_id = ?", (endpoint_id,)).fetchone()
    return envelope(_endpoint_json(row, owner.username))


@router.get("/endpoints")
async def list_endpoints(request: Request, owner: Owner) -> JSONResponse:
    rows = _engine_db(request).conn.execute(
        "SELECT * FROM webhook_endpoints WHERE key_id = ? ORDER BY seq", (owner.key_id,)).fetchall()
    return envelope({"endpoints": [_endpoint_json(row, owner.username) for row in rows]})


@router.put("/endpoint/{endpoint_id}")
async def update_endpoint(request: Request, endpoint_id: str, owner: Owner) -> JSONResponse:
    body = await read_json_object(request)
    changes: dict[str, Any] = {}
    if "url" in body:
        changes["url"] = _check_url(body["url"])
    if "events" in body:
        changes["events_json"] = json.dumps(_check_events(body["events"]))
    if "status" in body:
        changes["status"] = _check_status(body["status"])
    # `secret` in the body is ignored: a secret never changes.
    db = _engine_db(request)
    with db.transaction() as conn:
        row = conn.execute("SELECT * FROM webhook_endpoints WHERE endpoint_id = ? AND key_id = ?",
                           (endpoint_id, owner.key_id)).fetchone()
        if row is None:
            raise not_found(f"webhook endpoint {endpoint_id[:80]!r} not found")
        conn.execute("UPDATE webhook_endpoints SET url = COALESCE(?, url), events_json = COALESCE(?, events_json),"
                     " status = COALESCE(?, status) WHERE endpoint_id = ?",
                     (changes.get("url"), changes.get("events_json"), changes.get("status"), endpoint_id))
        row = conn.execute("SELECT * FROM webhook_endpoints WHERE endpoint_id = ?", (endpoint_id,)).fetchone()
    return envelope(_endpoint_json(row, owner.username))


@router.delete("/endpoint/{endpoint_id}")
async def delete_endpoint(request: Request, endpoint_id: str, owner: Owner) -> JSONResponse:
    deleted = _engine_db(request).conn.execute(
        "DELETE FROM webhook_endpoints WHERE endpoint_id = ? AND key_id = ?", (endpoint_id, owner.key_id)
    ).rowcount
    if not deleted:
        raise not_found(f"webhook endpoint {endpoint_id[:80]!r} not found")
    return envelope({"message": "webhook deleted"})


@router.get("/events")
async def list_events(owner: Owner) -> JSONResponse:
    return envelope({"events": list(EVENTS)})


# ---------------------------------------------------------------- deliveries

def event_body(job: Any) -> tuple[str, bytes]:
    """The event name and the exact bytes sent (and signed) for a finished job."""
    from lib.engine.video_api import job_json

    info = job_json(job, job["base_url"])
    data: dict[str, Any] = {"video_id": job["video_id"], "project_id": job["video_id"], "status": job["status"]}
    if job["status"] == "completed":
        event = VIDEO_SUCCESS
        for field in ("video_url", "cover_url", "duration", "caption_url"):
            if field in info:
                data[field] = info[field]
    else:
        event = VIDEO_FAILED
        data["error"] = info.get("error", {"code": 50000, "message": ""})
    body = {"event_id": uuid.uuid4().hex, "event": event, "timestamp": int(time.time()), "data": data}
    return event, json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


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
        job = conn.execute("SELECT * FROM jobs WHERE video_id = ?", (video_id,)).fetchone()
        if job is None or job["status"] not in ("completed", "failed"):
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
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "X-Webhook-Event": row["event"]}
        if row["secret"]:
            headers["X-Webhook-Signature"] = sign(body, row["secret"])
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
