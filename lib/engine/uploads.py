"""Two-step uploads: `POST /v2/upload/asset` hands out a one-time `sign_url`; a key-less `PUT` to it
stores the bytes (declared content type and size checked, content sniffed), then `asset_url` serves them.
"""

from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from lib.engine.auth import Owner
from lib.engine.envelope import ApiError, envelope, not_found, parameter_error
from lib.engine.media import ASSET_KIND, is_safe_filename, media_path, media_url, new_token
from lib.engine.video_api import read_json_object

log = logging.getLogger("lib.engine")
api_router = APIRouter()
put_router = APIRouter()

MB = 1024 * 1024
SIZE_LIMITS = {"image": 10 * MB, "audio": 20 * MB, "video": 100 * MB}
SIGN_URL_LIFETIME = 3600
_MEDIA_TYPE = re.compile(r"^(image|audio|video)/[a-z0-9][a-z0-9.+-]{0,80}$")
_UPLOAD_TOKEN = re.compile(r"^[A-Za-z0-9_-]{24,64}$")


def media_type_of(content_type: str) -> str:
    """`Audio/MPEG; charset=x` -> `audio/mpeg`."""
    return content_type.split(";", 1)[0].strip().lower()


def _mb(limit: int) -> str:
    return f"{limit // MB} MB"


@api_router.post("/upload/asset")
async def create_upload(request: Request, owner: Owner) -> JSONResponse:
    body = await read_json_object(request)
    filename = body.get("filename")
    if not isinstance(filename, str) or not filename.strip():
        raise parameter_error("filename is required")
    if not is_safe_filename(filename) or filename in (".", ".."):
        raise parameter_error("filename must be a plain file name without directories, '..', '/', '\\', "
                              "leading dot, control or invisible formatting characters (such as RTL marks)")
    content_type = body.get("content_type")
    if not isinstance(content_type, str) or not content_type.strip():
        raise parameter_error("content_type is required, e.g. audio/mpeg")
    media_type = media_type_of(content_type)
    if not _MEDIA_TYPE.match(media_type):
        raise parameter_error("content_type must be an image/*, audio/* or video/* type")
    limit = SIZE_LIMITS[media_type.split("/", 1)[0]]
    file_size = body.get("file_size")
    if file_size is not None:
        if isinstance(file_size, bool) or not isinstance(file_size, int) or file_size < 1:
            raise parameter_error("file_size must be a positive integer (bytes)")
        if file_size > limit:
            raise parameter_error(f"file_size exceeds the {_mb(limit)} limit for {media_type.split('/')[0]} files")
    engine = request.app.state.engine
    upload_token, media_token = new_token(), new_token()
    now = int(time.time())
    engine.db.conn.execute(
        "INSERT INTO assets (upload_token, media_token, key_id, filename, content_type, declared_size, status, "
        "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, 'awaiting_upload', ?, ?)",
        (upload_token, media_token, owner.key_id, filename, media_type, file_size, now, now + SIGN_URL_LIFETIME))
    base = engine.base_url(str(request.base_url))
    return envelope({"sign_url": f"{base}/upload/{upload_token}",
                     "asset_url": media_url(base, ASSET_KIND, media_token, filename)})


_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")


def sniff_matches(path: Path, media_type: str) -> bool:
    """Do the bytes look like the declared kind? (Catches a PNG declared as audio, text declared as video.)"""
    kind = media_type.split("/", 1)[0]
    if kind == "image":
        with path.open("rb") as handle:
            head = handle.read(1024)
        # No SVG: served from the engine's origin it could carry script.
        return head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    import av

    try:
        with av.open(str(path)) as container:
            if kind == "audio":
                return bool(container.streams.audio)
            return bool(container.streams.video)
    except (av.error.FFmpegError, OSError, ValueError):
        return False


@put_router.put("/upload/{upload_token}")
async def put_upload(request: Request, upload_token: str) -> JSONResponse:
    """The signed upload URL: no API key; the token is the permission, usable once."""
    engine = request.app.state.engine
    row = None
    if _UPLOAD_TOKEN.match(upload_token):
        row = engine.db.conn.execute("SELECT * FROM assets WHERE upload_token = ?", (upload_token,)).fetchone()
    if row is None:
        raise not_found("no such upload URL")
    if row["status"] != "awaiting_upload":
        raise ApiError(40000, "this upload URL was already used; request a new one", http_status=409)
    if row["expires_at"] < time.time():
        raise ApiError(40000, "this upload URL has expired; request a new one", http_status=410)
    sent_type = media_type_of(request.headers.get("content-type", ""))
    if sent_type != row["content_type"]:
        raise parameter_error(f"Content-Type must be {row['content_type']}, as declared when the upload "
                              f"URL was requested (got {sent_type or 'none'})")
    kind = row["content_type"].split("/", 1)[0]
    limit = SIZE_LIMITS[kind]
    declared = row["declared_size"]
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise ApiError(40000, f"the file exceeds the {_mb(limit)} limit for {kind} files", http_status=413)
    dest = media_path(engine.settings.media_dir, ASSET_KIND, row["media_token"], row["filename"])
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".upload-{new_token()}.part")
    size = 0
    try:
        # Local-disk writes of network-sized chunks: cheap enough to do on the event loop.
        with open(tmp, "wb") as out:  # noqa: ASYNC230
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise ApiError(40000, f"the file exceeds the {_mb(limit)} limit for {kind} files",
                                   http_status=413)
                out.write(chunk)
        if size == 0:
            raise parameter_error("the upload is empty")
        if declared is not None and size != declared:
            raise parameter_error(f"the upload has {size} bytes but file_size declared {declared}")
        if not await run_in_threadpool(sniff_matches, tmp, row["content_type"]):
            raise parameter_error(f"the uploaded bytes are not a valid {kind} file (declared "
                                  f"{row['content_type']})")
        claimed = engine.db.conn.execute(
            "UPDATE assets SET status = 'uploaded', size = ? WHERE upload_token = ? AND status = 'awaiting_upload'",
            (size, upload_token)).rowcount
        if not claimed:
            raise ApiError(40000, "this upload URL was already used; request a new one", http_status=409)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("asset uploaded (%s, %d bytes)", row["content_type"], size)
    base = engine.base_url(str(request.base_url))
    data: dict[str, Any] = {"asset_url": media_url(base, ASSET_KIND, row["media_token"], row["filename"]),
                            "size": size}
    return envelope(data)
