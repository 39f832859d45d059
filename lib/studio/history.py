"""The dashboard's job history: every submitted video, kept in SQLite so it survives restarts.

The cloud has no "list my videos" endpoint, so this store is the tracker's source of truth. It holds
the request body (which never contains the API key), names, status and result links — never a key.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar
from urllib.parse import urlsplit

from lib.joggai import VideoStatus
from lib.studio.sqlite_store import SqliteStore

TERMINAL_STATUSES = frozenset(status.value for status in VideoStatus if status.is_terminal)
# Request keys that could carry a credential; scrubbed defensively before anything is stored.
_SECRET_KEYS = frozenset({"api_key", "x-api-key", "apikey", "key", "authorization"})

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS jobs (
    backend TEXT NOT NULL,
    video_id TEXT NOT NULL,
    base_url TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    avatar_id INTEGER,
    avatar_name TEXT NOT NULL DEFAULT '',
    voice_id TEXT NOT NULL DEFAULT '',
    voice_name TEXT NOT NULL DEFAULT '',
    request_json TEXT NOT NULL DEFAULT '{{}}',
    batch TEXT,
    experiment TEXT,
    status TEXT NOT NULL DEFAULT '{VideoStatus.PENDING.value}',
    progress INTEGER,
    video_url TEXT,
    cover_url TEXT,
    caption_url TEXT,
    duration REAL,
    error_code TEXT,
    error_message TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    completed_at REAL,
    last_polled_at REAL,
    next_poll_at REAL,
    poll_count INTEGER NOT NULL DEFAULT 0,
    poll_failures INTEGER NOT NULL DEFAULT 0,
    kept_video_path TEXT,
    kept_cover_path TEXT,
    kept_bytes INTEGER,
    kept_at REAL,
    copy_state TEXT,
    copy_note TEXT,
    finished_video_path TEXT,
    finished_bytes INTEGER,
    finished_at REAL,
    parent_video_id TEXT,
    PRIMARY KEY (backend, video_id)
);
CREATE INDEX IF NOT EXISTS jobs_active ON jobs (status, next_poll_at);
CREATE INDEX IF NOT EXISTS jobs_listing ON jobs (status IN ('{VideoStatus.COMPLETED.value}', '{VideoStatus.FAILED.value}'), created_at DESC, video_id);
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (status, COALESCE(completed_at, updated_at), video_id);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, created_at DESC, video_id);
CREATE INDEX IF NOT EXISTS jobs_origin ON jobs (backend, base_url);
CREATE INDEX IF NOT EXISTS jobs_copies ON jobs (copy_state, kept_at);
CREATE INDEX IF NOT EXISTS jobs_parent ON jobs (parent_video_id);
"""
# Columns added after the first release: a database made before them gets them on open.
_LATER_COLUMNS = {"kept_video_path": "TEXT", "kept_cover_path": "TEXT", "kept_bytes": "INTEGER",
                  "kept_at": "REAL", "copy_state": "TEXT", "copy_note": "TEXT",
                  "finished_video_path": "TEXT", "finished_bytes": "INTEGER", "finished_at": "REAL",
                  "parent_video_id": "TEXT"}
# The tracker's orders, each served by an index above (the expressions must match them exactly).
LISTING_ORDER = f"ORDER BY status IN ('{VideoStatus.COMPLETED.value}', '{VideoStatus.FAILED.value}'), created_at DESC, video_id"
# The same order when every status asked for is on one side (then jobs_by_status serves it).
_NEWEST_ORDER = "ORDER BY created_at DESC, video_id"
FINISHED_WITH_VIDEO = f"status='{VideoStatus.COMPLETED.value}' AND video_url IS NOT NULL"
FINISHED_NEWEST = "ORDER BY COALESCE(completed_at, updated_at) DESC, video_id DESC"


@dataclass(frozen=True)
class JobRecord:
    """One row of the history."""

    backend: str
    video_id: str
    base_url: str
    name: str
    avatar_id: int | None
    avatar_name: str
    voice_id: str
    voice_name: str
    request_json: str
    batch: str | None
    experiment: str | None
    status: str
    progress: int | None
    video_url: str | None
    cover_url: str | None
    caption_url: str | None
    duration: float | None
    error_code: str | None
    error_message: str | None
    created_at: float
    updated_at: float
    completed_at: float | None
    last_polled_at: float | None
    next_poll_at: float | None
    poll_count: int
    poll_failures: int
    # The studio's own copy of a billed video (lib.studio.kept_copies): paths, size, when, and its state.
    kept_video_path: str | None = None
    kept_cover_path: str | None = None
    kept_bytes: int | None = None
    kept_at: float | None = None
    copy_state: str | None = None
    copy_note: str | None = None
    # The finished copy (logo, music bed, end card) made from the kept copy (lib.studio.finishing).
    finished_video_path: str | None = None
    finished_bytes: int | None = None
    finished_at: float | None = None
    # The video this one is a new version of (lib.studio.versions), by video id on any backend.
    parent_video_id: str | None = None

    @property
    def is_terminal(self) -> bool:
        """Completed or failed: never polled again."""
        return self.status in TERMINAL_STATUSES

    @property
    def video_status(self) -> VideoStatus:
        """The stored status as the contract's enum."""
        return VideoStatus.parse(self.status)

    @property
    def request(self) -> dict[str, Any]:
        """The request body as submitted."""
        return json.loads(self.request_json or "{}")

    def elapsed(self, now: float | None = None) -> float:
        """Seconds from submission to completion (or to ``now`` while still running)."""
        end = self.completed_at if self.completed_at is not None else (now or time.time())
        return max(0.0, end - self.created_at)


@dataclass(frozen=True)
class JobUpdate:
    """What one status poll learned about a job; ``status`` None means the poll itself failed."""

    backend: str
    video_id: str
    polled_at: float
    next_poll_at: float | None
    status: str | None = None
    progress: int | None = None
    video_url: str | None = None
    cover_url: str | None = None
    caption_url: str | None = None
    duration: float | None = None
    error_code: str | None = None
    error_message: str | None = None
    poll_error: str | None = None
    base_url: str | None = None


@dataclass(frozen=True)
class JobQuery:
    """A filter over the history; empty fields match everything. ``search`` is a case-insensitive
    substring of name, video id, avatar name or voice name."""

    statuses: tuple[str, ...] = ()
    backends: tuple[str, ...] = ()
    search: str = ""

    def where(self) -> tuple[str, list[Any]]:
        """The SQL condition and its parameters."""
        clauses, params = ["1=1"], []
        for column, values in (("status", self.statuses), ("backend", self.backends)):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        if needle := self.search.strip():
            escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            clauses.append("(name || ' ' || video_id || ' ' || avatar_name || ' ' || voice_name) LIKE ? ESCAPE '\\'")
            params.append(f"%{escaped}%")
        return " AND ".join(clauses), params


_COLUMNS = tuple(f.name for f in fields(JobRecord))


def scrub_request(request: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``request`` with any credential-looking field removed, recursively."""
    clean: dict[str, Any] = {}
    for key, value in request.items():
        if key.lower() in _SECRET_KEYS:
            continue
        clean[key] = scrub_request(value) if isinstance(value, Mapping) else value
    return clean


class JobHistory(SqliteStore):
    """SQLite-backed history; one short connection per call so any thread or session may use it."""

    schema = _SCHEMA

    later_columns: ClassVar[dict[str, dict[str, str]]] = {"jobs": _LATER_COLUMNS}

    def record_submission(self, *, backend: str, base_url: str, video_id: str, request: Mapping[str, Any],
                          name: str = "", avatar_name: str = "", voice_name: str = "",
                          batch: str | None = None, experiment: str | None = None,
                          next_poll_at: float | None = None, now: float | None = None) -> JobRecord:
        """Store a newly created video (replacing a row with the same id, e.g. an idempotent retry)."""
        now = time.time() if now is None else now
        body = scrub_request(request)
        avatar = body.get("avatar") or {}
        voice = body.get("voice") or {}
        row = {
            "backend": backend, "video_id": str(video_id), "base_url": base_url,
            "name": name or str(body.get("video_name") or ""), "avatar_id": avatar.get("avatar_id"),
            "avatar_name": avatar_name, "voice_id": str(voice.get("voice_id") or ""),
            "voice_name": voice_name, "request_json": json.dumps(body, sort_keys=True),
            "batch": batch, "experiment": experiment, "status": VideoStatus.PENDING.value,
            "created_at": now, "updated_at": now, "next_poll_at": next_poll_at,
        }
        with self._connect() as db:
            db.execute(f"INSERT OR REPLACE INTO jobs ({', '.join(row)}) "
                       f"VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
        record = self.get(backend, str(video_id))
        assert record is not None
        return record

    def apply_updates(self, updates: Iterable[JobUpdate]) -> int:
        """Write poll results; a job never moves back from a terminal status. Returns rows changed."""
        changed = 0
        with self._connect() as db:
            for update in updates:
                if update.status is None:
                    cursor = db.execute(
                        "UPDATE jobs SET last_polled_at=?, next_poll_at=?, poll_failures=poll_failures+1, "
                        "updated_at=? WHERE backend=? AND video_id=?",
                        (update.polled_at, update.next_poll_at, update.polled_at, update.backend,
                         update.video_id))
                else:
                    terminal = update.status in TERMINAL_STATUSES
                    cursor = db.execute(
                        "UPDATE jobs SET status=?, progress=COALESCE(?, progress), "
                        "video_url=COALESCE(?, video_url), cover_url=COALESCE(?, cover_url), "
                        "caption_url=COALESCE(?, caption_url), duration=COALESCE(?, duration), "
                        "error_code=?, error_message=?, base_url=COALESCE(?, base_url), "
                        "completed_at=CASE WHEN ? THEN COALESCE(completed_at, ?) ELSE NULL END, "
                        "last_polled_at=?, next_poll_at=?, poll_count=poll_count+1, poll_failures=0, "
                        "updated_at=? WHERE backend=? AND video_id=? "
                        "AND (status NOT IN (?, ?) OR ?)",
                        (update.status, update.progress, update.video_url, update.cover_url,
                         update.caption_url, update.duration, update.error_code, update.error_message,
                         update.base_url, terminal, update.polled_at, update.polled_at, update.next_poll_at,
                         update.polled_at, update.backend, update.video_id, *sorted(TERMINAL_STATUSES), terminal))
                changed += cursor.rowcount
        return changed

    # -- versions (the family walk is lib.studio.versions') -------------------------------------------

    def set_parent(self, backend: str, video_id: str, parent_video_id: str | None) -> bool:
        """Record that ``video_id`` is a new version of ``parent_video_id`` (None: of nothing)."""
        with self._connect() as db:
            return db.execute("UPDATE jobs SET parent_video_id=? WHERE backend=? AND video_id=?",
                              (parent_video_id, backend, video_id)).rowcount > 0

    def children_of(self, video_ids: Iterable[str]) -> list[JobRecord]:
        """Jobs recorded as new versions of any of ``video_ids``, newest first."""
        wanted = list(dict.fromkeys(video_ids))
        if not wanted:
            return []
        with self._connect() as db:
            rows = db.execute(f"SELECT * FROM jobs WHERE parent_video_id IN ({', '.join('?' * len(wanted))}) "
                              "ORDER BY created_at DESC, video_id", wanted).fetchall()
        return [_record(row) for row in rows]

    # -- kept copies (the policy and the files are lib.studio.kept_copies') --------------------------

    def set_copy_state(self, backend: str, video_id: str, state: str, *, note: str | None = None,
                       only_if_unset: bool = False) -> bool:
        """Mark a job's copy ``state`` (e.g. wanted, failed); ``only_if_unset`` leaves a job that has one."""
        with self._connect() as db:
            return db.execute(
                "UPDATE jobs SET copy_state=?, copy_note=? WHERE backend=? AND video_id=?"
                + (" AND copy_state IS NULL" if only_if_unset else ""),
                (state, note, backend, video_id)).rowcount > 0

    def record_copy(self, backend: str, video_id: str, *, state: str, video_path: str,
                    cover_path: str | None, size: int, now: float) -> None:
        """The job's copy is on disk: its paths and size in bytes."""
        with self._connect() as db:
            db.execute("UPDATE jobs SET copy_state=?, copy_note=NULL, kept_video_path=?, kept_cover_path=?, "
                       "kept_bytes=?, kept_at=? WHERE backend=? AND video_id=?",
                       (state, video_path, cover_path, int(size), now, backend, video_id))

    def record_finished(self, backend: str, video_id: str, *, video_path: str, size: int, now: float) -> None:
        """The job's finished copy is on disk (it counts in the copies' budget)."""
        with self._connect() as db:
            db.execute("UPDATE jobs SET finished_video_path=?, finished_bytes=?, finished_at=? "
                       "WHERE backend=? AND video_id=?", (video_path, int(size), now, backend, video_id))

    def record_eviction(self, backend: str, video_id: str, *, state: str, note: str) -> None:
        """The job's copy (and its finished copy) was deleted: no paths any more, and why."""
        with self._connect() as db:
            db.execute("UPDATE jobs SET copy_state=?, copy_note=?, kept_video_path=NULL, kept_cover_path=NULL, "
                       "kept_bytes=NULL, finished_video_path=NULL, finished_bytes=NULL "
                       "WHERE backend=? AND video_id=?", (state, note, backend, video_id))

    def jobs_in_copy_state(self, state: str, *, limit: int | None = None) -> list[JobRecord]:
        """Jobs whose copy is in ``state``, oldest copy (or oldest completion) first."""
        query = "SELECT * FROM jobs WHERE copy_state=? ORDER BY kept_at, completed_at, video_id"
        with self._connect() as db:
            rows = db.execute(query + (f" LIMIT {int(limit)}" if limit is not None else ""), (state,)).fetchall()
        return [_record(row) for row in rows]

    def kept_usage(self) -> tuple[int, int]:
        """How many copies are on disk and the bytes they take (finished copies included)."""
        with self._connect() as db:
            count, size = db.execute("SELECT COUNT(kept_bytes), COALESCE(SUM(kept_bytes), 0) "
                                     "+ COALESCE(SUM(finished_bytes), 0) FROM jobs").fetchone()
        return int(count), int(size)

    def move_origin(self, backend: str, base_url: str) -> int:
        """Point stored result links of ``backend`` at ``base_url`` (the local engine's port changes
        when it restarts; its media paths do not). Returns the number of jobs rewritten."""
        new_origin = _origin(base_url)
        changed = 0
        with self._connect() as db:
            # "< or >" rather than "<>": two seeks in jobs_origin instead of a walk over every job (runs each tick).
            rows = db.execute("SELECT video_id, base_url FROM jobs WHERE backend=? AND (base_url<? OR base_url>?)",
                              (backend, base_url, base_url)).fetchall()
            for row in rows:
                old_origin = _origin(row["base_url"])
                changed += db.execute(
                    "UPDATE jobs SET base_url=?, video_url=REPLACE(video_url, ?, ?), "
                    "cover_url=REPLACE(cover_url, ?, ?), caption_url=REPLACE(caption_url, ?, ?) "
                    "WHERE backend=? AND video_id=?",
                    (base_url, old_origin, new_origin, old_origin, new_origin, old_origin, new_origin, backend,
                     row["video_id"])).rowcount
        return changed

    def get(self, backend: str | None, video_id: str) -> JobRecord | None:
        """One job by id; with ``backend`` None, the most recent job with that id on any backend."""
        query = "SELECT * FROM jobs WHERE video_id=?"
        params: tuple[Any, ...] = (video_id,)
        if backend is not None:
            query += " AND backend=?"
            params += (backend,)
        with self._connect() as db:
            row = db.execute(query + " ORDER BY created_at DESC LIMIT 1", params).fetchone()
        return _record(row) if row else None

    def list_jobs(self, *, backend: str | None = None, statuses: Iterable[str] | None = None,
                  limit: int | None = None, experiment: str | None = None,
                  batch: str | None = None) -> list[JobRecord]:
        """Jobs, newest first, optionally filtered (by backend, status, experiment id, batch id)."""
        query, params = "SELECT * FROM jobs WHERE 1=1", []
        if backend is not None:
            query += " AND backend=?"
            params.append(backend)
        for column, value in (("experiment", experiment), ("batch", batch)):
            if value is not None:
                query += f" AND {column}=?"
                params.append(value)
        if statuses is not None:
            wanted = list(statuses)
            query += f" AND status IN ({', '.join('?' * len(wanted))})"
            params.extend(wanted)
        query += " ORDER BY created_at DESC"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        with self._connect() as db:
            return [_record(row) for row in db.execute(query, params)]

    def query_jobs(self, query: JobQuery = JobQuery(), *, limit: int, offset: int = 0) -> list[JobRecord]:
        """One page of the jobs ``query`` matches: unfinished ones first, then newest first."""
        where, params = query.where()
        one_side = query.statuses and len({status in TERMINAL_STATUSES for status in query.statuses}) == 1
        order = _NEWEST_ORDER if one_side else LISTING_ORDER
        with self._connect() as db:
            rows = db.execute(f"SELECT * FROM jobs WHERE {where} {order} LIMIT ? OFFSET ?",
                              (*params, int(limit), max(0, int(offset)))).fetchall()
        return [_record(row) for row in rows]

    def count_jobs(self, query: JobQuery = JobQuery()) -> int:
        """How many jobs ``query`` matches."""
        where, params = query.where()
        with self._connect() as db:
            return int(db.execute(f"SELECT COUNT(*) FROM jobs WHERE {where}", params).fetchone()[0])

    def backend_ids(self) -> list[str]:
        """Every backend the history holds jobs of, sorted."""
        with self._connect() as db:
            return [row[0] for row in db.execute("SELECT DISTINCT backend FROM jobs ORDER BY backend")]

    def latest_finished(self, limit: int) -> list[JobRecord]:
        """The ``limit`` most recently completed jobs with a video, oldest completion first."""
        with self._connect() as db:
            rows = db.execute(f"SELECT * FROM jobs WHERE {FINISHED_WITH_VIDEO} {FINISHED_NEWEST} LIMIT ?",
                              (int(limit),)).fetchall()
        return [_record(row) for row in reversed(rows)]

    def active_jobs(self, backend: str | None = None) -> list[JobRecord]:
        """Jobs that are not finished yet, newest first."""
        # "+backend": keep the planner on the status index (a few rows), not the primary key's backend
        # prefix (every job of that backend, 10,000 in a long-used studio).
        query = f"SELECT * FROM jobs WHERE status IN ('{VideoStatus.PENDING.value}', '{VideoStatus.PROCESSING.value}')"
        params: tuple[str, ...] = ()
        if backend is not None:
            query, params = query + " AND +backend=?", (backend,)
        with self._connect() as db:
            return [_record(row) for row in db.execute(query + " ORDER BY created_at DESC", params)]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _record(row: sqlite3.Row) -> JobRecord:
    return JobRecord(**{name: row[name] for name in _COLUMNS})
