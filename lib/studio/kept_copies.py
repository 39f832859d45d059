"""Kept copies: the studio's own copy of every finished video from a billed backend.

The cloud's result links may expire (CONTRACT.md), so when a billed video completes (a tracker poll or
a webhook delivery says so) its MP4 and cover are downloaded with ``JoggAIClient.download`` (a plain
GET, never the API key) into ``<data dir>/copies/<backend hash>/<video id>.mp4``, written under a temp
name and renamed. The history records each copy's paths and size. The player, the download bundle and
sharing ask ``playable_video(job)`` (copy first, then the link), so they keep working after the link dies.
A finished copy (``lib.studio.finishing``) lives next to the copy, counts in the same budget and is
evicted with it; ``bundle_fetch`` reads it by its path.

A storage budget (default 5 GB) evicts the oldest copies first; the history then says so. The local
engine keeps its own files, so its videos are never copied.

Downloads happen off the page's critical path, in one background thread (``CopyKeeper``) owned by a
cached resource (``lib.studio.data.copy_keeper``): a page run only marks jobs as wanted and wakes it.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from lib.joggai import contract, errors
from lib.studio.history import JobHistory, JobRecord, JobUpdate
from lib.studio.studio_settings import StudioSettings

DEFAULT_BUDGET_BYTES = 5 * 1024**3
KEEP_SETTING = "keep_copies"
BUDGET_SETTING = "copies_budget_bytes"
# A job's copy_state.
WANTED, KEPT, EVICTED, FAILED = "wanted", "kept", "evicted", contract.VideoStatus.FAILED.value  # same word
EVICTED_NOTE = "copy evicted (storage budget)"
LOCAL_BACKEND = "local"

Download = Callable[[str], bytes]


def is_billed(backend_id: str) -> bool:
    """Every backend but the local engine is treated as the cloud: billed, with expiring links."""
    return backend_id != LOCAL_BACKEND


# ---------------------------------------------------------------- the policy (Settings)

@dataclass(frozen=True)
class CopyPolicy:
    """Whether to keep copies of billed videos, and how many bytes they may take."""

    keep: bool = True
    budget_bytes: int = DEFAULT_BUDGET_BYTES


def read_policy(settings: StudioSettings) -> CopyPolicy:
    """The stored policy; on by default with a 5 GB budget."""
    budget = settings.get(BUDGET_SETTING)
    return CopyPolicy(keep=settings.get(KEEP_SETTING) != "0",
                      budget_bytes=int(budget) if budget and budget.isdigit() else DEFAULT_BUDGET_BYTES)


def save_policy(settings: StudioSettings, policy: CopyPolicy) -> None:
    """Store the policy chosen in Settings."""
    settings.set(KEEP_SETTING, "1" if policy.keep else "0")
    settings.set(BUDGET_SETTING, str(max(0, int(policy.budget_bytes))))


# ---------------------------------------------------------------- what to play, bundle and share

@dataclass(frozen=True)
class MediaSource:
    """Where a job's media can be read: a kept copy on this machine, or the backend's result link."""

    location: str  # an absolute file path when ``is_copy``, else the URL as the backend gave it
    is_copy: bool


def _kept(path: str | None) -> str | None:
    return path if path and Path(path).is_file() else None


def playable_video(job: JobRecord) -> MediaSource | None:
    """The job's video: the kept copy when there is one on disk, then the link; None before it exists."""
    if copy := _kept(job.kept_video_path):
        return MediaSource(copy, True)
    return MediaSource(job.video_url, False) if job.video_url else None


def finished_copy(job: JobRecord) -> str | None:
    """The job's finished copy (logo, music, end card; ``lib.studio.finishing``) when it is on disk."""
    return _kept(job.finished_video_path)


def playable_cover(job: JobRecord) -> MediaSource | None:
    """The job's cover image, copy first, like ``playable_video``."""
    if copy := _kept(job.kept_cover_path):
        return MediaSource(copy, True)
    return MediaSource(job.cover_url, False) if job.cover_url else None


def bundle_fetch(job: JobRecord, download: Download) -> Download:
    """A ``fetch`` for ``sharing.build_bundle``: the job's video and cover links read from its copy."""
    copies = {url: path for url, path in ((job.video_url, _kept(job.kept_video_path)),
                                          (job.cover_url, _kept(job.kept_cover_path)),
                                          (job.finished_video_path, finished_copy(job))) if url and path}

    def fetch(url: str) -> bytes:
        return Path(copies[url]).read_bytes() if url in copies else download(url)

    return fetch


def copy_status(job: JobRecord) -> str:
    """One line for the Jobs table and the Video page; empty when the job has no copy to speak of."""
    if job.copy_state == KEPT:
        return f"kept copy ({format_bytes(job.kept_bytes or 0)})" if _kept(job.kept_video_path) else "copy missing"
    if job.copy_state == EVICTED:
        return job.copy_note or EVICTED_NOTE
    if job.copy_state == WANTED:
        return "copy pending"
    if job.copy_state == FAILED:
        return f"copy failed: {job.copy_note or 'no reason given'}"
    return ""


def format_bytes(size: int) -> str:
    """``1536`` -> ``1.5 KB``."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- making and evicting copies

def copy_paths(copies_dir: Path, job: JobRecord) -> tuple[Path, Path | None]:
    """Where ``job``'s MP4 and cover are kept (one folder per backend, named by a hash of its id)."""
    folder = Path(copies_dir) / hashlib.sha256(job.backend.encode()).hexdigest()[:16]
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", job.video_id)[:120] or "video"
    cover = None
    if job.cover_url:
        suffix = PurePosixPath(urlsplit(job.cover_url).path).suffix.lower()
        cover = folder / f"{stem}.cover{suffix if suffix in ('.jpg', '.jpeg', '.png', '.webp') else '.jpg'}"
    return folder / f"{stem}.mp4", cover


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        temp.write_bytes(content)
        os.replace(temp, path)  # a reader never sees half a file
    finally:
        temp.unlink(missing_ok=True)


def keep_copy(history: JobHistory, job: JobRecord, download: Download, copies_dir: Path,
              now: float | None = None) -> JobRecord:
    """Download ``job``'s MP4 (and cover, when there is one) and record the copy; a failure is recorded
    too. A cover that cannot be fetched does not spoil the video's copy."""
    video_path, cover_path = copy_paths(copies_dir, job)
    try:
        if not job.video_url:
            raise ValueError("the job has no video link")
        video = download(job.video_url)
        _write_atomically(video_path, video)
    except (errors.JoggAIError, OSError, ValueError) as exc:
        history.set_copy_state(job.backend, job.video_id, FAILED, note=str(exc)[:300])
        return history.get(job.backend, job.video_id) or job
    size = len(video)
    if cover_path is not None:
        try:
            cover = download(job.cover_url)
            _write_atomically(cover_path, cover)
            size += len(cover)
        except (errors.JoggAIError, OSError):
            cover_path = None
    history.record_copy(job.backend, job.video_id, state=KEPT, video_path=str(video_path),
                        cover_path=None if cover_path is None else str(cover_path), size=size,
                        now=time.time() if now is None else now)
    return history.get(job.backend, job.video_id) or job


def enforce_budget(history: JobHistory, budget_bytes: int) -> list[JobRecord]:
    """Delete the oldest copies until all of them fit in ``budget_bytes``; returns the evicted jobs.
    A job's finished copy goes with its copy (it was made from it)."""
    total = history.kept_usage()[1]
    evicted = []
    for job in history.jobs_in_copy_state(KEPT):
        if total <= budget_bytes:
            break
        for path in (job.kept_video_path, job.kept_cover_path, job.finished_video_path):
            if path:
                Path(path).unlink(missing_ok=True)
        history.record_eviction(job.backend, job.video_id, state=EVICTED, note=EVICTED_NOTE)
        total -= (job.kept_bytes or 0) + (job.finished_bytes or 0)
        evicted.append(job)
    return evicted


def wanted_copies(updates: Iterable[JobUpdate], policy: CopyPolicy) -> list[JobUpdate]:
    """The updates that finished a billed video the policy wants a copy of."""
    done = contract.VideoStatus.COMPLETED.value
    return [u for u in updates if policy.keep and u.status == done and is_billed(u.backend)]


class CopyKeeper:
    """One background thread that makes the wanted copies, one file at a time, and keeps the budget.

    Pages call ``want(updates)`` after storing poll results and ``offer_download(backend, download)``
    with the session's client; the webhook receiver calls ``want`` too. Jobs stay wanted (in the
    database) until a downloader for their backend is offered, also across dashboard restarts.
    """

    def __init__(self, history: JobHistory, settings: StudioSettings, copies_dir: Path) -> None:
        self.history, self.settings, self.copies_dir = history, settings, Path(copies_dir)
        self._downloads: dict[str, Download] = {}
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # one copy at a time, also when a test calls run_pending itself

    def want(self, updates: Iterable[JobUpdate]) -> int:
        """Mark the billed videos these updates finished as wanted; returns how many were new."""
        finished = wanted_copies(updates, CopyPolicy())
        if not finished:
            return 0  # the usual tick: nothing finished, so not even the policy is read
        marked = sum(self.history.set_copy_state(u.backend, u.video_id, WANTED, only_if_unset=True)
                     for u in wanted_copies(finished, read_policy(self.settings)))
        if marked:
            self._wake.set()
        return marked

    def offer_download(self, backend: str, download: Download) -> None:
        """How to fetch ``backend``'s result links (``JoggAIClient.download``); wakes the worker."""
        if is_billed(backend):
            self._downloads[backend] = download
            self._wake.set()

    def run_pending(self) -> int:
        """Make every wanted copy that has a downloader, then apply the budget; returns copies made."""
        made = 0
        with self._lock:
            policy = read_policy(self.settings)
            if not policy.keep:
                return 0
            for job in self.history.jobs_in_copy_state(WANTED):
                download = self._downloads.get(job.backend)
                if download is None or self._stopped.is_set():
                    continue
                made += keep_copy(self.history, job, download, self.copies_dir).copy_state == KEPT
                enforce_budget(self.history, policy.budget_bytes)
        return made

    def start(self) -> CopyKeeper:
        """Start the worker thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="copy-keeper", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the worker after the file it is on."""
        self._stopped.set()
        self._wake.set()

    def _work(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait()
            self._wake.clear()
            try:
                self.run_pending()
            except Exception:  # noqa: BLE001 - the worker must outlive one bad row; the row stays wanted
                time.sleep(1.0)
