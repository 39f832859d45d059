"""A stand-in for the billed JoggAI cloud, for tests: speaks only the spec, bills, forgets nothing, forgives nothing.

Unlike our engine it has no `/healthz`, no `/v2/ext` routes, no extension fields and no idempotency
(the `Idempotency-Key` header is ignored: the same key twice makes and bills two videos). Business
errors are HTTP 200 with a non-zero code, as the cloud answers them; 429 and 50000 carry their HTTP
status. POSTs are limited per key in a sliding minute. Result links need no key and can expire.

Tests count and steer it through `/_standin/...` (outside `/v2`, so no client mistakes it for API):
`GET state`, `POST configure` (the fields of `StandInConfig`), `POST reset`. It can lose the answer of
chosen creates after accepting and billing them: hold it past the client's read timeout, answer 500
or 502, or reset the connection. It can also refuse every create from the Nth on with a business error
(`fail_creates_with=18020, fail_from_create=N`: HTTP 200, that code, nothing made or billed), until
configured back to `fail_creates_with=None`. `tests/cloud_standin_process.py` starts it as a process.

    python -m tests.cloud_standin --host 127.0.0.1 --port 0 --api-key K [--quota Q] [--ready-file F]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import secrets
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import asdict, dataclass, field, fields, replace
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from lib.joggai.contract import (
    ASPECT_RATIOS,
    AVATAR_TYPE_CUSTOM,
    AVATAR_TYPES,
    HTTP_STATUS_FOR_CODE,
    IDEMPOTENCY_HEADER,
    MAX_SCRIPT_CHARS,
    MAX_VIDEO_NAME_CHARS,
    PAGE_SIZE_DEFAULT,
    PAGE_SIZE_MAX,
    POSTS_PER_MINUTE,
    SCREEN_STYLES,
    SUCCESS,
    UPLOAD_LIMITS_BYTES,
    VOICE_TYPES,
    Code,
)
from tests.cloud_standin_scripts import add_script_routes

API_KEY_ENV = "CLOUD_STANDIN_API_KEY"  # the process wrapper passes the key here, so it is not in argv
CONTROL_PREFIX = "/_standin"
RATE_WINDOW_S = 60.0  # "per minute" as a sliding window
# The studio's estimate assumes the same pricing (lib/studio/lint.py); written here on purpose, not
# imported, so a wrong studio estimate cannot agree with the stand-in by construction.
WORDS_PER_MINUTE = 150
CREDITS_PER_STARTED_MINUTE = 1
LOSE_MODES = ("hold", "500", "502", "reset")
# The business errors a test may have creates answer with, worded as the cloud words them.
FAILURE_MESSAGES = {Code.INSUFFICIENT_CREDIT: "Insufficient credit", Code.INVALID_API_KEY: "Invalid API key",
                    Code.NO_PERMISSION: "No permission"}
RESET_FLAG = "standin.reset_connection"


@dataclass
class StandInConfig:
    """What a test may change through `POST /_standin/configure`."""

    quota: float = 100.0  # setting it sets the remaining quota now
    render_seconds: float = 3.0  # pending for the first third, then processing, then completed
    link_ttl: float | None = None  # seconds a result link lives after completion; None = forever
    rate_limit: bool = True
    lose_answers: list[int] = field(default_factory=list)  # create ordinals (1-based, since reset)
    lose_mode: str = "hold"  # one of LOSE_MODES
    hold_seconds: float = 5.0  # how long "hold" keeps the answer; make it longer than the read timeout
    fail_creates_with: int | None = None  # a business error code every create answers, from fail_from_create on
    fail_from_create: int = 1  # create ordinal (1-based, since reset)
    second_account_key: str | None = None  # another account's key, also valid (a second person's)


@dataclass
class CreateRecord:
    """One create request as received; `code` is what the stand-in decided, `answer` how it answered."""

    ordinal: int
    time: float
    body: Any
    idempotency_key: str | None
    account: str = "first"  # whose key sent it: "first" (the --api-key one), "second" or "none" (refused)
    video_id: str | None = None
    billed: float = 0
    code: int | None = None
    answer: str = "sent"  # or a lose mode: the client never got the envelope


@dataclass
class Video:
    video_id: str
    ordinal: int
    created: float  # monotonic
    created_at: int  # Unix seconds, as the API answers it
    render_seconds: float
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def status(self, now: float) -> str:
        elapsed = now - self.created
        if elapsed >= self.render_seconds:
            return "completed"
        return "pending" if elapsed < self.render_seconds / 3 else "processing"


@dataclass
class Upload:
    filename: str
    content_type: str
    signature: str
    data: bytes | None = None


@dataclass(frozen=True)
class MediaFiles:
    video: Path  # H.264 + AAC MP4, the result of every render
    cover: Path  # JPEG
    voice_sample: Path  # MP3


class CloudError(Exception):
    """Answer with a non-zero code: HTTP 200 like the cloud's business errors, except 429 and 50000."""

    def __init__(self, code: Code, msg: str, *, data: Any = None, headers: dict[str, str] | None = None):
        super().__init__(msg)
        self.code, self.msg, self.data, self.headers = code, msg, data, headers or {}
        passes_status = code in (Code.RATE_LIMITED, Code.SYSTEM_ERROR)
        self.http_status = HTTP_STATUS_FOR_CODE[code] if passes_status else HTTPStatus.OK


def parameter_error(msg: str) -> CloudError:
    return CloudError(Code.PARAMETER_ERROR, f"Parameter error: {msg}")


# -------------------------------------------------------------------------- catalog

# `scene`, `ethnicity` and `locale` are only for filtering: the spec's answers do not carry them.
AVATARS: tuple[dict[str, Any], ...] = tuple(
    {"id": avatar_id, "name": name, "aspect_ratio": ratio, "style": style, "gender": gender, "age": age,
     "scene": scene, "ethnicity": ethnicity}
    for avatar_id, name, ratio, style, gender, age, scene, ethnicity in (
        (81, "Ava Studio", 0, "professional", "female", "adult", "studio", "european"),
        (82, "Ben Office", 1, "professional", "male", "adult", "business", "african"),
        (83, "Chen Outdoors", 0, "social", "female", "young_adult", "outdoors", "east_asian"),
        (84, "Dev News", 1, "professional", "male", "senior", "news", "south_asian"),
        (85, "Eli Gym", 2, "social", "male", "young_adult", "health_fitness", "north_american"),
        (86, "Farah Class", 0, "professional", "female", "adult", "education", "middle_eastern"),
        (87, "Gabi Home", 2, "social", "female", "senior", "lifestyle", "south_american"),
    )
)
VOICES: tuple[dict[str, Any], ...] = tuple(
    {"voice_id": voice_id, "name": name, "language": language, "gender": gender, "age": age,
     "accent": accent, "use_case": use_case, "locale": voice_id.rsplit("-", 1)[0]}
    for voice_id, name, language, gender, age, accent, use_case in (
        ("en-US-ChristopherNeural", "Christopher", "english", "male", "middle_aged", "american", "narrative_story"),
        ("en-US-JennyNeural", "Jenny", "english", "female", "young", "american", "customer_service"),
        ("en-GB-RyanNeural", "Ryan", "english", "male", "young", "british", "news"),
        ("es-ES-ElviraNeural", "Elvira", "spanish", "female", "middle_aged", "castilian", "advertisement"),
        ("zh-CN-XiaoxiaoNeural", "Xiaoxiao", "simplified chinese", "female", "young", "mandarin", "education"),
    )
)
_AVATAR_FIELDS = ("id", "name", "video_url", "cover_url", "aspect_ratio", "style", "gender", "age")
_VOICE_FIELDS = ("name", "voice_id", "audio_url", "language", "gender", "age", "accent", "use_case")


def make_media(directory: Path) -> MediaFiles:
    """Write the one result clip (~2 s, 320x568, H.264 + AAC, faststart), its cover and a voice sample."""
    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    directory.mkdir(parents=True, exist_ok=True)
    media = MediaFiles(directory / "result.mp4", directory / "cover.jpg", directory / "voice.mp3")
    commands = (
        ["-f", "lavfi", "-i", "testsrc=size=320x568:rate=25:duration=2", "-f", "lavfi", "-i",
         "sine=frequency=440:duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
         "-shortest", "-movflags", "+faststart", str(media.video)],
        ["-f", "lavfi", "-i", "testsrc=size=320x568", "-frames:v", "1", str(media.cover)],
        ["-f", "lavfi", "-i", "sine=frequency=330:duration=1", "-c:a", "libmp3lame", str(media.voice_sample)],
    )
    for command in commands:
        subprocess.run([ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *command], check=True,
                       stdin=subprocess.DEVNULL)
    return media


# -------------------------------------------------------------------------- state


class CloudState:
    """Everything the stand-in knows; touched only from the event loop (every route is async)."""

    def __init__(self, config: StandInConfig) -> None:
        self.initial = config
        self.reset()

    def reset(self) -> None:
        self.config = replace(self.initial, lose_answers=list(self.initial.lose_answers))
        self.remaining_quota = float(self.config.quota)
        self.creates: list[CreateRecord] = []
        self.videos: dict[str, Video] = {}
        self.uploads: dict[str, Upload] = {}
        self.script_tasks: dict[str, Any] = {}  # AI script tasks (tests/cloud_standin_scripts.py)
        self.post_times: deque[float] = deque()

    def configure(self, changes: dict[str, Any]) -> None:
        known = {item.name for item in fields(StandInConfig)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        if changes.get("lose_mode", self.config.lose_mode) not in LOSE_MODES:
            raise ValueError(f"lose_mode must be one of {LOSE_MODES}")
        failing = changes.get("fail_creates_with")
        if failing is not None and failing not in FAILURE_MESSAGES:
            raise ValueError(f"fail_creates_with must be one of {sorted(FAILURE_MESSAGES)} or null")
        self.config = replace(self.config, **changes)
        if "quota" in changes:
            self.remaining_quota = float(changes["quota"])

    def admit_post(self, now: float) -> None:
        """Count one POST in the sliding window, or refuse it with 429 (refused ones are not counted)."""
        while self.post_times and now - self.post_times[0] >= RATE_WINDOW_S:
            self.post_times.popleft()
        if self.config.rate_limit and len(self.post_times) >= POSTS_PER_MINUTE:
            retry_after = max(1, math.ceil(self.post_times[0] + RATE_WINDOW_S - now))
            raise CloudError(Code.RATE_LIMITED, "Too many requests, please retry later",
                             data={"retryAfter": retry_after}, headers={"Retry-After": str(retry_after)})
        self.post_times.append(now)

    def link_alive(self, video: Video, now: float) -> bool:
        completed = video.created + video.render_seconds
        ttl = self.config.link_ttl
        return now >= completed and (ttl is None or now < completed + ttl)

    def snapshot(self) -> dict[str, Any]:
        now = time.monotonic()
        return {
            "remaining_quota": self.remaining_quota,
            "billed_total": sum(record.billed for record in self.creates),
            "posts_in_window": sum(1 for t in self.post_times if now - t < RATE_WINDOW_S),
            "config": asdict(self.config),
            "creates": [asdict(record) for record in self.creates],
            "videos": [{"video_id": v.video_id, "ordinal": v.ordinal, "status": v.status(now)}
                       for v in self.videos.values()],
            "uploads": [{"filename": u.filename, "content_type": u.content_type, "uploaded": u.data is not None}
                        for u in self.uploads.values()],
        }


# -------------------------------------------------------------------------- request checks


def _integer(value: Any, name: str) -> int:
    # JoggAI's getting-started page once sent "avatar_type": "0"; numeric strings pass.
    if isinstance(value, bool) or value is None:
        raise parameter_error(f"{name} is required and must be an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise parameter_error(f"{name} must be an integer") from None


def _is_http_url(value: Any) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc)


def checked_create(body: Any) -> tuple[int, dict[str, Any]]:
    """The spec's rules for a create body; returns (avatar id, voice) or raises 40000 naming the field."""
    if not isinstance(body, dict):
        raise parameter_error("request body must be a JSON object")
    avatar, voice = body.get("avatar"), body.get("voice")
    if not isinstance(avatar, dict):
        raise parameter_error("avatar is required")
    avatar_id = _integer(avatar.get("avatar_id"), "avatar.avatar_id")
    if _integer(avatar.get("avatar_type"), "avatar.avatar_type") not in AVATAR_TYPES:
        raise parameter_error("avatar.avatar_type must be 0 (public) or 1 (custom)")
    if not isinstance(voice, dict):
        raise parameter_error("voice is required")
    if voice.get("type") not in VOICE_TYPES:
        raise parameter_error(f"voice.type must be one of {', '.join(VOICE_TYPES)}")
    if not isinstance(voice.get("voice_id"), str) or not voice["voice_id"].strip():
        raise parameter_error("voice.voice_id is required")
    script, audio_url = voice.get("script"), voice.get("audio_url")
    if script and audio_url:
        raise parameter_error("voice.script and voice.audio_url cannot both be given")
    if voice["type"] == "script":
        if not isinstance(script, str) or not script.strip():
            raise parameter_error('voice.script is required when voice.type is "script"')
        if len(script.strip()) > MAX_SCRIPT_CHARS:
            raise parameter_error(f"voice.script must be at most {MAX_SCRIPT_CHARS} characters")
    elif not _is_http_url(audio_url):
        raise parameter_error('voice.audio_url is required when voice.type is "audio" and must be a URL')
    if body.get("aspect_ratio") not in ASPECT_RATIOS:
        raise parameter_error(f"aspect_ratio must be one of {', '.join(ASPECT_RATIOS)}")
    style = body.get("screen_style")
    if isinstance(style, bool) or style not in SCREEN_STYLES:
        raise parameter_error("screen_style must be 1, 2 or 3")
    if "caption" in body and not isinstance(body["caption"], bool):
        raise parameter_error("caption must be a boolean")
    name = body.get("video_name")
    if name is not None and (not isinstance(name, str) or len(name) > MAX_VIDEO_NAME_CHARS):
        raise parameter_error(f"video_name must be a string of at most {MAX_VIDEO_NAME_CHARS} characters")
    webhook = body.get("webhook_url")
    if webhook not in (None, "") and not _is_http_url(webhook):
        raise parameter_error("webhook_url must be an http or https URL")
    if _integer(avatar["avatar_type"], "avatar.avatar_type") == AVATAR_TYPE_CUSTOM or \
            avatar_id not in {a["id"] for a in AVATARS}:
        raise CloudError(Code.NOT_FOUND, f"avatar {avatar_id} not found")
    if voice["voice_id"] not in {v["voice_id"] for v in VOICES}:
        raise CloudError(Code.NOT_FOUND, f"voice {voice['voice_id']} not found")
    return avatar_id, voice


def credits_for(voice: dict[str, Any]) -> int:
    """1 credit per started minute of estimated speech; audio is not fetched, so it costs one minute."""
    words = len(voice["script"].split()) if voice["type"] == "script" else 0
    return CREDITS_PER_STARTED_MINUTE * max(1, math.ceil(words / WORDS_PER_MINUTE))


def _matches(value: Any, wanted: str | None) -> bool:
    return not wanted or str(value).lower() == wanted.lower()


def _page(items: list[dict[str, Any]], page: int, page_size: int) -> list[dict[str, Any]]:
    return items[(page - 1) * page_size: page * page_size]


# -------------------------------------------------------------------------- the app


class ConnectionResetter:
    """Outermost ASGI layer: sends nothing for a request whose handler set RESET_FLAG and resets its TCP connection."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_unless_resetting(message: dict[str, Any]) -> None:
            if not scope.get(RESET_FLAG):
                await send(message)

        await self.app(scope, receive, send_unless_resetting)
        if scope.get(RESET_FLAG):
            # uvicorn's `send` is a bound method of its request cycle, which holds the transport.
            transport = send.__self__.transport
            # Linger 0: close() sends RST instead of FIN, as a dropped load-balancer connection does.
            transport.get_extra_info("socket").setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
            await asyncio.sleep(0)  # let uvicorn see the disconnect, so it does not try a 500 answer


def envelope(data: Any = None, *, code: int = SUCCESS, msg: str = "success", status: int = HTTPStatus.OK,
             headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": code, "msg": msg, "data": data}, status_code=status, headers=headers)


def create_app(api_key: str, config: StandInConfig, media: MediaFiles) -> ConnectionResetter:
    """The stand-in as an ASGI app; `state` lives on `app.state.cloud`."""
    cloud = CloudState(config)
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.cloud = cloud

    @app.exception_handler(CloudError)
    async def on_cloud_error(request: Request, exc: CloudError) -> JSONResponse:
        record = getattr(request.state, "create_record", None)
        if record is not None and record.code is None:
            record.code = exc.code
        return envelope(exc.data, code=exc.code, msg=exc.msg, status=exc.http_status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def on_invalid_query(request: Request, exc: RequestValidationError) -> JSONResponse:
        problem = exc.errors()[0]
        name = ".".join(str(part) for part in problem["loc"][1:])
        return await on_cloud_error(request, parameter_error(f"{name}: {problem['msg']}"))

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return envelope(code=Code.NOT_FOUND, msg=f"{request.url.path}: {exc.detail}", status=exc.status_code)

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        return envelope(code=Code.SYSTEM_ERROR, msg="system error", status=HTTP_STATUS_FOR_CODE[Code.SYSTEM_ERROR])

    def account_of(request: Request) -> str | None:
        # Starlette's headers are case-insensitive: x-api-key, X-Api-Key and X-API-KEY all match.
        given = request.headers.get("x-api-key", "").encode()
        second = cloud.config.second_account_key
        if secrets.compare_digest(given, api_key.encode()):
            return "first"
        if second and secrets.compare_digest(given, second.encode()):
            return "second"
        return None

    async def checked_key(request: Request) -> None:
        if account_of(request) is None:
            raise CloudError(Code.INVALID_API_KEY, "Invalid API key")

    async def counted_post(request: Request) -> None:
        cloud.admit_post(time.monotonic())

    async def received_create(request: Request) -> None:
        raw = await request.body()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        record = CreateRecord(ordinal=len(cloud.creates) + 1, time=time.time(), body=body,
                              idempotency_key=request.headers.get(IDEMPOTENCY_HEADER),
                              account=account_of(request) or "none")
        cloud.creates.append(record)
        request.state.create_record = record

    gets = [Depends(checked_key)]
    posts = [Depends(checked_key), Depends(counted_post)]

    def base(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    # ---- account

    @app.get("/v2/user/whoami", dependencies=gets)
    async def whoami() -> JSONResponse:
        return envelope({"email": "standin@example.com", "username": "standin"})

    @app.get("/v2/user/remaining_quota", dependencies=gets)
    async def remaining_quota() -> JSONResponse:
        return envelope({"remaining_quota": cloud.remaining_quota})

    # ---- catalogs

    @app.get("/v2/avatars/public", dependencies=gets)
    async def public_avatars(
        request: Request, page: int = Query(1, ge=1), page_size: int = Query(PAGE_SIZE_DEFAULT, ge=1, le=PAGE_SIZE_MAX),
        aspect_ratio: str = "", style: str = "", gender: str = "", age: str = "", scene: str = "",
        ethnicity: str = "",
    ) -> JSONResponse:
        ratio = ASPECT_RATIOS.index(aspect_ratio) if aspect_ratio in ASPECT_RATIOS else aspect_ratio
        chosen = [a for a in AVATARS if _matches(a["aspect_ratio"], str(ratio)) and _matches(a["style"], style)
                  and _matches(a["gender"], gender) and _matches(a["age"], age) and _matches(a["scene"], scene)
                  and _matches(a["ethnicity"], ethnicity)]
        previews = {"video_url": f"{base(request)}/catalog/preview.mp4",
                    "cover_url": f"{base(request)}/catalog/cover.jpg"}
        answered = [{name: {**a, **previews}[name] for name in _AVATAR_FIELDS} for a in chosen]
        return envelope({"avatars": _page(answered, page, page_size)})

    @app.get("/v2/avatars/custom", dependencies=gets)
    async def custom_avatars(page: int = Query(1, ge=1),
                             page_size: int = Query(PAGE_SIZE_DEFAULT, ge=1, le=PAGE_SIZE_MAX)) -> JSONResponse:
        return envelope({"avatars": []})

    @app.get("/v2/voices", dependencies=gets)
    async def voices(
        request: Request, page: int = Query(1, ge=1), page_size: int = Query(PAGE_SIZE_DEFAULT, ge=1, le=PAGE_SIZE_MAX),
        gender: str = "", language: str = "", age: str = "", use_case: str = "",
    ) -> JSONResponse:
        # JoggAI's guide also filters by locale (language=en-US): match either spelling.
        chosen = [v for v in VOICES if _matches(v["gender"], gender) and _matches(v["age"], age)
                  and _matches(v["use_case"], use_case)
                  and (_matches(v["language"], language) or _matches(v["locale"], language))]
        answered = [{name: {**v, "audio_url": f"{base(request)}/catalog/voice.mp3"}[name] for name in _VOICE_FIELDS}
                    for v in chosen]
        return envelope({"voices": _page(answered, page, page_size), "has_more": page * page_size < len(answered)})

    @app.get("/v2/voices/custom", dependencies=gets)
    async def custom_voices(language: str = "") -> JSONResponse:
        return envelope({"total": 0, "voices": []})

    # ---- videos

    @app.post("/v2/create_video_from_avatar", dependencies=[Depends(received_create), *posts])
    async def create_video(request: Request) -> Response:
        record: CreateRecord = request.state.create_record
        _, voice = checked_create(record.body)
        failing = cloud.config.fail_creates_with
        if failing is not None and record.ordinal >= cloud.config.fail_from_create:
            raise CloudError(Code(failing), FAILURE_MESSAGES[failing])
        cost = credits_for(voice)
        if cost > cloud.remaining_quota:
            raise CloudError(Code.INSUFFICIENT_CREDIT, f"Insufficient credit: {cost} needed")
        video = Video(video_id=secrets.token_hex(12), ordinal=record.ordinal, created=time.monotonic(),
                      created_at=int(time.time()), render_seconds=cloud.config.render_seconds)
        cloud.videos[video.video_id] = video
        cloud.remaining_quota -= cost
        record.video_id, record.billed, record.code = video.video_id, cost, SUCCESS
        answer = envelope({"video_id": video.video_id})
        if record.ordinal not in cloud.config.lose_answers:
            return answer
        record.answer = mode = cloud.config.lose_mode
        if mode == "hold":
            await asyncio.sleep(cloud.config.hold_seconds)  # the client has given up by now
            return answer
        if mode == "500":
            return envelope(code=Code.SYSTEM_ERROR, msg="system error", status=HTTP_STATUS_FOR_CODE[Code.SYSTEM_ERROR])
        if mode == "502":  # a gateway in front of the API: no envelope
            return PlainTextResponse("502 Bad Gateway", status_code=HTTPStatus.BAD_GATEWAY)
        request.scope[RESET_FLAG] = True
        return Response()

    @app.get("/v2/avatar_video/{video_id}", dependencies=gets)
    async def avatar_video(request: Request, video_id: str) -> JSONResponse:
        video = cloud.videos.get(video_id)
        if video is None:
            raise CloudError(Code.NOT_FOUND, f"video {video_id} not found")
        data: dict[str, Any] = {"video_id": video.video_id, "status": video.status(time.monotonic()),
                                "created_at": video.created_at}
        if data["status"] == "completed":
            data["video_url"] = f"{base(request)}/media/{video.token}/video.mp4"
            data["cover_url"] = f"{base(request)}/media/{video.token}/cover.jpg"
        return envelope(data)

    # ---- uploads: the API signs, "storage" (no key) takes the PUT and serves the asset

    @app.post("/v2/upload/asset", dependencies=posts)
    async def upload_asset(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("filename"), str) or not body["filename"]:
            raise parameter_error("filename is required")
        content_type = body.get("content_type")
        kind = content_type.split("/", 1)[0] if isinstance(content_type, str) else None
        if kind not in UPLOAD_LIMITS_BYTES:
            raise parameter_error(f"content_type must be one of {', '.join(f'{k}/*' for k in UPLOAD_LIMITS_BYTES)}")
        size = body.get("file_size")
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            raise parameter_error("file_size must be a positive integer")
        if size is not None and size > UPLOAD_LIMITS_BYTES[kind]:
            raise parameter_error(f"file_size must be at most {UPLOAD_LIMITS_BYTES[kind]} bytes for {kind}")
        token = secrets.token_urlsafe(24)
        upload = cloud.uploads[token] = Upload(body["filename"], content_type, secrets.token_hex(16))
        filename = Path(upload.filename).name
        return envelope({"sign_url": f"{base(request)}/storage/upload/{token}?signature={upload.signature}",
                         "asset_url": f"{base(request)}/storage/assets/{token}/{filename}"})

    @app.put("/storage/upload/{token}")
    async def put_upload(request: Request, token: str, signature: str = "") -> Response:
        upload = cloud.uploads.get(token)
        if upload is None or not secrets.compare_digest(signature, upload.signature):
            return PlainTextResponse("SignatureDoesNotMatch", status_code=HTTPStatus.FORBIDDEN)
        if request.headers.get("content-type") != upload.content_type:
            return PlainTextResponse("Content-Type differs from the signed one", status_code=HTTPStatus.FORBIDDEN)
        data = await request.body()
        if len(data) > UPLOAD_LIMITS_BYTES[upload.content_type.split("/", 1)[0]]:
            return PlainTextResponse("EntityTooLarge", status_code=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        upload.data = data
        return Response(status_code=HTTPStatus.OK)

    @app.get("/storage/assets/{token}/{filename}")
    async def asset(token: str, filename: str) -> Response:
        upload = cloud.uploads.get(token)
        if upload is None or upload.data is None:
            return PlainTextResponse("Not Found", status_code=HTTPStatus.NOT_FOUND)
        return Response(upload.data, media_type=upload.content_type)

    # ---- media: no key; result links expire after link_ttl

    @app.get("/media/{token}/{name}")
    async def result_media(token: str, name: str) -> Response:
        files = {"video.mp4": (media.video, "video/mp4"), "cover.jpg": (media.cover, "image/jpeg")}
        video = next((v for v in cloud.videos.values() if v.token == token), None)
        if video is None or name not in files or not cloud.link_alive(video, time.monotonic()):
            return PlainTextResponse("Not Found", status_code=HTTPStatus.NOT_FOUND)
        return FileResponse(files[name][0], media_type=files[name][1])

    @app.get("/catalog/{name}")
    async def catalog_media(name: str) -> Response:
        files = {"preview.mp4": (media.video, "video/mp4"), "cover.jpg": (media.cover, "image/jpeg"),
                 "voice.mp3": (media.voice_sample, "audio/mpeg")}
        if name not in files:
            return PlainTextResponse("Not Found", status_code=HTTPStatus.NOT_FOUND)
        return FileResponse(files[name][0], media_type=files[name][1])

    # ---- AI scripts (tests/cloud_standin_scripts.py)

    add_script_routes(app, cloud, gets=gets, posts=posts, envelope=envelope, cloud_error=CloudError,
                      parameter_error=parameter_error)

    # ---- control, for tests only

    @app.get(CONTROL_PREFIX + "/state")
    async def control_state() -> JSONResponse:
        return JSONResponse(cloud.snapshot())

    @app.post(CONTROL_PREFIX + "/configure")
    async def control_configure(request: Request) -> JSONResponse:
        try:
            cloud.configure(await request.json())
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=HTTPStatus.BAD_REQUEST)
        return JSONResponse(asdict(cloud.config))

    @app.post(CONTROL_PREFIX + "/reset")
    async def control_reset() -> JSONResponse:
        cloud.reset()
        return JSONResponse(asdict(cloud.config))

    return ConnectionResetter(app)


# -------------------------------------------------------------------------- process entry


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.cloud_standin", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (see --ready-file)")
    parser.add_argument("--api-key", help=f"the one valid key (or set {API_KEY_ENV})")
    parser.add_argument("--quota", type=float, default=StandInConfig.quota)
    parser.add_argument("--render-seconds", type=float, default=StandInConfig.render_seconds)
    parser.add_argument("--link-ttl", type=float, default=None)
    parser.add_argument("--no-rate-limit", action="store_true")
    parser.add_argument("--media-dir", type=Path, help="where the generated clip goes (default: a temp dir)")
    parser.add_argument("--ready-file", type=Path, help='written as {"pid", "url"} once requests are accepted')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    args = parse_args(argv)
    api_key = args.api_key or os.environ.get(API_KEY_ENV)
    if not api_key:
        sys.exit(f"give --api-key or set {API_KEY_ENV}")
    config = StandInConfig(quota=args.quota, render_seconds=args.render_seconds, link_ttl=args.link_ttl,
                           rate_limit=not args.no_rate_limit)
    media = make_media(args.media_dir or Path(tempfile.mkdtemp(prefix="cloud-standin-")))
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only then; without it keep-alive answers wait on Nagle.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(128)
    url = f"http://{args.host}:{sock.getsockname()[1]}"

    class ReadyServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            print(f"cloud stand-in listening on {url}", file=sys.stderr, flush=True)  # never the key
            if args.ready_file:
                partial = args.ready_file.with_suffix(".tmp")
                partial.write_text(json.dumps({"pid": os.getpid(), "url": url}))
                os.replace(partial, args.ready_file)

    app = create_app(api_key, config, media)
    server = ReadyServer(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off",
                                        timeout_graceful_shutdown=1))
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
