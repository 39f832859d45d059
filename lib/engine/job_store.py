"""Every SQL statement on the `jobs` and `idempotency` tables, and the job's JSON answer shape.

The database is the only truth about a job (see `lib/engine/jobs.py` for its lifecycle): the API
inserts and reads jobs, the render queue claims and finishes them, workers write progress, the webhook
sender reads finished ones. Functions take the caller's connection, so a caller decides what runs in
one transaction.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from lib.engine.media import VIDEO_KIND, media_url
from lib.joggai.contract import VOICE_TYPES, Code, VideoStatus

PENDING, PROCESSING = VideoStatus.PENDING.value, VideoStatus.PROCESSING.value
COMPLETED, FAILED = VideoStatus.COMPLETED.value, VideoStatus.FAILED.value
VOICE_SCRIPT, VOICE_AUDIO = VOICE_TYPES


@dataclass(frozen=True)
class VideoSpec:
    """A create request after validation; stored with the job and read by the render worker."""

    avatar_id: int
    avatar_type: int
    voice_id: str
    voice_type: str  # VOICE_SCRIPT | VOICE_AUDIO
    script: str | None
    audio_url: str | None
    aspect_ratio: str
    screen_style: int
    caption: bool
    video_name: str | None
    webhook_url: str | None
    ext: dict[str, str] = field(default_factory=dict)  # our `ext` request field, validated
    ext_files: dict[str, str] = field(default_factory=dict)  # ext key -> the local file taken in for it


@dataclass(frozen=True)
class IdempotencyRecord:
    """What an Idempotency-Key was first used for."""

    video_id: str
    request_hash: str


# ---------------------------------------------------------------- idempotency

def request_hash(body: dict[str, Any]) -> str:
    """A stable digest of a request body (key order does not matter)."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# Request fields that change nothing in the frames, or differ for the same request (local copies).
_NOT_IN_MOTION_SEED = ("webhook_url", "ext_files")


def motion_seed(spec: dict[str, Any]) -> int:
    """The render's motion seed: a stable hash of the canonical request, so the same request moves the same."""
    canonical = {key: value for key, value in spec.items() if key not in _NOT_IN_MOTION_SEED}
    canonical.setdefault("ext", {})  # jobs stored before `ext` existed
    return int(request_hash(canonical)[:8], 16)


def idempotency_record(conn: sqlite3.Connection, key_id: int, idempotency_key: str) -> IdempotencyRecord | None:
    """The video an API key's Idempotency-Key already made, if any."""
    row = conn.execute(
        "SELECT video_id, request_hash FROM idempotency WHERE key_id = ? AND idempotency_key = ?",
        (key_id, idempotency_key),
    ).fetchone()
    return None if row is None else IdempotencyRecord(row["video_id"], row["request_hash"])


def remember_idempotency(conn: sqlite3.Connection, key_id: int, idempotency_key: str, body_hash: str,
                         video_id: str, now: float) -> None:
    """Record that this key made `video_id` (in the same transaction as the job's insert)."""
    conn.execute(
        "INSERT INTO idempotency (key_id, idempotency_key, request_hash, video_id, created_at) "
        "VALUES (?, ?, ?, ?, ?)", (key_id, idempotency_key, body_hash, video_id, int(now)))


# ---------------------------------------------------------------- the API side

def insert_job(conn: sqlite3.Connection, *, video_id: str, key_id: int, spec: VideoSpec, audio_path: str | None,
               base_url: str, now: float) -> None:
    """Accept a job: pending, with its validated request."""
    conn.execute(
        "INSERT INTO jobs (video_id, key_id, status, created_at, updated_at, request_json, audio_path, "
        "webhook_url, base_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (video_id, key_id, PENDING, int(now), now, json.dumps(asdict(spec)), audio_path, spec.webhook_url,
         base_url),
    )


def find_job(conn: sqlite3.Connection, video_id: str, key_id: int | None = None) -> sqlite3.Row | None:
    """A job's row; with `key_id`, only when that API key owns it."""
    if key_id is None:
        return conn.execute("SELECT * FROM jobs WHERE video_id = ?", (video_id,)).fetchone()
    return conn.execute("SELECT * FROM jobs WHERE video_id = ? AND key_id = ?", (video_id, key_id)).fetchone()


def job_spec(row: sqlite3.Row) -> dict[str, Any]:
    """The stored request of a job (the fields of VideoSpec)."""
    return json.loads(row["request_json"])


def is_finished(row: sqlite3.Row) -> bool:
    """Completed or failed: nothing about the job changes any more."""
    return VideoStatus(row["status"]).is_terminal


def job_json(row: sqlite3.Row, base: str) -> dict[str, Any]:
    """A job as GET avatar_video answers it: spec fields plus our extensions."""
    status = row["status"]
    data: dict[str, Any] = {
        "video_id": row["video_id"],
        "status": status,
        "created_at": int(row["created_at"]),
        "progress": 100 if status == COMPLETED else int(row["progress"]),
    }
    spec = job_spec(row)
    if spec.get("video_name"):
        data["video_name"] = spec["video_name"]
    if status == COMPLETED:
        token = row["media_token"]
        data["video_url"] = media_url(base, VIDEO_KIND, token, row["video_file"])
        data["cover_url"] = media_url(base, VIDEO_KIND, token, row["cover_file"])
        data["duration"] = round(float(row["duration"]), 3)
        if row["caption_file"]:
            data["caption_url"] = media_url(base, VIDEO_KIND, token, row["caption_file"])
    if status == FAILED:
        data["error"] = {"code": int(row["error_code"] or Code.SYSTEM_ERROR), "message": row["error_message"] or ""}
    return data


# ---------------------------------------------------------------- the render queue's side

def set_progress(conn: sqlite3.Connection, video_id: str, percent: int) -> None:
    """A rendering job's progress (ignored once the job left `processing`)."""
    conn.execute("UPDATE jobs SET progress = ?, updated_at = ? WHERE video_id = ? AND status = ?",
                 (percent, time.time(), video_id, PROCESSING))


def recover_interrupted(conn: sqlite3.Connection, max_attempts: int, message: str) -> tuple[list[str], int]:
    """Jobs a dead process left `processing`: fail those out of attempts, re-queue the rest.

    Returns (ids of the jobs failed, how many were re-queued)."""
    now = time.time()
    exhausted = [r["video_id"] for r in conn.execute(
        "SELECT video_id FROM jobs WHERE status = ? AND attempts >= ?", (PROCESSING, max_attempts))]
    conn.execute(
        "UPDATE jobs SET status = ?, error_code = ?, error_message = ?, updated_at = ? "
        "WHERE status = ? AND attempts >= ?",
        (FAILED, int(Code.SYSTEM_ERROR), message, now, PROCESSING, max_attempts))
    requeued = conn.execute("UPDATE jobs SET status = ?, progress = 0, updated_at = ? WHERE status = ?",
                            (PENDING, now, PROCESSING)).rowcount
    return exhausted, requeued


def claim_pending(conn: sqlite3.Connection, limit: int) -> list[tuple[str, int]]:
    """Mark up to `limit` of the oldest pending jobs `processing`; returns (video_id, attempt) of each.

    Run inside a write transaction, so two claimers never take the same job."""
    now = time.time()
    claimed: list[tuple[str, int]] = []
    rows = conn.execute("SELECT video_id, attempts FROM jobs WHERE status = ? ORDER BY created_at, rowid "
                        "LIMIT ?", (PENDING, limit)).fetchall()
    for row in rows:
        conn.execute("UPDATE jobs SET status = ?, attempts = attempts + 1, progress = 0, updated_at = ? "
                     "WHERE video_id = ?", (PROCESSING, now, row["video_id"]))
        claimed.append((row["video_id"], int(row["attempts"]) + 1))
    return claimed


def requeue(conn: sqlite3.Connection, video_id: str, *, refund_attempt: bool = False) -> None:
    """Put a `processing` job back to pending (refunding its attempt when the engine, not the job, stopped)."""
    attempts = "MAX(0, attempts - 1)" if refund_attempt else "attempts"
    conn.execute(f"UPDATE jobs SET status = ?, attempts = {attempts}, progress = 0, updated_at = ? "
                 "WHERE video_id = ? AND status = ?", (PENDING, time.time(), video_id, PROCESSING))


def mark_failed(conn: sqlite3.Connection, video_id: str, code: int, message: str) -> None:
    """A job ends failed with a business code and a user-facing message."""
    conn.execute("UPDATE jobs SET status = ?, error_code = ?, error_message = ?, updated_at = ? WHERE video_id = ?",
                 (FAILED, int(code), message, time.time(), video_id))


def mark_completed(conn: sqlite3.Connection, video_id: str, *, media_token: str, files: dict[str, str | None],
                   duration: float) -> None:
    """A job ends completed; `files` names its video, cover and caption (or None) under `media_token`."""
    conn.execute(
        "UPDATE jobs SET status = ?, progress = 100, media_token = ?, video_file = ?, cover_file = ?, "
        "caption_file = ?, duration = ?, updated_at = ? WHERE video_id = ?",
        (COMPLETED, media_token, files["video"], files["cover"], files["caption"], float(duration), time.time(),
         video_id))
