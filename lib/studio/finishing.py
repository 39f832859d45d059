"""The Finish step: a finished copy of a completed video, with a logo, a ducked music bed and an end card.

For videos from any backend, and above all the billed ones, which know nothing of ``ext``: the work
happens on this computer (``lib.media.finish_video``, the ffmpeg that ships with the studio), from the
video's kept copy. A video without one (a local engine's, or a billed one whose copy was never made)
is copied first through ``kept_copies.keep_copy``, the same plain GET the copy keeper uses, so the
finished copy never depends on a link that may expire.

The finished copy is written next to the kept copy (``<stem>.finished.mp4`` in ``<data dir>/copies/``),
recorded in the history, counted in the copies' storage budget and evicted with its copy. Making it
again replaces it. The player and the bundle offer it beside the original, and a share link of the
video plays it (see ``share_media``). No Streamlit here; the panel is ``finish_panel``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lib.joggai import VideoStatus
from lib.media.finish import finish_video
from lib.media.music import MediaError
from lib.media.pictures import LOGO_CORNERS, EndCard
from lib.studio import kept_copies
from lib.studio.history import JobHistory, JobRecord
from lib.studio.kept_copies import Download

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # a logo, a product picture or a few minutes of music
END_CARD_SECONDS = (2.0, 8.0)  # the slider's range
MAX_CARD_TEXT = 120
LOGO_TYPES = ("png", "webp")  # formats with alpha
IMAGE_TYPES = ("png", "jpg", "jpeg", "webp")
MUSIC_TYPES = ("mp3", "wav", "m4a", "aac", "ogg", "flac")
FINISHED_SUFFIX = ".finished.mp4"


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its name (for the suffix only) and its bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class FinishChoices:
    """What the person chose in the Finish panel; every part is optional, at least one is needed."""

    logo: Upload | None = None
    logo_corner: str = LOGO_CORNERS[0]
    music: Upload | None = None
    card_text: str = ""
    card_image: Upload | None = None
    card_seconds: float = 3.0

    @property
    def wants_card(self) -> bool:
        return bool(self.card_text.strip()) or self.card_image is not None

    def problems(self) -> list[str]:
        """Why these choices cannot be made into a finished copy (empty when they can)."""
        found = []
        if self.logo is None and self.music is None and not self.wants_card:
            found.append("Choose a logo, music or an end card first.")
        for label, upload in (("logo", self.logo), ("music", self.music), ("product image", self.card_image)):
            if upload is not None and len(upload.content) > MAX_UPLOAD_BYTES:
                found.append(f"The {label} is over {MAX_UPLOAD_BYTES // 1024 // 1024} MB.")
        if len(self.card_text) > MAX_CARD_TEXT:
            found.append(f"The end card text is over {MAX_CARD_TEXT} characters.")
        if self.logo_corner not in LOGO_CORNERS:
            found.append(f"The logo corner must be one of {', '.join(LOGO_CORNERS)}.")
        return found


@dataclass(frozen=True)
class FinishOutcome:
    """What one *Make finished copy* did: the job as now recorded, or the problem in a sentence."""

    job: JobRecord
    problem: str | None = None


def can_finish(job: JobRecord) -> bool:
    """Only a completed video with a picture to start from."""
    return job.video_status is VideoStatus.COMPLETED and bool(job.video_url or kept_copies.playable_video(job))


def finished_path(copies_dir: Path, job: JobRecord) -> Path:
    """Where ``job``'s finished copy is written: next to its kept copy."""
    video, _ = kept_copies.copy_paths(copies_dir, job)
    return video.with_name(video.name.removesuffix(".mp4") + FINISHED_SUFFIX)


def ensure_kept_copy(history: JobHistory, job: JobRecord, download: Download | None, copies_dir: Path) -> JobRecord:
    """``job`` with a kept copy on disk: the one it has, else one downloaded now (MediaError if that fails)."""
    source = kept_copies.playable_video(job)
    if source is not None and source.is_copy:
        return job
    if download is None:
        raise MediaError("the video has no copy on this computer yet, and the backend is not reachable to fetch one")
    copied = kept_copies.keep_copy(history, job, download, copies_dir)
    if copied.copy_state != kept_copies.KEPT:
        raise MediaError(f"the video could not be fetched: {copied.copy_note or 'no reason given'}")
    return copied


def _saved(upload: Upload | None, folder: Path, stem: str) -> Path | None:
    if upload is None:
        return None
    suffix = PurePosixPath(upload.name).suffix.lower()[:6]  # ffmpeg and Pillow read the bytes, not the name
    path = folder / f"{stem}{suffix}"
    path.write_bytes(upload.content)
    return path


def make_finished_copy(history: JobHistory, job: JobRecord, choices: FinishChoices, *, copies_dir: Path,
                       download: Download | None, budget_bytes: int,
                       progress: Callable[[float], None] | None = None, now: float | None = None) -> FinishOutcome:
    """Make (or remake) ``job``'s finished copy from its kept copy, record it and keep the budget.
    Every failure comes back as a sentence in ``problem``; the previous finished copy then stays."""
    if problems := choices.problems():
        return FinishOutcome(job, " ".join(problems))
    if not can_finish(job):
        return FinishOutcome(job, "Only a completed video can be finished.")
    try:
        job = ensure_kept_copy(history, job, download, copies_dir)
        target = finished_path(copies_dir, job)
        with tempfile.TemporaryDirectory(prefix="finish-uploads-") as temp:
            folder = Path(temp)
            card = EndCard(choices.card_text.strip(), _saved(choices.card_image, folder, "product"),
                           min(max(choices.card_seconds, END_CARD_SECONDS[0]), END_CARD_SECONDS[1])) \
                if choices.wants_card else None
            result = finish_video(job.kept_video_path, target, logo=_saved(choices.logo, folder, "logo"),
                                  logo_corner=choices.logo_corner, music=_saved(choices.music, folder, "music"),
                                  end_card=card, progress=progress)
    except (MediaError, OSError) as exc:
        return FinishOutcome(history.get(job.backend, job.video_id) or job, f"Could not finish the video: {exc}.")
    history.record_finished(job.backend, job.video_id, video_path=str(result.path), size=result.size,
                            now=time.time() if now is None else now)
    kept_copies.enforce_budget(history, budget_bytes)
    recorded = history.get(job.backend, job.video_id) or job
    if kept_copies.finished_copy(recorded) is None:
        return FinishOutcome(recorded, "The finished copy did not fit in the storage budget (Settings).")
    return FinishOutcome(recorded)


def finished_status(job: JobRecord) -> str:
    """One line about the finished copy for the panel; empty when there is none."""
    if kept_copies.finished_copy(job) is None:
        return ""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(job.finished_at or 0))
    return f"Finished copy made {when} ({kept_copies.format_bytes(job.finished_bytes or 0)})"
