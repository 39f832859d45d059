"""The Jobs page's table and the choices it offers, built from history records (no Streamlit)."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pandas as pd

from lib.studio.backends import backend_label
from lib.studio.history import JobRecord

STATUSES = ("pending", "processing", "completed", "failed")
REFRESH_CHOICES_MS = (1000, 2000, 3000, 5000, 10000, 30000)
# JoggAI's guide: renders take 2-10 minutes; more than 15 is worth flagging as probably stuck.
STUCK_AFTER_SECONDS = 15 * 60
# Finished videos shown inline; older ones stay reachable through the table and the video page.
MAX_INLINE_PLAYERS = 24


def format_elapsed(seconds: float) -> str:
    """``83`` -> ``1m 23s``."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def filter_jobs(jobs: Sequence[JobRecord], *, statuses: Sequence[str] = (), backends: Sequence[str] = (),
                search: str = "") -> list[JobRecord]:
    """Jobs matching the chosen statuses / backends (empty = all) and a free-text search."""
    needle = search.strip().lower()
    return [job for job in jobs
            if (not statuses or job.status in statuses)
            and (not backends or job.backend in backends)
            and needle in f"{job.name} {job.video_id} {job.avatar_name} {job.voice_name}".lower()]


def jobs_frame(jobs: Sequence[JobRecord], *, now: float | None = None,
               highlight: str | None = None) -> pd.DataFrame:
    """The tracker table: one row per job, newest first."""
    now = time.time() if now is None else now
    rows = [{
        "": "👉" if job.video_id == highlight else "",
        "status": (f"{job.status} (stuck?)" if not job.is_terminal and job.elapsed(now) > STUCK_AFTER_SECONDS
                   else job.status),
        "progress": (100 if job.status == "completed" else (job.progress or 0)),
        "elapsed": format_elapsed(job.elapsed(now)),
        "name": job.name or "(unnamed)",
        "avatar": job.avatar_name or (str(job.avatar_id) if job.avatar_id is not None else ""),
        "voice": job.voice_name or job.voice_id,
        "backend": backend_label(job.backend),
        "video_id": job.video_id,
        "error": job.error_message or "",
    } for job in jobs]
    columns = ["", "status", "progress", "elapsed", "name", "avatar", "voice", "backend", "video_id", "error"]
    return pd.DataFrame(rows, columns=columns)


# Column titles of the tracker table, in sentence case like every other table of the studio.
JOB_COLUMNS = {"": "", "status": "Status", "progress": "Progress", "elapsed": "Elapsed", "name": "Name",
               "avatar": "Avatar", "voice": "Voice", "backend": "Backend", "video_id": "Video ID",
               "error": "Reason (if failed)"}


def followed_jobs(jobs: Sequence[JobRecord], backend_id: str | None) -> list[JobRecord]:
    """Unfinished jobs the tracker can follow now: those of the connected backend (None: no backend)."""
    return [job for job in jobs if not job.is_terminal and job.backend == backend_id]


def inline_players(jobs: Sequence[JobRecord]) -> list[JobRecord]:
    """Completed jobs to play inline, oldest completion first.

    Append-only order on purpose: a video that finishes later is added *after* the ones already on
    screen, so a player someone is watching keeps its place in the element tree across refreshes.
    """
    done = [job for job in jobs if job.status == "completed" and job.video_url]
    done.sort(key=lambda job: (job.completed_at or job.updated_at, job.video_id))
    return done[-MAX_INLINE_PLAYERS:]
