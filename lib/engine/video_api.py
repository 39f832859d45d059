"""Avatar video routes: create (validation, idempotency, custom audio intake), status, speech preview."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import time
import unicodedata
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from lib.engine.auth import Owner
from lib.engine.envelope import ApiError, envelope, not_found, parameter_error
from lib.engine.media import SPEECH_KIND, VIDEO_KIND, media_path, media_url, new_token
from lib.engine.runtime import EngineRuntime

log = logging.getLogger("lib.engine")
router = APIRouter()

MAX_BODY_BYTES = 1024 * 1024
MAX_SCRIPT_CHARS = 5000
MAX_VIDEO_NAME_CHARS = 200
MAX_AUDIO_BYTES = 20 * 1024 * 1024
ASPECT_RATIOS = ("portrait", "landscape", "square")
SCREEN_STYLES = (1, 2, 3)
_ASSET_PATH = re.compile(r"^/media/a/([A-Za-z0-9_-]{24,64})/[^/]+$")


@dataclass(frozen=True)
class VideoSpec:
    """A create request after validation; stored with the job and read by the render worker."""

    avatar_id: int
    avatar_type: int
    voice_id: str
    voice_type: str  # script | audio
    script: str | None
    audio_url: str | None
    aspect_ratio: str
    screen_style: int
    caption: bool
    video_name: str | None
    webhook_url: str | None


async def read_json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, bounded in size; anything else is a 40000 (never a 500)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(40000, "request body is larger than 1 MB", http_status=413)
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > MAX_BODY_BYTES:
            raise ApiError(40000, "request body is larger than 1 MB", http_status=413)
    if not raw.strip():
        raise parameter_error("request body is required: a JSON object")
    try:
        body = json.loads(bytes(raw))
    except (ValueError, RecursionError):
        raise parameter_error("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise parameter_error("request body must be a JSON object")
    return body


def _int_field(name: str, value: Any, allowed: tuple[int, ...] | None = None) -> int:
    """An integer, also given as a numeric string ("0"); booleans are not integers here."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
        number = int(value)
    if number is None:
        what = f"one of {', '.join(map(str, allowed))}" if allowed else "an integer"
        raise parameter_error(f"{name} must be {what}")
    if allowed is not None and number not in allowed:
        raise parameter_error(f"{name} must be one of {', '.join(map(str, allowed))}, got {number}")
    return number


def _optional_str(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise parameter_error(f"{name} must be a string")
    return value


def has_speakable_text(script: str) -> bool:
    """True when the script holds at least one letter or digit (in any script); "...", a lone RTL mark
    or zero-width spaces give the speech engine nothing to say."""
    return any(unicodedata.category(char)[0] in "LN" for char in script)


def check_script(name: str, script: str) -> None:
    """The 40000 rules every spoken script follows: 1-5000 characters after trimming, something to say."""
    length = len(script.strip())
    if not 1 <= length <= MAX_SCRIPT_CHARS:
        raise parameter_error(f"{name} must be 1 to {MAX_SCRIPT_CHARS} characters after trimming "
                              f"spaces, got {length}")
    if not has_speakable_text(script):
        raise parameter_error(f"{name} has nothing to speak: it needs at least one letter or digit")


def is_http_url(value: str) -> bool:
    """An absolute http(s) URL with a host."""
    try:
        parts = urlsplit(value)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def validate_create(body: dict[str, Any]) -> VideoSpec:
    """Check a create_video_from_avatar body against the contract; raise 40000 naming the field."""
    avatar = body.get("avatar")
    if not isinstance(avatar, dict):
        raise parameter_error("avatar is required: an object with avatar_id and avatar_type")
    if avatar.get("avatar_id") is None:
        raise parameter_error("avatar.avatar_id is required")
    avatar_id = _int_field("avatar.avatar_id", avatar["avatar_id"])
    avatar_type = _int_field("avatar.avatar_type", avatar.get("avatar_type", 0), (0, 1))

    voice = body.get("voice")
    if not isinstance(voice, dict):
        raise parameter_error("voice is required: an object with type, voice_id and script or audio_url")
    script = _optional_str("voice.script", voice.get("script"))
    audio_url = _optional_str("voice.audio_url", voice.get("audio_url"))
    voice_type = voice.get("type")
    if voice_type is None:
        voice_type = "audio" if audio_url and not script else "script"
    if voice_type not in ("script", "audio"):
        raise parameter_error('voice.type must be "script" or "audio"')
    if script not in (None, "") and audio_url not in (None, ""):
        raise parameter_error("voice.script and voice.audio_url cannot both be given: send exactly one")
    voice_id = voice.get("voice_id")
    if voice_id is None or (isinstance(voice_id, str) and not voice_id.strip()):
        raise parameter_error("voice.voice_id is required (also when voice.type is \"audio\")")
    if not isinstance(voice_id, str):
        raise parameter_error("voice.voice_id must be a string")
    if voice_type == "script":
        if script is None or audio_url not in (None, ""):
            raise parameter_error('voice.script is required when voice.type is "script" '
                                  "(and voice.audio_url must not be sent)")
        check_script("voice.script", script)
        audio_url = None
    else:
        if not audio_url or script not in (None, ""):
            raise parameter_error('voice.audio_url is required when voice.type is "audio" '
                                  "(and voice.script must not be sent)")
        if not is_http_url(audio_url.strip()):
            raise parameter_error("voice.audio_url must be an http or https URL")
        audio_url = audio_url.strip()
        script = None

    aspect_ratio = body.get("aspect_ratio", "portrait")
    if aspect_ratio not in ASPECT_RATIOS:
        raise parameter_error(f"aspect_ratio must be one of {', '.join(ASPECT_RATIOS)}")
    screen_style = _int_field("screen_style", body.get("screen_style", 1), SCREEN_STYLES)
    caption = body.get("caption", False)
    if caption is None:
        caption = False
    if not isinstance(caption, bool):
        raise parameter_error("caption must be true or false")
    video_name = _optional_str("video_name", body.get("video_name"))
    if video_name is not None and len(video_name) > MAX_VIDEO_NAME_CHARS:
        raise parameter_error(f"video_name must be at most {MAX_VIDEO_NAME_CHARS} characters")
    webhook_url = _optional_str("webhook_url", body.get("webhook_url"))
    webhook_url = (webhook_url or "").strip() or None  # "" means no webhook
    if webhook_url is not None and not is_http_url(webhook_url):
        raise parameter_error("webhook_url must be an http or https URL (or empty for none)")
    return VideoSpec(
        avatar_id=avatar_id, avatar_type=avatar_type, voice_id=voice_id.strip(), voice_type=voice_type,
        script=script, audio_url=audio_url, aspect_ratio=aspect_ratio, screen_style=screen_style,
        caption=caption, video_name=video_name, webhook_url=webhook_url,
    )


def check_lookups(spec: VideoSpec) -> None:
    """Unknown avatar or voice: 10104 (they are lookups)."""
    from lib.engine.catalog.avatars import find_public_avatar
    from lib.engine.catalog.voices import find_voice

    if spec.avatar_type == 1:
        raise not_found(f"avatar.avatar_id {spec.avatar_id} not found among your custom avatars "
                        "(the local engine has no custom avatars; use avatar_type 0)")
    if find_public_avatar(spec.avatar_id) is None:
        raise not_found(f"avatar.avatar_id {spec.avatar_id} not found among public avatars")
    if find_voice(spec.voice_id) is None:
        raise not_found(f"voice.voice_id {spec.voice_id!r} not found")


def own_asset_path(engine: EngineRuntime, url: str) -> Path | None:
    """When `url` is one of this engine's uploaded assets, its file on disk (read directly, not fetched)."""
    match = _ASSET_PATH.match(urlsplit(url).path)
    if not match:
        return None
    row = engine.db.conn.execute(
        "SELECT filename FROM assets WHERE media_token = ? AND status = 'uploaded'", (match.group(1),)
    ).fetchone()
    if row is None:
        return None
    path = media_path(engine.settings.media_dir, "a", match.group(1), row["filename"])
    return path if path.is_file() else None


def take_in_audio(engine: EngineRuntime, url: str, video_id: str) -> Path:
    """Fetch (or find) the custom audio and probe the real bytes; 40000 with the reason when unusable."""
    from lib.engine.remote_fetch import FetchRejected, fetch_to_file
    from lib.engine.render.audio_input import AudioRejected, probe_audio

    path = own_asset_path(engine, url)
    if path is None and not engine.settings.remote_fetch:
        raise parameter_error("voice.audio_url must be a file uploaded to this engine (upload/asset): "
                              "this engine does not download from other hosts")
    if path is None:
        inputs = engine.settings.data_dir / "inputs" / video_id
        inputs.mkdir(parents=True, exist_ok=True)
        try:
            path = fetch_to_file(url, inputs / "audio", max_bytes=MAX_AUDIO_BYTES,
                                 timeout=engine.settings.audio_fetch_timeout).path
        except FetchRejected as exc:
            shutil.rmtree(inputs, ignore_errors=True)
            raise parameter_error(str(exc)) from None
    try:
        probe_audio(path)
    except AudioRejected as exc:
        if path.parent.name == video_id:
            shutil.rmtree(path.parent, ignore_errors=True)
        raise parameter_error(str(exc)) from None
    return path


def _request_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _replayed_video(engine: EngineRuntime, key_id: int, idempotency_key: str, body_hash: str) -> str | None:
    row = engine.db.conn.execute(
        "SELECT video_id, request_hash FROM idempotency WHERE key_id = ? AND idempotency_key = ?",
        (key_id, idempotency_key),
    ).fetchone()
    if row is None:
        return None
    if row["request_hash"] != body_hash:
        raise parameter_error("Idempotency-Key was already used with a different request body")
    return row["video_id"]


@router.post("/create_video_from_avatar")
async def create_video(request: Request, owner: Owner) -> JSONResponse:
    engine: EngineRuntime = request.app.state.engine
    body = await read_json_object(request)
    spec = validate_create(body)
    idempotency_key = request.headers.get("idempotency-key", "").strip()[:200] or None
    body_hash = _request_hash(body)
    if idempotency_key:
        replayed = _replayed_video(engine, owner.key_id, idempotency_key, body_hash)
        if replayed:
            return envelope({"video_id": replayed})
    await run_in_threadpool(check_lookups, spec)
    video_id = uuid.uuid4().hex
    audio_path = None
    if spec.voice_type == "audio":
        audio_path = await run_in_threadpool(take_in_audio, engine, spec.audio_url, video_id)
    base = engine.base_url(str(request.base_url))
    now = time.time()
    with engine.db.transaction() as conn:
        if idempotency_key:
            # A concurrent twin may have committed while we fetched audio: answer with its video.
            replayed = _replayed_video(engine, owner.key_id, idempotency_key, body_hash)
            if replayed:
                return envelope({"video_id": replayed})
            conn.execute(
                "INSERT INTO idempotency (key_id, idempotency_key, request_hash, video_id, created_at) "
                "VALUES (?, ?, ?, ?, ?)", (owner.key_id, idempotency_key, body_hash, video_id, int(now)))
        conn.execute(
            "INSERT INTO jobs (video_id, key_id, status, created_at, updated_at, request_json, audio_path, "
            "webhook_url, base_url) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?)",
            (video_id, owner.key_id, int(now), now, json.dumps(asdict(spec)),
             str(audio_path) if audio_path else None, spec.webhook_url, base),
        )
    if engine.render_queue is not None:
        engine.render_queue.wake()
    log.info("accepted video %s (%s, avatar %d, %s)", video_id, spec.voice_type, spec.avatar_id,
             spec.aspect_ratio)
    return envelope({"video_id": video_id})


def job_json(row: Any, base: str) -> dict[str, Any]:
    """A job as GET avatar_video answers it: spec fields plus our extensions."""
    data: dict[str, Any] = {
        "video_id": row["video_id"],
        "status": row["status"],
        "created_at": int(row["created_at"]),
        "progress": 100 if row["status"] == "completed" else int(row["progress"]),
    }
    spec = json.loads(row["request_json"])
    if spec.get("video_name"):
        data["video_name"] = spec["video_name"]
    if row["status"] == "completed":
        token = row["media_token"]
        data["video_url"] = media_url(base, VIDEO_KIND, token, row["video_file"])
        data["cover_url"] = media_url(base, VIDEO_KIND, token, row["cover_file"])
        data["duration"] = round(float(row["duration"]), 3)
        if row["caption_file"]:
            data["caption_url"] = media_url(base, VIDEO_KIND, token, row["caption_file"])
    if row["status"] == "failed":
        data["error"] = {"code": int(row["error_code"] or 50000), "message": row["error_message"] or ""}
    return data


@router.get("/avatar_video/{video_id}")
async def get_video(request: Request, video_id: str, owner: Owner) -> JSONResponse:
    engine: EngineRuntime = request.app.state.engine
    row = engine.db.conn.execute(
        "SELECT * FROM jobs WHERE video_id = ? AND key_id = ?", (video_id, owner.key_id)
    ).fetchone()
    if row is None:
        raise not_found(f"video {video_id[:80]!r} not found")
    return envelope(job_json(row, engine.base_url(str(request.base_url))))


@router.post("/ext/speech_preview")
async def speech_preview(request: Request, owner: Owner) -> JSONResponse:
    """Extension: a WAV of `script` in `voice_id`, so a user can hear a script before rendering."""
    from lib.engine.catalog.voices import find_voice

    engine: EngineRuntime = request.app.state.engine
    body = await read_json_object(request)
    voice_id = body.get("voice_id")
    if not isinstance(voice_id, str) or not voice_id.strip():
        raise parameter_error("voice_id is required")
    script = body.get("script")
    if not isinstance(script, str):
        raise parameter_error("script is required: a string")
    check_script("script", script)
    voice = find_voice(voice_id.strip())
    if voice is None:
        raise not_found(f"voice_id {voice_id[:80]!r} not found")
    token = new_token()
    path = media_path(engine.settings.media_dir, SPEECH_KIND, token, "speech.wav")
    duration = await run_in_threadpool(_write_speech_wav, script, voice, path)
    base = engine.base_url(str(request.base_url))
    return envelope({"audio_url": media_url(base, SPEECH_KIND, token, "speech.wav"),
                     "duration": round(duration, 3)})


def _write_speech_wav(script: str, voice: Any, path: Path) -> float:
    from lib.engine.render.speech import speech_to_wav, synthesize

    speech = synthesize(script, voice)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".speech.wav.tmp")
    tmp.write_bytes(speech_to_wav(speech))
    tmp.replace(path)
    return speech.duration
