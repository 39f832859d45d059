"""Where media files live and how their URLs look: results and uploads at unguessable tokens.

Layout under DATA_DIR/media: `v/<token>/` finished videos (video.mp4, cover.jpg, captions.vtt),
`a/<token>/<filename>` uploaded assets, `s/<token>/speech.wav` speech previews. The routes that serve
them (without the API key) are in `lib/engine/media_routes.py`.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
import unicodedata
from pathlib import Path
from urllib.parse import quote

VIDEO_KIND = "v"
ASSET_KIND = "a"
SPEECH_KIND = "s"

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{24,64}$")


def new_token() -> str:
    """An unguessable path segment (192 random bits)."""
    return secrets.token_urlsafe(24)


def prune_speech_previews(media_dir: Path, max_age: float = 7 * 24 * 3600) -> int:
    """Delete speech previews older than `max_age` seconds (they are scratch audio); returns how many."""
    removed = 0
    cutoff = time.time() - max_age
    for folder in (media_dir / SPEECH_KIND).glob("*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder)
                removed += 1
        except OSError:
            pass
    return removed


def media_path(media_dir: Path, kind: str, token: str, filename: str) -> Path:
    """The file of a media URL on disk."""
    return media_dir / kind / token / filename


def media_url(base: str, kind: str, token: str, filename: str) -> str:
    """The absolute URL of a media file."""
    return f"{base}/media/{kind}/{token}/{quote(filename, safe='')}"


def is_safe_filename(name: str) -> bool:
    """A plain file name: no directories, no traversal, no hidden or control characters."""
    return (
        0 < len(name) <= 200
        and name == Path(name).name
        and not name.startswith(".")
        and "/" not in name and "\\" not in name
        # Control and invisible format characters (RTL overrides, zero-width marks) can make
        # "evil\u202egnp.wav" display as "evilvaw.png": no such tricks in names we serve.
        and not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name)
    )
