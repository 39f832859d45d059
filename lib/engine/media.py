"""Media served without the API key: results and uploads at unguessable URLs, catalog media by id.

Layout under DATA_DIR/media: `v/<token>/` finished videos (video.mp4, cover.jpg, captions.vtt),
`a/<token>/<filename>` uploaded assets, `s/<token>/speech.wav` speech previews. Starlette's
FileResponse answers Range requests (206) and HEAD.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
import unicodedata
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from lib.engine import catalog_media
from lib.engine.envelope import not_found

router = APIRouter()

VIDEO_KIND = "v"
ASSET_KIND = "a"
SPEECH_KIND = "s"

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{24,64}$")
_CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".wav": "audio/wav",
}
_IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"}
_CATALOG = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}


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


def _existing_file(media_dir: Path, kind: str, token: str, filename: str) -> Path:
    if not _TOKEN.match(token) or not is_safe_filename(filename):
        raise not_found("no such media")
    path = media_path(media_dir, kind, token, filename)
    if not path.is_file():
        raise not_found("no such media")
    return path


@router.api_route("/media/{kind}/{token}/{filename}", methods=["GET", "HEAD"], include_in_schema=False)
def serve_media(request: Request, kind: str, token: str, filename: str) -> FileResponse:
    engine = request.app.state.engine
    if kind not in (VIDEO_KIND, SPEECH_KIND, ASSET_KIND):
        raise not_found("no such media")
    path = _existing_file(engine.settings.media_dir, kind, token, filename)
    if kind == ASSET_KIND:
        row = engine.db.conn.execute(
            "SELECT content_type FROM assets WHERE media_token = ? AND status = 'uploaded'", (token,)
        ).fetchone()
        if row is None:
            raise not_found("no such media")
        media_type = row["content_type"]
    else:
        media_type = _CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return FileResponse(path, media_type=media_type, headers=_IMMUTABLE)


@router.api_route("/media/catalog/avatars/{avatar_id}/{filename}", methods=["GET", "HEAD"], include_in_schema=False)
def serve_avatar_media(request: Request, avatar_id: str, filename: str) -> FileResponse:
    from lib.engine.catalog.avatars import find_public_avatar  # catalogs load on first use

    avatar = find_public_avatar(int(avatar_id)) if avatar_id.isdigit() else None
    if avatar is None or filename not in ("cover.jpg", "preview.mp4"):
        raise not_found("no such avatar media")
    cache_dir = request.app.state.engine.settings.cache_dir
    if filename == "cover.jpg":
        return FileResponse(catalog_media.avatar_cover(cache_dir, avatar), media_type="image/jpeg",
                            headers=_CATALOG)
    return FileResponse(catalog_media.avatar_preview(cache_dir, avatar), media_type="video/mp4",
                        headers=_CATALOG)


@router.api_route("/media/catalog/voices/{voice_id}/sample.wav", methods=["GET", "HEAD"], include_in_schema=False)
def serve_voice_sample(request: Request, voice_id: str) -> FileResponse:
    from lib.engine.catalog.voices import all_voices

    # Exact ids only: sample URLs are built from catalog ids (no cloud-id mapping here).
    voice = next((v for v in all_voices() if v.voice_id == voice_id), None)
    if voice is None:
        raise not_found("no such voice")
    path = catalog_media.voice_sample(request.app.state.engine.settings.cache_dir, voice)
    return FileResponse(path, media_type="audio/wav", headers=_CATALOG)
