"""The webhook inbox's SQLite tables: its registrations on backends, every delivery it received, and
whether the user left it switched on.

Only storage: the HTTP receiver that fills it is ``lib.studio.webhook_receiver``, the registration on a
backend is ``lib.studio.webhook_endpoints``. One instance per dashboard database is cached in
``lib.studio.data`` like the other stores, so a page run never rebuilds its schema.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from lib.studio.sqlite_store import SqliteStore

# A delivery's verdict: what the receiver made of it.
VALID = "valid"
BAD_SIGNATURE = "bad signature"
UNKNOWN_ENDPOINT = "unknown endpoint"

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


class InboxStore(SqliteStore):
    """Registrations, deliveries and the on/off flag; thread-safe (one connection per call)."""

    schema = _SCHEMA

    # -- the on/off flag (so a restarted dashboard starts its inbox again) -----------------------

    def wanted(self) -> bool:
        """Whether the user left the inbox switched on."""
        with self._connect() as db:
            row = db.execute("SELECT value FROM inbox_settings WHERE name='enabled'").fetchone()
        return bool(row and row[0] == "1")

    def set_wanted(self, wanted: bool) -> None:
        """Remember whether the inbox should run."""
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO inbox_settings (name, value) VALUES ('enabled', ?)",
                       ("1" if wanted else "0",))

    # -- registrations ---------------------------------------------------------------------------

    def endpoint_for(self, backend: str) -> InboxEndpoint | None:
        """The inbox's stored registration on ``backend``."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM inbox_endpoints WHERE backend=? ORDER BY created_at DESC LIMIT 1",
                             (backend,)).fetchone()
        return _endpoint(row) if row else None

    def endpoint_by_token(self, token: str) -> InboxEndpoint | None:
        """The registration a hook path's token belongs to."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM inbox_endpoints WHERE token=?", (token,)).fetchone()
        return _endpoint(row) if row else None

    def save_endpoint(self, registration: InboxEndpoint) -> None:
        """Keep ``registration`` as the only one for its backend."""
        with self._connect() as db:
            db.execute("DELETE FROM inbox_endpoints WHERE backend=? AND token<>?",
                       (registration.backend, registration.token))
            db.execute("INSERT OR REPLACE INTO inbox_endpoints (token, backend, base_url, endpoint_id, secret, "
                       "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       (registration.token, registration.backend, registration.base_url,
                        registration.endpoint_id, registration.secret, time.time()))

    # -- deliveries ------------------------------------------------------------------------------

    def add_delivery(self, *, token: str, backend: str | None, body: bytes, signature: str | None,
                     verdict: str, applied: bool, meta: dict[str, str]) -> Delivery:
        """Store one received POST with its verdict."""
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO inbox_deliveries (received_at, token, backend, event, event_id, video_id, signature, "
                "body, verdict, applied) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), token, backend, meta.get("event"), meta.get("event_id"), meta.get("video_id"),
                 signature, body, verdict, int(applied)))
            delivery_id = int(cursor.lastrowid)
        return self.delivery(delivery_id)

    def mark_replayed(self, delivery_id: int, verdict: str, applied: bool) -> Delivery:
        """Record a replay's verdict; ``applied`` stays true once a delivery reached the history."""
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


def _endpoint(row: sqlite3.Row) -> InboxEndpoint:
    return InboxEndpoint(row["token"], row["backend"], row["base_url"], row["endpoint_id"], row["secret"])


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(id=row["id"], received_at=row["received_at"], token=row["token"], backend=row["backend"],
                    event=row["event"], event_id=row["event_id"], video_id=row["video_id"],
                    signature=row["signature"], body=bytes(row["body"]), verdict=row["verdict"],
                    applied=bool(row["applied"]), replays=row["replays"])
