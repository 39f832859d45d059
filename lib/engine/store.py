"""The engine's SQLite database (WAL): API keys, jobs, idempotency keys, assets, webhooks, AI script tasks.

Every process (the server, its threads, render workers) opens its own connection; WAL lets readers
and one writer work at the same time, and a busy timeout absorbs short write contention.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id INTEGER PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,      -- sha256 hex of the key; the key itself is never stored here
    username TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    video_id TEXT PRIMARY KEY,
    key_id INTEGER NOT NULL,
    status TEXT NOT NULL,               -- pending | processing | completed | failed
    created_at INTEGER NOT NULL,
    updated_at REAL NOT NULL,
    request_json TEXT NOT NULL,         -- the validated request, normalised
    audio_path TEXT,                    -- custom audio, already fetched and probed
    webhook_url TEXT,
    base_url TEXT NOT NULL,             -- where the client reached us; for URLs in webhooks
    progress INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    media_token TEXT,
    video_file TEXT,
    cover_file TEXT,
    caption_file TEXT,
    duration REAL,
    error_code INTEGER,
    error_message TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, created_at);
CREATE TABLE IF NOT EXISTS idempotency (
    key_id INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    video_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (key_id, idempotency_key)
);
CREATE TABLE IF NOT EXISTS assets (
    upload_token TEXT PRIMARY KEY,      -- secret part of sign_url
    media_token TEXT NOT NULL UNIQUE,   -- secret part of asset_url
    key_id INTEGER NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    declared_size INTEGER,
    size INTEGER,
    status TEXT NOT NULL,               -- awaiting_upload | uploaded
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_endpoints (
    endpoint_id TEXT PRIMARY KEY,
    key_id INTEGER NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    status TEXT NOT NULL,
    events_json TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    event TEXT NOT NULL,
    video_id TEXT NOT NULL,
    endpoint_id TEXT,                   -- NULL for a per-request webhook_url
    url TEXT NOT NULL,
    secret TEXT,                        -- NULL: sent unsigned
    body BLOB NOT NULL,                 -- the exact bytes that are signed and sent
    status TEXT NOT NULL,               -- pending | delivered | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE TABLE IF NOT EXISTS ai_script_tasks (
    task_id TEXT PRIMARY KEY,
    key_id INTEGER NOT NULL,
    status TEXT NOT NULL,               -- pending | processing | completed | failed
    created_at INTEGER NOT NULL,
    updated_at REAL NOT NULL,
    request_json TEXT NOT NULL,         -- the validated request (ScriptOrder), or a product id
    result_json TEXT,                   -- generated_scripts, once completed; never rewritten
    err_msg TEXT
);
CREATE TABLE IF NOT EXISTS webhook_attempts (
    id INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    at REAL NOT NULL,
    http_status INTEGER,
    error TEXT,
    elapsed REAL NOT NULL
);
"""


def connect(db_path: Path) -> sqlite3.Connection:
    """Open a connection configured for concurrent use (WAL, busy timeout, rows by name)."""
    conn = sqlite3.connect(db_path, timeout=10.0, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def initialise(db_path: Path) -> None:
    """Create the tables when they do not exist yet."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(db_path)
    try:
        conn.executescript(SCHEMA)
    finally:
        conn.close()


class Database:
    """Hands each thread its own connection to one SQLite file."""

    def __init__(self, db_path: Path) -> None:
        self.path = db_path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on error: read-then-write without races."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        """Close every connection this object opened."""
        with self._lock:
            for conn in self._all:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._all.clear()
