"""Typed, frozen models of what the JoggAI v2 API sends and takes.

Every `from_api` ignores fields it does not know (the cloud and our engine both add some) and keeps
the payload it was built from in `.raw`. Parsing of server answers lives here and nowhere else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from lib.joggai import contract
from lib.joggai.contract import (
    ASPECT_RATIOS,
    AVATAR_TYPES,
    MAX_SCRIPT_CHARS,
    MAX_VIDEO_NAME_CHARS,
    VideoStatus,
)

__all__ = [
    "ASPECT_RATIOS",
    "AVATAR_TYPES",
    "MAX_SCRIPT_CHARS",
    "MAX_VIDEO_NAME_CHARS",
    "SCREEN_STYLES",
    "Avatar",
    "CreateVideoRequest",
    "CustomAvatar",
    "FieldProblem",
    "SpeechPreview",
    "UploadedAsset",
    "UserInfo",
    "VideoJob",
    "VideoStatus",
    "Voice",
    "VoicePage",
    "WebhookEndpoint",
]


#: 1 full screen, 2 split screen, 3 picture in picture (the contract names them).
SCREEN_STYLES: tuple[int, ...] = tuple(contract.SCREEN_STYLES)


def _text(value: Any) -> str | None:
    """A string field: None stays None, anything else becomes its text."""
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _int(value: Any) -> int | None:
    """An integer field that some servers send as a numeric string."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _aspect_ratio_index(value: Any) -> int | None:
    """The catalog's integer aspect ratio; also accepts the request spellings."""
    if isinstance(value, str) and value.strip().lower() in ASPECT_RATIOS:
        return ASPECT_RATIOS.index(value.strip().lower())
    return _int(value)


@dataclass(frozen=True)
class UserInfo:
    """The account behind an API key (`GET /v2/user/whoami`)."""

    email: str | None
    username: str | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> UserInfo:
        """Build from the envelope's `data` object."""
        return cls(email=_text(data.get("email")), username=_text(data.get("username")), raw=data)


@dataclass(frozen=True)
class Avatar:
    """A public avatar from the catalog; `aspect_ratio` is 0 portrait, 1 landscape, 2 square."""

    id: int
    name: str
    cover_url: str | None
    video_url: str | None
    aspect_ratio: int | None
    style: str | None
    gender: str | None
    age: str | None
    scene: str | None = None
    ethnicity: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Avatar:
        """Build from one item of `data.avatars`; the id may be `id` or (older payloads) `avatar_id`."""
        avatar_id = _int(data.get("id", data.get("avatar_id")))
        if avatar_id is None:
            raise ValueError("avatar without an integer id")
        return cls(
            id=avatar_id,
            name=_text(data.get("name")) or "",
            cover_url=_text(data.get("cover_url")),
            video_url=_text(data.get("video_url")),
            aspect_ratio=_aspect_ratio_index(data.get("aspect_ratio")),
            style=_text(data.get("style")),
            gender=_text(data.get("gender")),
            age=_text(data.get("age")),
            scene=_text(data.get("scene")),
            ethnicity=_text(data.get("ethnicity")),
            raw=data,
        )

    @property
    def aspect_ratio_name(self) -> str | None:
        """The request spelling of this avatar's framing ("portrait", "landscape", "square")."""
        if self.aspect_ratio is None or not 0 <= self.aspect_ratio < len(ASPECT_RATIOS):
            return None
        return ASPECT_RATIOS[self.aspect_ratio]


@dataclass(frozen=True)
class CustomAvatar:
    """One of the user's own avatars (`GET /v2/avatars/custom`)."""

    id: int
    name: str
    cover_url: str | None
    video_url: str | None
    aspect_ratio: int | None
    avatar_status: str | None
    fail_msg: str | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> CustomAvatar:
        """Build from one item of `data.avatars`."""
        avatar_id = _int(data.get("id", data.get("avatar_id")))
        if avatar_id is None:
            raise ValueError("avatar without an integer id")
        return cls(
            id=avatar_id,
            name=_text(data.get("name")) or "",
            cover_url=_text(data.get("cover_url")),
            video_url=_text(data.get("video_url") or data.get("avatar_url")),
            aspect_ratio=_aspect_ratio_index(data.get("aspect_ratio")),
            avatar_status=_text(data.get("avatar_status", data.get("status"))),
            fail_msg=_text(data.get("fail_msg")) or None,
            raw=data,
        )


@dataclass(frozen=True)
class Voice:
    """A text-to-speech voice; `voice_id` is opaque (cloud ids look like "en-US-ChristopherNeural")."""

    voice_id: str
    name: str
    audio_url: str | None
    language: str | None
    gender: str | None
    age: str | None
    accent: str | None
    use_case: str | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Voice:
        """Build from one item of `data.voices` (public or custom)."""
        voice_id = _text(data.get("voice_id"))
        if not voice_id:
            raise ValueError("voice without a voice_id")
        return cls(
            voice_id=voice_id,
            name=_text(data.get("name")) or voice_id,
            audio_url=_text(data.get("audio_url")),
            language=_text(data.get("language")),
            gender=_text(data.get("gender")),
            age=_text(data.get("age")),
            accent=_text(data.get("accent")),
            use_case=_text(data.get("use_case")),
            raw=data,
        )


@dataclass(frozen=True)
class VoicePage:
    """One page of `GET /v2/voices`."""

    voices: list[Voice]
    has_more: bool


@dataclass(frozen=True)
class VideoJob:
    """A render job (`GET /v2/avatar_video/{id}`).

    `progress` (0-100), `duration`, `caption_url` and `error_code`/`error_message` are local engine
    extensions; the cloud leaves them None.
    """

    video_id: str
    status: VideoStatus
    created_at: int | None
    video_url: str | None
    cover_url: str | None
    progress: int | None = None
    duration: float | None = None
    caption_url: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict[str, Any], *, video_id: str | None = None) -> VideoJob:
        """Build from the envelope's `data`; `video_id` fills in when the server leaves it out."""
        found_id = _text(data.get("video_id", data.get("id"))) or video_id
        if not found_id:
            raise ValueError("video without a video_id")
        if data.get("status") is None:
            raise ValueError("video without a status")
        error = data.get("error")
        error_code = error_message = None
        if isinstance(error, dict):
            error_code = _text(error.get("code"))
            error_message = _text(error.get("message") or error.get("msg"))
        elif isinstance(error, str) and error:
            error_message = error
        error_message = error_message or _text(data.get("fail_msg") or data.get("error_message")) or None
        progress = _float(data.get("progress"))
        return cls(
            video_id=found_id,
            status=VideoStatus.parse(data["status"]),
            created_at=_int(data.get("created_at")),
            video_url=_text(data.get("video_url")) or None,
            cover_url=_text(data.get("cover_url")) or None,
            progress=None if progress is None else max(0, min(100, round(progress))),
            duration=_float(data.get("duration")),
            caption_url=_text(data.get("caption_url")) or None,
            error_code=error_code,
            error_message=error_message,
            raw=data,
        )


@dataclass(frozen=True)
class FieldProblem:
    """One broken rule of a request, named by the API's field name (e.g. "voice.script")."""

    field: str
    message: str


def _is_http_url(text: str) -> bool:
    parts = urlsplit(text.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@dataclass(frozen=True)
class CreateVideoRequest:
    """What `POST /v2/create_video_from_avatar` takes, flattened.

    Script mode when `audio_url` is None, audio mode otherwise. `problems()` checks the contract's
    rules before anything is sent; `to_payload()` builds the nested body the API expects.
    """

    avatar_id: int
    voice_id: str
    script: str | None = None
    audio_url: str | None = None
    avatar_type: int = 0
    aspect_ratio: str = "portrait"
    screen_style: int = 1
    caption: bool = False
    video_name: str | None = None
    webhook_url: str | None = None
    # Our `ext` field (contract.EXT_FIELDS), for a backend whose capabilities list contract.CAPABILITY_EXT;
    # sent only when set.
    ext: dict[str, Any] | None = None

    @property
    def voice_type(self) -> str:
        """ "audio" when an audio URL is given, "script" otherwise."""
        return "audio" if self.audio_url is not None else "script"

    def problems(self) -> list[FieldProblem]:
        """Every broken rule, in form order; an empty list means the request may be sent."""
        found: list[FieldProblem] = []

        def broken(name: str, message: str) -> None:
            found.append(FieldProblem(name, f"{name} {message}"))

        if isinstance(self.avatar_id, bool) or not isinstance(self.avatar_id, int) or self.avatar_id < 0:
            broken("avatar.avatar_id", "must be a non-negative integer")
        if self.avatar_type not in AVATAR_TYPES or isinstance(self.avatar_type, bool):
            broken("avatar.avatar_type", "must be 0 (public) or 1 (custom)")
        if not isinstance(self.voice_id, str) or not self.voice_id.strip():
            broken("voice.voice_id", "is required")
        if self.audio_url is not None and self.script is not None and self.script.strip():
            broken("voice.script", "and voice.audio_url cannot both be given: send exactly one")
        if self.voice_type == "script":
            script = (self.script or "").strip()
            if not script:
                broken("voice.script", 'is required when voice.type is "script"')
            elif len(script) > MAX_SCRIPT_CHARS:
                broken(
                    "voice.script",
                    f"must be 1 to {MAX_SCRIPT_CHARS} characters after trimming spaces, got {len(script)}",
                )
        else:
            audio_url = (self.audio_url or "").strip()
            if not audio_url:
                broken("voice.audio_url", 'is required when voice.type is "audio"')
            elif not _is_http_url(audio_url):
                broken("voice.audio_url", "must be an http or https URL")
        if self.aspect_ratio not in ASPECT_RATIOS:
            broken("aspect_ratio", "must be one of portrait, landscape, square")
        if self.screen_style not in SCREEN_STYLES or isinstance(self.screen_style, bool):
            broken("screen_style", "must be 1 (full screen), 2 (split screen) or 3 (picture in picture)")
        if self.video_name is not None and len(self.video_name) > MAX_VIDEO_NAME_CHARS:
            broken("video_name", f"must be at most {MAX_VIDEO_NAME_CHARS} characters")
        if self.webhook_url and self.webhook_url.strip() and not _is_http_url(self.webhook_url):
            broken("webhook_url", "must be an http or https URL (or empty for none)")
        for key, value in (self.ext or {}).items():
            name = f"{contract.EXT_REQUEST_FIELD}.{key}"
            if key not in contract.EXT_FIELDS:
                broken(name, f"is not a known field (known: {', '.join(contract.EXT_FIELDS)})")
            elif key == contract.EXT_PRONUNCIATIONS:
                try:
                    contract.pronunciations_from_ext(value)
                except ValueError as problem:
                    found.append(FieldProblem(name, str(problem)))
            elif not isinstance(value, str):
                broken(name, "must be a string")
            elif key in contract.EXT_URL_FIELDS and not _is_http_url(value.strip()):
                broken(name, "must be http(s) or an upload URL")
            elif key == contract.EXT_RESOLUTION and value not in contract.RESOLUTIONS:
                broken(name, f"must be {' or '.join(contract.RESOLUTIONS)}")
            elif key == contract.EXT_CAPTION_STYLE and value not in contract.CAPTION_STYLES:
                broken(name, f"must be one of {', '.join(contract.CAPTION_STYLES)}")
        return found

    def to_payload(self) -> dict[str, Any]:
        """The nested JSON body; integer ids, and no webhook_url/video_name when they are empty."""
        voice: dict[str, Any] = {"type": self.voice_type, "voice_id": self.voice_id}
        if self.voice_type == "audio":
            voice["audio_url"] = self.audio_url.strip() if self.audio_url else self.audio_url
        else:
            voice["script"] = self.script
        payload: dict[str, Any] = {
            "avatar": {"avatar_id": int(self.avatar_id), "avatar_type": int(self.avatar_type)},
            "voice": voice,
            "aspect_ratio": self.aspect_ratio,
            "screen_style": int(self.screen_style),
            "caption": bool(self.caption),
        }
        if self.video_name:
            payload["video_name"] = self.video_name
        if self.webhook_url and self.webhook_url.strip():
            payload["webhook_url"] = self.webhook_url.strip()
        if self.ext:
            payload[contract.EXT_REQUEST_FIELD] = dict(self.ext)
        return payload


@dataclass(frozen=True)
class UploadedAsset:
    """An uploaded file: `asset_url` serves it (usable as `voice.audio_url`); `sign_url` took the PUT."""

    asset_url: str
    sign_url: str


@dataclass(frozen=True)
class SpeechPreview:
    """A WAV of a script in a voice (local engine extension `POST /v2/ext/speech_preview`)."""

    audio_url: str
    duration: float | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> SpeechPreview:
        """Build from the envelope's `data`."""
        audio_url = _text(data.get("audio_url"))
        if not audio_url:
            raise ValueError("speech preview without an audio_url")
        return cls(audio_url=audio_url, duration=_float(data.get("duration")), raw=data)


@dataclass(frozen=True)
class WebhookEndpoint:
    """A registered webhook receiver; `secret` signs deliveries (HMAC-SHA256 of the raw body)."""

    endpoint_id: str
    url: str
    secret: str | None
    status: str | None
    events: list[str]
    username: str | None
    created_at: int | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> WebhookEndpoint:
        """Build from an endpoint object."""
        endpoint_id = _text(data.get("endpoint_id", data.get("id")))
        if not endpoint_id:
            raise ValueError("webhook endpoint without an endpoint_id")
        events = data.get("events")
        return cls(
            endpoint_id=endpoint_id,
            url=_text(data.get("url")) or "",
            secret=_text(data.get("secret")),
            status=_text(data.get("status")),
            events=[str(event) for event in events] if isinstance(events, list) else [],
            username=_text(data.get("username")),
            created_at=_int(data.get("created_at")),
            raw=data,
        )

    def __repr__(self) -> str:
        # The signing secret stays out of logs and tracebacks.
        return (
            f"WebhookEndpoint(endpoint_id={self.endpoint_id!r}, url={self.url!r}, status={self.status!r}, "
            f"events={self.events!r}, username={self.username!r}, created_at={self.created_at!r})"
        )
