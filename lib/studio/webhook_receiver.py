"""The webhook inbox's receiver: a small HTTP server on 127.0.0.1 that verifies and applies deliveries.

Every POST to ``/hooks/<token>`` is checked with ``lib.joggai.contract.construct_event`` against the
secret of the registration that token names, then stored (``lib.studio.inbox_store``) with its verdict:

- ``valid``: ``X-Webhook-Signature`` matches the raw body (answered 200);
- ``bad signature``: the signature is missing or does not match, a tampered or forged body (401);
- ``unknown endpoint``: the token is not one this inbox registered (404).

A valid video event is applied to the job history at once (``JobHistory.apply_updates``), so the
tracker shows the job done without waiting for its next poll; ``on_applied`` then hears about it (the
studio keeps copies of billed videos from there). A stored delivery can be replayed: verified again
with the current secret and, if valid, applied again (applying is idempotent).

The process's running receiver is cached in ``lib.studio.data``; registering it on a backend is
``lib.studio.webhook_endpoints``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lib.joggai import contract
from lib.studio.history import JobHistory, JobUpdate
from lib.studio.inbox_store import BAD_SIGNATURE, UNKNOWN_ENDPOINT, VALID, Delivery, InboxEndpoint, InboxStore

HOOK_PATH = "/hooks/"
MAX_BODY_BYTES = 1 << 20  # a JoggAI event is a few hundred bytes

_ANSWERS = {VALID: (200, "ok"), BAD_SIGNATURE: (401, "bad signature"), UNKNOWN_ENDPOINT: (404, "unknown endpoint")}


def update_from_event(backend: str, event: Mapping[str, Any], now: float | None = None) -> JobUpdate | None:
    """The history update a verified avatar-video event stands for; None for any other event."""
    if event.get("event") not in contract.AVATAR_VIDEO_EVENTS:
        return None
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    video_id = contract.webhook_video_id(data)
    if video_id is None:
        return None
    now = time.time() if now is None else now
    if event["event"] == contract.EVENT_AVATAR_VIDEO_SUCCESS:
        duration = data.get("duration")
        return JobUpdate(backend=backend, video_id=video_id, polled_at=now, next_poll_at=None,
                         status=contract.VideoStatus.COMPLETED.value, progress=100, video_url=data.get("video_url"),
                         cover_url=data.get("cover_url"), caption_url=data.get("caption_url"),
                         duration=float(duration) if isinstance(duration, int | float) else None)
    error = data.get("error") if isinstance(data.get("error"), dict) else {}
    return JobUpdate(backend=backend, video_id=video_id, polled_at=now, next_poll_at=None,
                     status=contract.VideoStatus.FAILED.value,
                     error_code=None if error.get("code") is None else str(error["code"]),
                     error_message=str(error.get("message") or "The backend reported a failure."))


def event_meta(body: bytes) -> dict[str, str]:
    """Event name, event id and video id for the deliveries table; read from any body, signed or not,
    for display only (nothing unverified is ever applied)."""
    try:
        event = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return {}
    if not isinstance(event, dict):
        return {}
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    return {name: str(value)[:200] for name, value in
            (("event", event.get("event")), ("event_id", event.get("event_id")),
             ("video_id", contract.webhook_video_id(data))) if value is not None}


class WebhookReceiver:
    """The HTTP receiver of one dashboard database. ``start()`` binds 127.0.0.1 on a free port; thread-safe."""

    def __init__(self, store: InboxStore, history: JobHistory, *, host: str = "127.0.0.1", port: int = 0,
                 on_applied: Callable[[Sequence[JobUpdate]], None] | None = None) -> None:
        self.store = store
        self.history = history
        self.on_applied = on_applied
        self._address = (host, port)
        self._server: ThreadingHTTPServer | None = None
        self._registered: set[tuple[str, str]] = set()  # (backend, base_url) checked since this start
        self._lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> WebhookReceiver:
        """Start listening (idempotent)."""
        with self._lock:
            if self._server is None:
                self._server = ThreadingHTTPServer(self._address, _handler_for(self))
                self._server.daemon_threads = True
                threading.Thread(target=self._server.serve_forever, name="webhook-inbox", daemon=True).start()
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

    # -- which backends point at this port (kept by lib.studio.webhook_endpoints) -----------------

    def is_registered(self, backend: str, base_url: str) -> bool:
        """Registered (or re-pointed) on this backend since the receiver started."""
        return (backend, base_url) in self._registered

    def mark_registered(self, backend: str, base_url: str) -> None:
        """The backend now delivers to this port."""
        self._registered.add((backend, base_url))

    def forget_registration(self, backend: str) -> None:
        """Check the registration on ``backend`` again next time (its endpoint was deleted there)."""
        self._registered = {pair for pair in self._registered if pair[0] != backend}

    # -- receiving -----------------------------------------------------------------------------

    def receive(self, token: str, body: bytes, signature: str | None) -> Delivery:
        """Verify, apply (when valid) and store one delivery; used by the HTTP handler.

        Applied before it is stored, so a stored valid delivery has already reached the history.
        """
        endpoint = self.store.endpoint_by_token(token)
        verdict, applied = self._verify_and_apply(endpoint, body, signature)
        return self.store.add_delivery(token=token, backend=endpoint.backend if endpoint else None, body=body,
                                       signature=signature, verdict=verdict, applied=applied,
                                       meta=event_meta(body))

    def replay(self, delivery_id: int) -> Delivery:
        """Verify a stored delivery again with the current secret and, if valid, apply it again."""
        stored = self.store.delivery(delivery_id)
        endpoint = self.store.endpoint_by_token(stored.token)
        verdict, applied = self._verify_and_apply(endpoint, stored.body, stored.signature)
        return self.store.mark_replayed(delivery_id, verdict, applied)

    def _verify_and_apply(self, endpoint: InboxEndpoint | None, body: bytes,
                          signature: str | None) -> tuple[str, bool]:
        if endpoint is None:
            return UNKNOWN_ENDPOINT, False
        try:
            event = contract.construct_event(body, signature, endpoint.secret)
        except contract.WebhookSignatureError:
            return BAD_SIGNATURE, False
        except contract.WebhookPayloadError:
            return VALID, False  # signed by the backend, so answered 2xx, but nothing to apply
        update = update_from_event(endpoint.backend, event)
        if update is None or not self.history.apply_updates([update]):
            return VALID, False
        if self.on_applied is not None:
            self.on_applied([update])
        return VALID, True


def _handler_for(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
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
            delivery = receiver.receive(token, body, self.headers.get(contract.WEBHOOK_SIGNATURE_HEADER))
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
