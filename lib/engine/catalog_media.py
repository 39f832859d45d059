"""Catalog media made on first request and cached on disk: avatar covers and preview clips, voice samples.

Files are written under a temporary name and renamed, so a concurrent reader sees a whole file or none.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from lib.engine.settings import ENGINE_VERSION

if TYPE_CHECKING:  # the catalogs (and the renderer they draw with) load on first use, not at server start
    from lib.engine.catalog.avatars import AvatarProfile
    from lib.engine.catalog.voices import VoiceProfile

_locks: defaultdict[Path, threading.Lock] = defaultdict(threading.Lock)
_locks_guard = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    with _locks_guard:
        return _locks[path]


def cached_file(path: Path, make: Callable[[Path], None]) -> Path:
    """Return `path`, first calling `make(tmp_path)` and renaming the result into place if it is missing."""
    if path.exists():
        return path
    with _lock_for(path):
        if path.exists():  # another request made it while we waited
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp{path.suffix}")
        try:
            make(tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return path


def _version_dir(cache_dir: Path) -> Path:
    # Keyed by engine version so a renderer upgrade does not serve stale pictures.
    return cache_dir / f"catalog-{ENGINE_VERSION}"


def _avatar_dir(cache_dir: Path, avatar: AvatarProfile) -> Path:
    # The digest of the avatar's description: a changed look gets new files, not yesterday's picture.
    digest = hashlib.sha256(repr(avatar).encode("utf-8")).hexdigest()[:16]
    return _version_dir(cache_dir) / "avatars" / f"{avatar.id}-{digest}"


def avatar_cover(cache_dir: Path, avatar: AvatarProfile) -> Path:
    """The avatar's JPEG cover image."""
    from lib.engine.render.previews import render_cover_jpeg

    def make(tmp: Path) -> None:
        tmp.write_bytes(render_cover_jpeg(avatar))

    return cached_file(_avatar_dir(cache_dir, avatar) / "cover.jpg", make)


def avatar_preview(cache_dir: Path, avatar: AvatarProfile) -> Path:
    """The avatar's short idle MP4 clip."""
    from lib.engine.render.previews import render_preview_clip

    def make(tmp: Path) -> None:
        render_preview_clip(avatar, tmp)

    return cached_file(_avatar_dir(cache_dir, avatar) / "preview.mp4", make)


def voice_sample(cache_dir: Path, voice: VoiceProfile) -> Path:
    """A WAV of the voice saying a greeting in its language."""
    from lib.engine.catalog.voices import sample_text
    from lib.engine.render.speech import speech_to_wav, synthesize

    def make(tmp: Path) -> None:
        tmp.write_bytes(speech_to_wav(synthesize(sample_text(voice), voice)))

    # The id is opaque text: a hex digest keeps it out of the file system's way.
    name = voice.voice_id.encode("utf-8").hex()
    return cached_file(_version_dir(cache_dir) / "voices" / name / "sample.wav", make)
