"""When to ask a backend about a job, and asking about every due job at once.

Pure policy plus one concurrent fan-out; no Streamlit here, so the tracker's behaviour is unit-tested.
The cloud asks for a first poll after 10-15 s and then 10 s -> 30 s -> 60 s, never faster than 5 s;
the local engine answers in milliseconds, so it is polled every ~1.5 s.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from lib.joggai import VideoStatus, errors
from lib.studio.history import JobRecord, JobUpdate


@dataclass(frozen=True)
class PollPolicy:
    """Per-backend pacing. ``intervals[n]`` is the wait after the (n+1)-th poll; the last one repeats."""

    first_delay: float
    intervals: tuple[float, ...]
    min_interval: float
    max_error_backoff: float = 60.0

    def interval_after(self, poll_count: int) -> float:
        """Wait before the next poll once ``poll_count`` polls have been answered."""
        index = min(max(poll_count - 1, 0), len(self.intervals) - 1)
        return max(self.min_interval, self.intervals[index])

    def error_backoff(self, failures: int, retry_after: float | None = None) -> float:
        """Wait after ``failures`` consecutive failed polls (doubling, capped; Retry-After honoured)."""
        wait = min(self.max_error_backoff, self.interval_after(1) * 2 ** max(failures - 1, 0))
        return max(self.min_interval, wait, retry_after or 0.0)


LOCAL_POLICY = PollPolicy(first_delay=1.0, intervals=(1.5,), min_interval=1.0, max_error_backoff=15.0)
CLOUD_POLICY = PollPolicy(first_delay=10.0, intervals=(10.0, 30.0, 60.0), min_interval=5.0)


def policy_for(backend: str) -> PollPolicy:
    """The pacing for a backend id (``local``, ``cloud`` or ``custom:<url>``)."""
    return LOCAL_POLICY if backend == "local" else CLOUD_POLICY


def first_poll_at(backend: str, created_at: float) -> float:
    """When a newly submitted job is first due."""
    return created_at + policy_for(backend).first_delay


def is_due(job: JobRecord, now: float) -> bool:
    """A job is due when it is not finished and its next poll time has come."""
    if job.is_terminal:
        return False
    due_at = job.next_poll_at if job.next_poll_at is not None else first_poll_at(job.backend, job.created_at)
    return due_at <= now


def due_jobs(jobs: Iterable[JobRecord], now: float) -> list[JobRecord]:
    """The jobs that should be polled now."""
    return [job for job in jobs if is_due(job, now)]


def _status_text(status: object) -> str:
    return str(getattr(status, "value", status)).lower()


def poll_job(client, job: JobRecord, now: float | None = None) -> JobUpdate:
    """One GET for one job, turned into a history update (errors become a backed-off retry)."""
    policy = policy_for(job.backend)
    try:
        remote = client.get_avatar_video(job.video_id)
    except errors.NotFoundError as exc:
        polled_at = time.time() if now is None else now
        return JobUpdate(backend=job.backend, video_id=job.video_id, polled_at=polled_at, next_poll_at=None,
                         status=VideoStatus.FAILED.value, error_code=str(exc.code),
                         error_message=f"The backend no longer knows this video ({exc.message}).")
    except errors.JoggAIError as exc:
        polled_at = time.time() if now is None else now
        retry_after = exc.retry_after if isinstance(exc, errors.RateLimitError) else None
        wait = policy.error_backoff(job.poll_failures + 1, retry_after)
        return JobUpdate(backend=job.backend, video_id=job.video_id, polled_at=polled_at,
                         next_poll_at=polled_at + wait, poll_error=str(exc))
    polled_at = time.time() if now is None else now
    status = _status_text(remote.status)
    terminal = bool(remote.status.is_terminal)
    return JobUpdate(
        backend=job.backend, video_id=job.video_id, polled_at=polled_at,
        next_poll_at=None if terminal else polled_at + policy.interval_after(job.poll_count + 1),
        status=status, progress=remote.progress, video_url=remote.video_url, cover_url=remote.cover_url,
        caption_url=remote.caption_url, duration=remote.duration,
        error_code=None if remote.error_code is None else str(remote.error_code),
        error_message=remote.error_message,
        base_url=getattr(client, "base_url", None))


def poll_due_jobs(jobs: Sequence[JobRecord], client_for: Callable[[JobRecord], object | None], *,
                  now: float | None = None, max_workers: int = 8) -> list[JobUpdate]:
    """Poll every due job concurrently: exactly one status request per due job with a client.

    ``client_for`` maps a job to the client of its backend, or None when that backend is not
    connected (the job then waits). Only HTTP happens in the worker threads; callers render.
    """
    now = time.time() if now is None else now
    work = [(job, client) for job in due_jobs(jobs, now) if (client := client_for(job)) is not None]
    if not work:
        return []
    with ThreadPoolExecutor(max_workers=min(max_workers, len(work)),
                            thread_name_prefix="job-poll") as pool:
        return list(pool.map(lambda pair: poll_job(pair[1], pair[0]), work))
