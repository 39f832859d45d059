"""The Jobs page's table and the choices it offers, built from history records (no Streamlit)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from lib.joggai import VideoStatus
from lib.studio.backends import backend_label
from lib.studio.history import JobHistory, JobQuery, JobRecord
from lib.studio.kept_copies import copy_status

STATUSES = tuple(status.value for status in VideoStatus)
ACTIVE_STATUSES = STATUSES[:2]
REFRESH_CHOICES_MS = (1000, 2000, 3000, 5000, 10000, 30000)
# JoggAI's guide: renders take 2-10 minutes; more than 15 is worth flagging as probably stuck.
STUCK_AFTER_SECONDS = 15 * 60
# Finished videos shown inline; older ones stay reachable through the table and the video page.
MAX_INLINE_PLAYERS = 24
JOBS_PER_PAGE = 50  # rows in the tracker table; the rest are a page (or a search) away
MAX_FAILED_SHOWN = 20  # reasons listed under the table; the table's status filter finds the others


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


def jobs_frame(jobs: Sequence[JobRecord], *, now: float | None = None,
               highlight: str | None = None) -> pd.DataFrame:
    """The tracker table: one row per job, newest first."""
    now = time.time() if now is None else now
    rows = [{
        "": "👉" if job.video_id == highlight else "",
        "status": (f"{job.status} (stuck?)" if not job.is_terminal and job.elapsed(now) > STUCK_AFTER_SECONDS
                   else job.status),
        "progress": (100 if job.video_status is VideoStatus.COMPLETED else (job.progress or 0)),
        "elapsed": format_elapsed(job.elapsed(now)),
        "name": job.name or "(unnamed)",
        "avatar": job.avatar_name or (str(job.avatar_id) if job.avatar_id is not None else ""),
        "voice": job.voice_name or job.voice_id,
        "backend": backend_label(job.backend),
        "video_id": job.video_id,
        "error": job.error_message or "",
        "copy": copy_status(job),
    } for job in jobs]
    columns = ["", "status", "progress", "elapsed", "name", "avatar", "voice", "backend", "video_id", "error", "copy"]
    return pd.DataFrame(rows, columns=columns)


# Column titles of the tracker table, in sentence case like every other table of the studio.
JOB_COLUMNS = {"": "", "status": "Status", "progress": "Progress", "elapsed": "Elapsed", "name": "Name",
               "avatar": "Avatar", "voice": "Voice", "backend": "Backend", "video_id": "Video ID",
               "error": "Reason (if failed)", "copy": "Kept copy"}


@dataclass(frozen=True)
class JobsView:
    """What the Jobs page shows, each part read from SQL so a run costs the same with 100 or 10,000 jobs."""

    total: int  # jobs in the history
    followed: list[JobRecord]  # unfinished jobs of the connected backend: polled, and they keep the refresh on
    waiting: int  # unfinished jobs of other backends
    backends: list[str]  # backends with jobs in the history (the filter's choices)
    matching: int  # jobs the filters match
    page: int  # 1-based, within 1..pages
    pages: int
    rows: list[JobRecord]  # the table: this page of the matching jobs, unfinished first, then newest first
    failed_count: int  # failed jobs the filters match
    failed: list[JobRecord]  # the newest of them, at most MAX_FAILED_SHOWN
    players: list[JobRecord]  # finished videos to play inline, oldest completion first


def jobs_view(history: JobHistory, backend_id: str | None, *, statuses: Sequence[str] = (),
              backends: Sequence[str] = (), search: str = "", page: int = 1,
              per_page: int = JOBS_PER_PAGE) -> JobsView:
    """The Jobs page's figures, table page, failures and players; ``backend_id`` None: nothing is followed.

    Players are the latest finished videos whatever the filters say, in append-only order: a video that
    finishes later is added *after* the ones already on screen, so a player someone is watching keeps
    its place in the element tree across refreshes.
    """
    query = JobQuery(statuses=tuple(statuses), backends=tuple(backends), search=search)
    followed = history.active_jobs(backend_id) if backend_id is not None else []
    matching = history.count_jobs(query)
    pages = max(1, -(-matching // per_page))
    page = min(max(1, int(page or 1)), pages)
    failed_query = replace(query, statuses=(VideoStatus.FAILED.value,)) if not statuses or VideoStatus.FAILED.value in statuses else None
    return JobsView(
        total=history.count_jobs(),
        followed=followed,
        waiting=history.count_jobs(JobQuery(statuses=ACTIVE_STATUSES)) - len(followed),
        backends=history.backend_ids(),
        matching=matching, page=page, pages=pages,
        rows=history.query_jobs(query, limit=per_page, offset=(page - 1) * per_page),
        failed_count=history.count_jobs(failed_query) if failed_query else 0,
        failed=history.query_jobs(failed_query, limit=MAX_FAILED_SHOWN) if failed_query else [],
        players=history.latest_finished(MAX_INLINE_PLAYERS),
    )
