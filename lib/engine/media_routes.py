"""Media served without the API key: results and uploads at unguessable URLs, catalog media by id.

Starlette's FileResponse answers Range requests (206) and HEAD. File layout: `lib/engine/media.py`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from lib.engine import catalog_media
from lib.engine.envelope import not_found
from lib.engine.media import ASSET_KIND, SPEECH_KIND, TOKEN_PATTERN, VIDEO_KIND, is_safe_filename, media_path
from lib.engine.runtime import Runtime

router = APIRouter()

_CATALOG = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
_IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"}
_CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".wav": "audio/wav",
}
def _existing_file(media_dir: Path, kind: str, token: str, filename: str) -> Path:
    if not TOKEN_PATTERN.match(token) or not is_safe_filename(filename):
        raise not_found("no such media")
    path = media_path(media_dir, kind, token, filename)
    if not path.is_file():
        raise not_found("no such media")
    return path


@router.api_route("/media/{kind}/{token}/{filename}", methods=["GET", "HEAD"], include_in_schema=False)
def serve_media(engine: Runtime, kind: str, token: str, filename: str) -> FileResponse:
    """A finished video's file, an uploaded asset or a speech preview (the token is the permission)."""
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
def serve_avatar_media(engine: Runtime, avatar_id: str, filename: str) -> FileResponse:
    """A catalog avatar's cover or preview clip, made on first request."""
    from lib.engine.catalog.avatars import find_public_avatar  # catalogs load on first use

    avatar = find_public_avatar(int(avatar_id)) if avatar_id.isdigit() else None
    if avatar is None or filename not in ("cover.jpg", "preview.mp4"):
        raise not_found("no such avatar media")
    cache_dir = engine.settings.cache_dir
    if filename == "cover.jpg":
        return FileResponse(catalog_media.avatar_cover(cache_dir, avatar), media_type="image/jpeg",
                            headers=_CATALOG)
    return FileResponse(catalog_media.avatar_preview(cache_dir, avatar), media_type="video/mp4",
                        headers=_CATALOG)


@router.api_route("/media/catalog/voices/{voice_id}/sample.wav", methods=["GET", "HEAD"], include_in_schema=False)
def serve_voice_sample(engine: Runtime, voice_id: str) -> FileResponse:
    """A catalog voice's sample clip, made on first request."""
    from lib.engine.catalog.voices import all_voices

    # Exact ids only: sample URLs are built from catalog ids (no cloud-id mapping here).
    voice = next((v for v in all_voices() if v.voice_id == voice_id), None)
    if voice is None:
        raise not_found("no such voice")
    path = catalog_media.voice_sample(engine.settings.cache_dir, voice)
    return FileResponse(path, media_type="audio/wav", headers=_CATALOG)
