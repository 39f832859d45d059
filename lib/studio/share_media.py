"""The files a share page plays: local copies the studio process serves from its own port.

A colleague's browser must never need the engine's port, its key or the cloud's expiring links, so the
studio fetches a shared video (and its captions) once, server-side, into ``DATA_DIR/share-cache`` and
hands the file to ``st.video`` / ``st.download_button``: Streamlit then serves the bytes from its media
endpoint (``/media/<hash>.mp4``, range requests included). ``share_media_path`` is the one lookup: the
video's finished copy (logo, music, end card: what its owner made it for) plays first, then a kept copy of
a cloud video (``kept_copies.playable_video``), and only then is the link fetched. No Streamlit here.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lib.joggai import VideoStatus, errors
from lib.studio.history import JobRecord
from lib.studio.kept_copies import finished_copy, playable_video

MAX_SHARED_BYTES = 500 * 1024 * 1024  # a 10-minute 720p video is well under this
Fetch = Callable[[str, int], bytes]  # (url, max_bytes) -> bytes, e.g. a keyless JoggAIClient.download


@dataclass(frozen=True)
class SharedMedia:
    """Local files for one shared video; ``problem`` says why there is no video file."""

    video: Path | None
    captions: Path | None = None
    problem: str | None = None


def _stem(job: JobRecord) -> str:
    # Ids come from a backend: hash them rather than trust them in a file name.
    return hashlib.sha256(f"{job.backend}\0{job.video_id}".encode()).hexdigest()[:32]


def _cached(url: str, target: Path, fetch: Fetch) -> Path:
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.part")
        partial.write_bytes(fetch(url, MAX_SHARED_BYTES))
        partial.replace(target)  # a half-written file is never served
    return target


def share_media_path(job: JobRecord, cache_dir: Path, fetch: Fetch) -> SharedMedia:
    """The video and caption files to play for ``job``: its finished copy, a kept copy, else the share
    cache (filled on first use through ``fetch``). Problems come back as a plain sentence, never an exception."""
    if job.video_status is not VideoStatus.COMPLETED or not job.video_url:
        return SharedMedia(None, problem="This video is not finished yet.")
    playable = playable_video(job)
    stem = _stem(job)
    try:
        if finished := finished_copy(job):
            video = Path(finished)
        elif playable and playable.is_copy:
            video = Path(playable.location)
        else:
            video = _cached(job.video_url, cache_dir / f"{stem}.mp4", fetch)
    except (errors.JoggAIError, OSError):
        return SharedMedia(None, problem="The video cannot be fetched right now. Try again in a while.")
    captions = None
    if job.caption_url:
        try:
            captions = _cached(job.caption_url, cache_dir / f"{stem}.vtt", fetch)
        except (errors.JoggAIError, OSError):
            captions = None  # the video still plays without them
    return SharedMedia(video, captions)
