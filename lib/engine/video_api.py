"""Avatar video routes: create (idempotency, custom audio intake), status, speech preview (ours).

The body rules live in `lib/engine/bodies.py`, the job's SQL and answer shape in `lib/engine/job_store.py`.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from lib.engine import job_store
from lib.engine.answers import Envelope, SpeechPreview, VideoCreated, VideoDetails
from lib.engine.auth import Owner
from lib.engine.bodies import CreateVideoBody, SpeechPreviewBody
from lib.engine.envelope import envelope, not_found, parameter_error
from lib.engine.intake import discard_inputs, take_in_audio, take_in_ext
from lib.engine.job_store import VideoSpec
from lib.engine.media import SPEECH_KIND, media_path, media_url, new_token
from lib.engine.openapi_doc import EXTENSION_TAG, documented_body, extension_route
from lib.engine.request_body import json_body
from lib.engine.runtime import BaseUrl, Runtime
from lib.joggai.contract import AVATAR_TYPE_CUSTOM, EXT_ROUTE_PREFIX, IDEMPOTENCY_HEADER

log = logging.getLogger("lib.engine")
router = APIRouter(tags=["Video"])

MAX_IDEMPOTENCY_KEY_CHARS = 200


def check_lookups(spec: VideoSpec) -> None:
    """Unknown avatar or voice: 10104 (they are lookups)."""
    from lib.engine.catalog.avatars import find_public_avatar
    from lib.engine.catalog.voices import find_voice

    if spec.avatar_type == AVATAR_TYPE_CUSTOM:
        raise not_found(f"avatar.avatar_id {spec.avatar_id} not found among your custom avatars "
                        "(the local engine has no custom avatars; use avatar_type 0)")
    if find_public_avatar(spec.avatar_id) is None:
        raise not_found(f"avatar.avatar_id {spec.avatar_id} not found among public avatars")
    if find_voice(spec.voice_id) is None:
        raise not_found(f"voice.voice_id {spec.voice_id!r} not found")


def _replayed_video(conn: Any, key_id: int, idempotency_key: str, body_hash: str) -> str | None:
    record = job_store.idempotency_record(conn, key_id, idempotency_key)
    if record is None:
        return None
    if record.request_hash != body_hash:
        raise parameter_error(f"{IDEMPOTENCY_HEADER} was already used with a different request body")
    return record.video_id


@router.post("/create_video_from_avatar", response_model=Envelope[VideoCreated],
             openapi_extra=documented_body(CreateVideoBody))
async def create_video(
    engine: Runtime,
    base: BaseUrl,
    owner: Owner,
    body: Annotated[CreateVideoBody, json_body(CreateVideoBody)],
    idempotency_key: Annotated[str | None, Header(
        alias=IDEMPOTENCY_HEADER, json_schema_extra={"x-extension": True},
        description="ours: a repeated key returns the first video_id and starts nothing")] = None,
) -> JSONResponse:
    """Accept a video: validated, looked up, custom audio and `ext` files fetched and checked, then queued."""
    spec = body.to_spec()
    idempotency_key = (idempotency_key or "").strip()[:MAX_IDEMPOTENCY_KEY_CHARS] or None
    body_hash = job_store.request_hash(body.raw)
    if idempotency_key:
        replayed = _replayed_video(engine.db.conn, owner.key_id, idempotency_key, body_hash)
        if replayed:
            return envelope({"video_id": replayed})
    await run_in_threadpool(check_lookups, spec)
    video_id = uuid.uuid4().hex
    audio_path = None
    if spec.voice_type == job_store.VOICE_AUDIO:
        audio_path = await run_in_threadpool(take_in_audio, engine, spec.audio_url, video_id)
    if spec.ext:
        spec = dataclasses.replace(spec, ext_files=await run_in_threadpool(take_in_ext, engine, spec.ext, video_id))
    now = time.time()
    with engine.db.transaction() as conn:
        if idempotency_key:
            # A concurrent twin may have committed while we fetched files: answer with its video.
            replayed = _replayed_video(conn, owner.key_id, idempotency_key, body_hash)
            if replayed:
                discard_inputs(engine, video_id)
                return envelope({"video_id": replayed})
            job_store.remember_idempotency(conn, owner.key_id, idempotency_key, body_hash, video_id, now)
        job_store.insert_job(conn, video_id=video_id, key_id=owner.key_id, spec=spec,
                             audio_path=str(audio_path) if audio_path else None, base_url=base, now=now)
    if engine.render_queue is not None:
        engine.render_queue.wake()
    log.info("accepted video %s (%s, avatar %d, %s)", video_id, spec.voice_type, spec.avatar_id,
             spec.aspect_ratio)
    return envelope({"video_id": video_id})


@router.get("/avatar_video/{video_id}", response_model=Envelope[VideoDetails])
async def get_video(engine: Runtime, base: BaseUrl, video_id: str, owner: Owner) -> JSONResponse:
    """A job's status, and its result links once completed."""
    row = job_store.find_job(engine.db.conn, video_id, owner.key_id)
    if row is None:
        raise not_found(f"video {video_id[:80]!r} not found")
    return envelope(job_store.job_json(row, base))


@router.post(f"{EXT_ROUTE_PREFIX.removeprefix('/v2')}/speech_preview", tags=[EXTENSION_TAG],
             response_model=Envelope[SpeechPreview],
             openapi_extra=extension_route(**documented_body(SpeechPreviewBody)))
async def speech_preview(engine: Runtime, base: BaseUrl, owner: Owner,
                         body: Annotated[SpeechPreviewBody, json_body(SpeechPreviewBody)]) -> JSONResponse:
    """Extension: a WAV of `script` in `voice_id`, so a user can hear a script before rendering."""
    from lib.engine.catalog.voices import find_voice

    voice = find_voice(body.voice_id.strip())
    if voice is None:
        raise not_found(f"voice_id {body.voice_id[:80]!r} not found")
    token = new_token()
    path = media_path(engine.settings.media_dir, SPEECH_KIND, token, "speech.wav")
    duration = await run_in_threadpool(_write_speech_wav, body.script, voice, path, body.lexicon_entries)
    return envelope({"audio_url": media_url(base, SPEECH_KIND, token, "speech.wav"),
                     "duration": round(duration, 3)})


def _write_speech_wav(script: str, voice: Any, path: Path, pronunciations: list[Any]) -> float:
    from lib.engine.render.speech import speech_to_wav, synthesize

    speech = synthesize(script, voice, pronunciations)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".speech.wav.tmp")
    tmp.write_bytes(speech_to_wav(speech))
    tmp.replace(path)
    return speech.duration
