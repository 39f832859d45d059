"""A local webhook inbox: a small HTTP receiver that verifies, stores and applies JoggAI deliveries.

The inbox listens on 127.0.0.1 (a free port) and registers itself on the active backend as a webhook
endpoint whose URL carries a random token (``/hooks/<token>``); the endpoint's signing secret is kept
in the dashboard's SQLite file (it signs deliveries, it is not an API key). Every POST is stored with
its verdict:

- ``valid``: ``X-Webhook-Signature`` is the hex HMAC-SHA256 of the raw body with the token's secret;
- ``bad signature``: the signature is missing or does not match (a tampered or forged body);
- ``unknown endpoint``: the token is not one this inbox registered.

A valid video event is applied to the job history at once (``JobHistory.apply_updates``), so the
tracker shows the job done without waiting for its next poll. A stored delivery can be replayed:
verified again with the current secret and, if valid, applied again (applying is idempotent).

Also here: the endpoint management the Settings page offers (list, add, update, delete through
``lib.joggai``). The process's running receiver is cached in ``lib.studio.data`` and switched on and
off for a session in ``lib.studio.connection``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lib.joggai import errors
from lib.studio.backends import explain_error
from lib.studio.history import JobHistory, JobUpdate
from lib.studio.sharing import is_loopback_host
from lib.studio.sqlite_store import SqliteStore

VALID = "valid"
BAD_SIGNATURE = "bad signature"
UNKNOWN_ENDPOINT = "unknown endpoint"
VIDEO_EVENTS = ("generated_avatar_video_success", "generated_avatar_video_failed")
HOOK_PATH = "/hooks/"
MAX_BODY_BYTES = 1 << 20  # a JoggAI event is a few hundred bytes

_SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox_endpoints (
    token TEXT PRIMARY KEY,
    backend TEXT NOT NULL,
    base_url TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS inbox_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at REAL NOT NULL,
    token TEXT NOT NULL,
    backend TEXT,
    event TEXT,
    event_id TEXT,
    video_id TEXT,
    signature TEXT,
    body BLOB NOT NULL,
    verdict TEXT NOT NULL,
    applied INTEGER NOT NULL DEFAULT 0,
    replays INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS inbox_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def signature_for(body: bytes, secret: str) -> str:
    """The ``X-Webhook-Signature`` a sender with ``secret`` puts on ``body``."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, signature: str | None, secret: str | None) -> bool:
    """Constant-time check of a delivery's signature."""
    if not signature or not secret:
        return False
    return hmac.compare_digest(signature_for(body, secret), signature.strip().lower())


def update_from_event(backend: str, body: bytes, now: float | None = None) -> JobUpdate | None:
    """The history update a video event stands for, or None for other events and unreadable bodies."""
    try:
        event = json.loads(body)
    except ValueError:
        return None
    if not isinstance(event, dict) or event.get("event") not in VIDEO_EVENTS:
        return None
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    # Older senders put the id in project_id (CONTRACT.md).
    video_id = data.get("video_id") or data.get("project_id")
    if not video_id:
        return None
    now = time.time() if now is None else now
    if event["event"] == VIDEO_EVENTS[0]:
        duration = data.get("duration")
        return JobUpdate(backend=backend, video_id=str(video_id), polled_at=now, next_poll_at=None,
                         status="completed", progress=100, video_url=data.get("video_url"),
                         cover_url=data.get("cover_url"), caption_url=data.get("caption_url"),
                         duration=float(duration) if isinstance(duration, int | float) else None)
    error = data.get("error") if isinstance(data.get("error"), dict) else {}
    return JobUpdate(backend=backend, video_id=str(video_id), polled_at=now, next_poll_at=None,
                     status="failed", error_code=None if error.get("code") is None else str(error["code"]),
                     error_message=str(error.get("message") or "The backend reported a failure."))


@dataclass(frozen=True)
class InboxEndpoint:
    """The inbox's registration on one backend (the secret stays out of ``repr``)."""

    token: str
    backend: str
    base_url: str
    endpoint_id: str
    secret: str

    def __repr__(self) -> str:
        return (f"InboxEndpoint(token={self.token!r}, backend={self.backend!r}, "
                f"endpoint_id={self.endpoint_id!r})")


@dataclass(frozen=True)
class Delivery:
    """One POST the inbox received."""

    id: int
    received_at: float
    token: str
    backend: str | None
    event: str | None
    event_id: str | None
    video_id: str | None
    signature: str | None
    body: bytes
    verdict: str
    applied: bool
    replays: int


class WebhookInbox(SqliteStore):
    """The receiver plus its store. ``start()`` binds 127.0.0.1 on a free port; thread-safe."""

    schema = _SCHEMA

    def __init__(self, db_path: Path, history: JobHistory, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.history = history
        self._address = (host, port)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._registered: set[tuple[str, str]] = set()  # (backend, base_url) checked in this process
        self._lock = threading.Lock()
        super().__init__(db_path)

    @property
    def db_path(self) -> Path:
        """The dashboard database the inbox keeps its endpoints and deliveries in."""
        return self.path

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> WebhookInbox:
        """Start listening (idempotent)."""
        with self._lock:
            if self._server is None:
                self._server = ThreadingHTTPServer(self._address, _handler_for(self))
                self._server.daemon_threads = True
                self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-inbox",
                                                daemon=True)
                self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening; stored deliveries and registrations stay."""
        with self._lock:
            server, self._server = self._server, None
            self._registered.clear()
        if server is not None:
            server.shutdown()
            server.server_close()

    @property
    def running(self) -> bool:
        """Whether the receiver is listening."""
        return self._server is not None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` while running."""
        if self._server is None:
            raise RuntimeError("the inbox is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def hook_url(self, token: str) -> str:
        """The endpoint URL registered for ``token``."""
        return f"{self.url}{HOOK_PATH}{token}"

    # -- the enabled flag (so a restarted dashboard starts its inbox again) ------------------------

    @staticmethod
    def wanted(db_path: Path) -> bool:
        """Whether the user left the inbox switched on."""
        path = Path(db_path)
        if not path.exists():
            return False
        try:
            with sqlite3.connect(path, timeout=10) as db:
                row = db.execute("SELECT value FROM inbox_settings WHERE name='enabled'").fetchone()
        except sqlite3.OperationalError:  # the table does not exist yet
            return False
        return bool(row and row[0] == "1")

    def set_wanted(self, wanted: bool) -> None:
        """Remember whether the inbox should run."""
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO inbox_settings (name, value) VALUES ('enabled', ?)",
                       ("1" if wanted else "0",))

    # -- registration on a backend -------------------------------------------------------------

    def endpoint_for(self, backend: str) -> InboxEndpoint | None:
        """The inbox's stored registration on ``backend``."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM inbox_endpoints WHERE backend=? ORDER BY created_at DESC LIMIT 1",
                             (backend,)).fetchone()
        return _endpoint(row) if row else None

    def _endpoint_by_token(self, token: str) -> InboxEndpoint | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM inbox_endpoints WHERE token=?", (token,)).fetchone()
        return _endpoint(row) if row else None

    def is_registered(self, backend: str, base_url: str) -> bool:
        """Registered (or re-pointed) on this backend since the inbox started."""
        return (backend, base_url) in self._registered

    def forget_registration(self, backend: str) -> None:
        """Check the registration on ``backend`` again next time (its endpoint was deleted there)."""
        self._registered = {pair for pair in self._registered if pair[0] != backend}

    def register(self, client: Any, backend: str, base_url: str) -> InboxEndpoint:
        """Make sure ``backend`` delivers video events to this inbox.

        An endpoint registered earlier (known by its id) is re-pointed at the current port and
        enabled; otherwise a new one is created and its secret stored.
        """
        known = self.endpoint_for(backend)
        existing = None
        if known is not None:
            existing = next((e for e in client.list_webhook_endpoints() if e.endpoint_id == known.endpoint_id), None)
        if known is not None and existing is not None:
            client.update_webhook_endpoint(known.endpoint_id, url=self.hook_url(known.token),
                                           events=list(VIDEO_EVENTS), status="enabled")
            registration = InboxEndpoint(known.token, backend, base_url, known.endpoint_id,
                                         existing.secret or known.secret)
        else:
            token = secrets.token_urlsafe(12)
            created = client.add_webhook_endpoint(self.hook_url(token), VIDEO_EVENTS)
            if not created.secret:
                raise RuntimeError("the backend created the endpoint without a signing secret")
            registration = InboxEndpoint(token, backend, base_url, created.endpoint_id, created.secret)
        with self._connect() as db:
            db.execute("DELETE FROM inbox_endpoints WHERE backend=? AND token<>?", (backend, registration.token))
            db.execute("INSERT OR REPLACE INTO inbox_endpoints (token, backend, base_url, endpoint_id, secret, "
                       "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       (registration.token, backend, base_url, registration.endpoint_id, registration.secret,
                        time.time()))
        self._registered.add((backend, base_url))
        return registration

    # -- receiving -----------------------------------------------------------------------------

    def receive(self, token: str, body: bytes, signature: str | None) -> Delivery:
        """Verify, apply (when valid) and store one delivery; used by the HTTP handler.

        Applied before it is stored, so a stored valid delivery has already reached the history.
        """
        endpoint = self._endpoint_by_token(token)
        verdict = _verdict(endpoint, body, signature)
        applied = verdict == VALID and self._apply(endpoint.backend, body)
        meta = _event_meta(body)
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO inbox_deliveries (received_at, token, backend, event, event_id, video_id, signature, "
                "body, verdict, applied) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), token, endpoint.backend if endpoint else None, meta.get("event"),
                 meta.get("event_id"), meta.get("video_id"), signature, body, verdict, int(applied)))
            delivery_id = int(cursor.lastrowid)
        return self.delivery(delivery_id)

    def _apply(self, backend: str, body: bytes) -> bool:
        update = update_from_event(backend, body)
        return bool(update and self.history.apply_updates([update]))

    def replay(self, delivery_id: int) -> Delivery:
        """Verify a stored delivery again with the current secret and, if valid, apply it again."""
        stored = self.delivery(delivery_id)
        endpoint = self._endpoint_by_token(stored.token)
        verdict = _verdict(endpoint, stored.body, stored.signature)
        applied = verdict == VALID and self._apply(endpoint.backend, stored.body)
        with self._connect() as db:
            db.execute("UPDATE inbox_deliveries SET verdict=?, replays=replays+1, applied=MAX(applied, ?) WHERE id=?",
                       (verdict, int(applied), delivery_id))
        return self.delivery(delivery_id)

    def delivery(self, delivery_id: int) -> Delivery:
        """One stored delivery; KeyError when there is none."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM inbox_deliveries WHERE id=?", (delivery_id,)).fetchone()
        if row is None:
            raise KeyError(delivery_id)
        return _delivery(row)

    def deliveries(self, limit: int = 200) -> list[Delivery]:
        """The newest deliveries first."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM inbox_deliveries ORDER BY id DESC LIMIT ?", (int(limit),)).fetchall()
        return [_delivery(row) for row in rows]


def _verdict(endpoint: InboxEndpoint | None, body: bytes, signature: str | None) -> str:
    if endpoint is None:
        return UNKNOWN_ENDPOINT
    return VALID if verify_signature(body, signature, endpoint.secret) else BAD_SIGNATURE


def _event_meta(body: bytes) -> dict[str, str]:
    try:
        event = json.loads(body)
    except ValueError:
        return {}
    if not isinstance(event, dict):
        return {}
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    video_id = data.get("video_id") or data.get("project_id")
    return {name: str(value)[:200] for name, value in
            (("event", event.get("event")), ("event_id", event.get("event_id")), ("video_id", video_id))
            if value is not None}


def _endpoint(row: sqlite3.Row) -> InboxEndpoint:
    return InboxEndpoint(row["token"], row["backend"], row["base_url"], row["endpoint_id"], row["secret"])


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(id=row["id"], received_at=row["received_at"], token=row["token"], backend=row["backend"],
                    event=row["event"], event_id=row["event_id"], video_id=row["video_id"],
                    signature=row["signature"], body=bytes(row["body"]), verdict=row["verdict"],
                    applied=bool(row["applied"]), replays=row["replays"])


_ANSWERS = {VALID: (200, "ok"), BAD_SIGNATURE: (401, "bad signature"), UNKNOWN_ENDPOINT: (404, "unknown endpoint")}


def _handler_for(inbox: WebhookInbox) -> type[BaseHTTPRequestHandler]:
    class InboxHandler(BaseHTTPRequestHandler):
        server_version = "AvatarStudioInbox/1.0"

        def do_POST(self) -> None:  # http.server dispatches by this name
            if not self.path.startswith(HOOK_PATH):
                self._answer(404, "not a hook path")
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self._answer(413, "too large")
                return
            body = self.rfile.read(length)
            token = self.path[len(HOOK_PATH):].split("?", 1)[0]
            delivery = inbox.receive(token, body, self.headers.get("X-Webhook-Signature"))
            self._answer(*_ANSWERS[delivery.verdict])

        def _answer(self, status: int, message: str) -> None:
            payload = json.dumps({"ok": status < 300, "message": message}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return  # the deliveries table is the log

    return InboxHandler


# Table titles on the Settings page, in sentence case like every other table of the studio.
DELIVERY_COLUMNS = {"id": "#", "received": "Received", "verdict": "Verdict", "event": "Event",
                    "video_id": "Video ID", "applied": "Applied to history", "replays": "Replays"}
ENDPOINT_COLUMNS = {"endpoint_id": "Endpoint ID", "url": "URL", "status": "Status", "events": "Events",
                    "created": "Created", "note": "Note"}


def delivery_rows(deliveries: Iterable[Delivery]) -> list[dict[str, Any]]:
    """Table rows for the Settings page (no bodies, no secrets)."""
    return [{"id": d.id, "received": time.strftime("%b %d %H:%M:%S", time.localtime(d.received_at)),
             "verdict": d.verdict, "event": d.event or "", "video_id": d.video_id or "",
             "applied": d.applied, "replays": d.replays} for d in deliveries]


def reaches_this_machine(base_url: str) -> bool:
    """The inbox binds 127.0.0.1: only a backend on this machine can deliver to it."""
    return is_loopback_host(urlsplit(base_url).hostname)


def stored_inbox(db_path: Path) -> WebhookInbox:
    """The inbox's store without starting a receiver (to list deliveries while it is off)."""
    return WebhookInbox(Path(db_path), JobHistory(Path(db_path)))


# ---------------------------------------------------------------- endpoint management (Settings)

@dataclass(frozen=True)
class EndpointsView:
    """What the Settings page shows: endpoints, subscribable events, or why they could not be read."""

    endpoints: list
    events: list[str]
    problem: str | None = None


def endpoints_view(connection: Any) -> EndpointsView:
    """The connected backend's webhook endpoints and event names."""
    if connection.client is None or not connection.ok:
        return EndpointsView([], [], connection.health.message or "No backend is connected.")
    try:
        return EndpointsView(connection.client.list_webhook_endpoints(), connection.client.list_webhook_events())
    except errors.JoggAIError as exc:
        message, fix = explain_error(exc, connection.backend)
        return EndpointsView([], [], f"{message} {fix}")


def endpoint_rows(endpoints: Iterable[Any], inbox_endpoint_id: str | None = None) -> list[dict[str, Any]]:
    """Table rows for the endpoints (never the secret)."""
    return [{"endpoint_id": e.endpoint_id, "url": e.url, "status": e.status or "",
             "events": ", ".join(e.events),
             "created": time.strftime("%Y-%m-%d %H:%M", time.localtime(e.created_at)) if e.created_at else "",
             "note": "this dashboard's inbox" if e.endpoint_id == inbox_endpoint_id else ""}
            for e in endpoints]


def change_endpoint(connection: Any, action: str, endpoint_id: str | None = None, *, url: str | None = None,
                    events: Iterable[str] | None = None, status: str | None = None) -> tuple[Any, str | None]:
    """``add``, ``update`` or ``delete`` one endpoint; ``(endpoint or None, None)`` or ``(None, message)``."""
    client, backend = connection.client, connection.backend
    if client is None or backend is None:
        return None, connection.health.message or "No backend is connected."
    try:
        if action == "add":
            return client.add_webhook_endpoint((url or "").strip(), list(events or []), status or "enabled"), None
        if action == "update":
            return client.update_webhook_endpoint(endpoint_id, url=(url or "").strip() or None,
                                                  events=None if events is None else list(events),
                                                  status=status), None
        if action == "delete":
            client.delete_webhook_endpoint(endpoint_id)
            return None, None
    except errors.InvalidRequestError as exc:
        return None, exc.message
    except errors.JoggAIError as exc:
        message, fix = explain_error(exc, backend)
        return None, f"{message} {fix}"
    raise ValueError(f"unknown action {action!r}")
