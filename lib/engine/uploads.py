"""Two-step uploads: `POST /v2/upload/asset` hands out a one-time `sign_url`; a key-less `PUT` to it
stores the bytes (declared content type and size checked, content sniffed), then `asset_url` serves them.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from lib.engine.answers import Envelope, UploadSlot, UploadStored
from lib.engine.auth import Owner
from lib.engine.bodies import UploadAssetBody, media_type_of, megabytes, upload_limit
from lib.engine.envelope import ApiError, envelope, not_found, parameter_error
from lib.engine.media import ASSET_KIND, TOKEN_PATTERN, media_path, media_url, new_token
from lib.engine.openapi_doc import EXTENSION_TAG, documented_body, extension_route
from lib.engine.request_body import json_body
from lib.engine.runtime import BaseUrl, Runtime
from lib.joggai.contract import Code

log = logging.getLogger("lib.engine")
api_router = APIRouter(tags=["Asset"])
put_router = APIRouter(tags=[EXTENSION_TAG])

SIGN_URL_LIFETIME = 3600


@api_router.post("/upload/asset", response_model=Envelope[UploadSlot], openapi_extra=documented_body(UploadAssetBody))
async def create_upload(engine: Runtime, base: BaseUrl, owner: Owner,
                        body: Annotated[UploadAssetBody, json_body(UploadAssetBody)]) -> JSONResponse:
    """Hand out a one-time sign_url for the bytes and the asset_url that will serve them."""
    upload_token, media_token = new_token(), new_token()
    now = int(time.time())
    engine.db.conn.execute(
        "INSERT INTO assets (upload_token, media_token, key_id, filename, content_type, declared_size, status, "
        "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, 'awaiting_upload', ?, ?)",
        (upload_token, media_token, owner.key_id, body.filename, body.content_type, body.file_size, now,
         now + SIGN_URL_LIFETIME))
    return envelope({"sign_url": f"{base}/upload/{upload_token}",
                     "asset_url": media_url(base, ASSET_KIND, media_token, body.filename)})


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


@put_router.put("/upload/{upload_token}", response_model=Envelope[UploadStored],
                openapi_extra=extension_route(description="the sign_url: no API key; send the bytes with the "
                                                          "declared Content-Type"))
async def put_upload(request: Request, engine: Runtime, base: BaseUrl, upload_token: str) -> JSONResponse:
    """The signed upload URL: no API key; the token is the permission, usable once."""
    row = None
    if TOKEN_PATTERN.match(upload_token):
        row = engine.db.conn.execute("SELECT * FROM assets WHERE upload_token = ?", (upload_token,)).fetchone()
    if row is None:
        raise not_found("no such upload URL")
    if row["status"] != "awaiting_upload":
        raise ApiError(Code.PARAMETER_ERROR, "this upload URL was already used; request a new one", http_status=409)
    if row["expires_at"] < time.time():
        raise ApiError(Code.PARAMETER_ERROR, "this upload URL has expired; request a new one", http_status=410)
    sent_type = media_type_of(request.headers.get("content-type", ""))
    if sent_type != row["content_type"]:
        raise parameter_error(f"Content-Type must be {row['content_type']}, as declared when the upload "
                              f"URL was requested (got {sent_type or 'none'})")
    kind, limit = upload_limit(row["content_type"])
    declared = row["declared_size"]
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise ApiError(Code.PARAMETER_ERROR, f"the file exceeds the {megabytes(limit)} limit for {kind} files", http_status=413)
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
                    raise ApiError(Code.PARAMETER_ERROR, f"the file exceeds the {megabytes(limit)} limit for {kind} files",
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
            raise ApiError(Code.PARAMETER_ERROR, "this upload URL was already used; request a new one", http_status=409)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("asset uploaded (%s, %d bytes)", row["content_type"], size)
    data: dict[str, Any] = {"asset_url": media_url(base, ASSET_KIND, row["media_token"], row["filename"]),
                            "size": size}
    return envelope(data)
