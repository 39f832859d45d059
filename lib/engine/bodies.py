"""Request bodies as pydantic models, parsed leniently with the engine's exact 40000 messages.

Each model's `mode="before"` validator is the one place its rules live: it checks the raw JSON object
in the order the engine always has (the first problem found is the one answered), raises a 40000 naming
the field, and hands back a normalised object — defaults filled in, numeric strings read as integers,
unknown fields dropped — so the typed fields below always validate. Behaviour wins over strict pydantic
types: `"0"` is an avatar_type, a missing `voice.type` is inferred (see the README's lenient defaults).
The typed fields document the body in `/openapi.json` with the spec's required fields and enums.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lib.engine.envelope import parameter_error
from lib.engine.job_store import VOICE_AUDIO, VOICE_SCRIPT, VideoSpec
from lib.engine.media import is_safe_filename
from lib.engine.request_body import JsonBody, check_script, int_field, is_http_url, optional_str
from lib.joggai.contract import (
    ASPECT_RATIOS,
    AVATAR_TYPE_PUBLIC,
    AVATAR_TYPES,
    CAPTION_STYLES,
    DEFAULT_CAPTION_STYLE,
    DEFAULT_RESOLUTION,
    ENDPOINT_STATUSES,
    EXT_BACKGROUND_URL,
    EXT_CAPTION_STYLE,
    EXT_CONTENT_URL,
    EXT_FIELDS,
    EXT_LOGO_URL,
    EXT_MUSIC_URL,
    EXT_PRONUNCIATIONS,
    EXT_REQUEST_FIELD,
    EXT_RESOLUTION,
    EXT_URL_FIELDS,
    MAX_PRONUNCIATION_CHARS,
    MAX_VIDEO_NAME_CHARS,
    PHONEME_HINT,
    RESOLUTIONS,
    SCREEN_STYLES,
    UPLOAD_LIMITS_BYTES,
    VOICE_TYPES,
    WEBHOOK_EVENTS,
    Pronunciation,
    pronunciations_from_ext,
)

MAX_URL_CHARS = 2048
DEFAULT_ASPECT_RATIO = ASPECT_RATIOS[0]
DEFAULT_SCREEN_STYLE = min(SCREEN_STYLES)
DEFAULT_ENDPOINT_STATUS = ENDPOINT_STATUSES[0]
_SCREEN_STYLE_VALUES = tuple(SCREEN_STYLES)
_MB = 1024 * 1024
_MEDIA_TYPE = re.compile(rf"^({'|'.join(UPLOAD_LIMITS_BYTES)})/[a-z0-9][a-z0-9.+-]{{0,80}}$")


def _quoted(values: tuple[str, ...]) -> str:
    return " or ".join(f'"{value}"' for value in values)


# ---------------------------------------------------------------- POST /v2/create_video_from_avatar

class AvatarChoice(BaseModel):
    avatar_id: int
    avatar_type: Literal[AVATAR_TYPES] = Field(description="0 public, 1 custom (the engine has none); "
                                                           "omitted means 0")


class VoiceChoice(BaseModel):
    type: Literal[VOICE_TYPES] = Field(description="omitted: inferred from which of script/audio_url is sent")
    voice_id: str
    script: str | None = Field(None, description='required when type is "script"; 1-5000 characters')
    audio_url: str | None = Field(None, description='required when type is "audio": MP3, WAV or M4A, '
                                                    "at most 20 MB and 10 minutes")


_UPLOAD_OR_HTTP = "an upload/asset URL of this engine or an http(s) URL"


class PronunciationEntry(BaseModel):
    """One brand word in `ext.pronunciations` (rules: contract.pronunciations_from_ext)."""

    word: str = Field(max_length=MAX_PRONUNCIATION_CHARS)
    respelling: str = Field("", max_length=MAX_PRONUNCIATION_CHARS, description="how to say it in letters")
    phonemes: str | None = Field(None, max_length=MAX_PRONUNCIATION_CHARS, description=PHONEME_HINT)


class VideoExtras(BaseModel):
    """Ours, local engine only: the request field `ext` (clients of the cloud never send it)."""

    model_config = ConfigDict(json_schema_extra={"x-extension": True})

    content_url: str | None = Field(None, alias=EXT_CONTENT_URL, description=(
        f"PNG, JPEG or WebP image, or a short video (one still is shown): {_UPLOAD_OR_HTTP}; fills split "
        "screen's content panel and is picture-in-picture's main picture"))
    background_url: str | None = Field(None, alias=EXT_BACKGROUND_URL, description=(
        f"PNG, JPEG or WebP image behind the avatar in full screen: {_UPLOAD_OR_HTTP}"))
    logo_url: str | None = Field(None, alias=EXT_LOGO_URL, description=f"PNG (alpha kept), in a corner: {_UPLOAD_OR_HTTP}")
    music_url: str | None = Field(None, alias=EXT_MUSIC_URL, description=f"audio bed under the speech: {_UPLOAD_OR_HTTP}")
    resolution: Literal[RESOLUTIONS] = Field(DEFAULT_RESOLUTION, alias=EXT_RESOLUTION)
    caption_style: Literal[CAPTION_STYLES] = Field(DEFAULT_CAPTION_STYLE, alias=EXT_CAPTION_STYLE)
    pronunciations: list[PronunciationEntry] | None = Field(None, alias=EXT_PRONUNCIATIONS, description=(
        "brand words: each listed word (whole word, any case) is spoken as its phonemes, else its respelling; "
        "captions keep the written word"))


def _checked_pronunciations(value: Any, *name: str) -> list[dict[str, str]]:
    """Brand words by the contract's rules (``pronunciations_from_ext``), as entries; a broken one is a 40000."""
    try:
        return [entry.as_ext() for entry in pronunciations_from_ext(value, *name)]
    except ValueError as problem:
        raise parameter_error(str(problem)) from None


def check_ext(value: Any) -> dict[str, Any]:
    """The `ext` object's rules: known keys only, URLs http(s), enums; null values count as absent."""
    name = EXT_REQUEST_FIELD
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise parameter_error(f"{name} must be an object with any of {', '.join(EXT_FIELDS)}")
    unknown = [key for key in value if key not in EXT_FIELDS]
    if unknown:
        raise parameter_error(f"{name}.{str(unknown[0])[:80]} is not a known field (known: {', '.join(EXT_FIELDS)})")
    checked: dict[str, Any] = {}
    for key in EXT_FIELDS:
        raw = value.get(key)
        if raw is None:
            continue
        if key == EXT_PRONUNCIATIONS:
            if entries := _checked_pronunciations(raw):
                checked[key] = entries
            continue
        if not isinstance(raw, str):
            raise parameter_error(f"{name}.{key} must be a string")
        text = raw.strip()
        if key in EXT_URL_FIELDS:
            if not text:
                continue
            if len(text) > MAX_URL_CHARS or not is_http_url(text):
                raise parameter_error(f"{name}.{key} must be http(s) or an upload URL "
                                      f"(at most {MAX_URL_CHARS} characters)")
        elif key == EXT_RESOLUTION and text not in RESOLUTIONS:
            raise parameter_error(f"{name}.{key} must be {' or '.join(RESOLUTIONS)}")
        elif key == EXT_CAPTION_STYLE and text not in CAPTION_STYLES:
            raise parameter_error(f"{name}.{key} must be one of {', '.join(CAPTION_STYLES)}")
        checked[key] = text
    return checked


class CreateVideoBody(JsonBody):
    """The body of create_video_from_avatar, validated; `to_spec()` is what the job stores."""

    avatar: AvatarChoice
    voice: VoiceChoice
    aspect_ratio: Literal[ASPECT_RATIOS] = Field(description="omitted means portrait")
    screen_style: Literal[_SCREEN_STYLE_VALUES] = Field(description="1 full screen, 2 split screen, "
                                                                    "3 picture in picture; omitted means 1")
    caption: bool = False
    video_name: str | None = Field(None, max_length=MAX_VIDEO_NAME_CHARS)
    webhook_url: str | None = Field(None, description='"" means no webhook')
    ext: VideoExtras | None = Field(None, json_schema_extra={"x-extension": True},
                                    description="ours (local engine): product visuals, logo, music, resolution")

    @model_validator(mode="before")
    @classmethod
    def _lenient(cls, body: Any) -> dict[str, Any]:
        avatar = body.get("avatar")
        if not isinstance(avatar, dict):
            raise parameter_error("avatar is required: an object with avatar_id and avatar_type")
        if avatar.get("avatar_id") is None:
            raise parameter_error("avatar.avatar_id is required")
        avatar_id = int_field("avatar.avatar_id", avatar["avatar_id"])
        avatar_type = int_field("avatar.avatar_type", avatar.get("avatar_type", AVATAR_TYPE_PUBLIC), AVATAR_TYPES)
        voice = _voice(body.get("voice"))
        aspect_ratio = body.get("aspect_ratio", DEFAULT_ASPECT_RATIO)
        if aspect_ratio not in ASPECT_RATIOS:
            raise parameter_error(f"aspect_ratio must be one of {', '.join(ASPECT_RATIOS)}")
        screen_style = int_field("screen_style", body.get("screen_style", DEFAULT_SCREEN_STYLE), _SCREEN_STYLE_VALUES)
        caption = body.get("caption", False)
        if caption is None:
            caption = False
        if not isinstance(caption, bool):
            raise parameter_error("caption must be true or false")
        video_name = optional_str("video_name", body.get("video_name"))
        if video_name is not None and len(video_name) > MAX_VIDEO_NAME_CHARS:
            raise parameter_error(f"video_name must be at most {MAX_VIDEO_NAME_CHARS} characters")
        webhook_url = optional_str("webhook_url", body.get("webhook_url"))
        webhook_url = (webhook_url or "").strip() or None  # "" means no webhook
        if webhook_url is not None and not is_http_url(webhook_url):
            raise parameter_error("webhook_url must be an http or https URL (or empty for none)")
        ext = check_ext(body.get(EXT_REQUEST_FIELD))
        return {"avatar": {"avatar_id": avatar_id, "avatar_type": avatar_type}, "voice": voice,
                "aspect_ratio": aspect_ratio, "screen_style": screen_style, "caption": caption,
                "video_name": video_name, "webhook_url": webhook_url, "ext": ext or None}

    @property
    def ext_fields(self) -> dict[str, Any]:
        """The `ext` keys that were sent (validated), or {}."""
        return {} if self.ext is None else self.ext.model_dump(by_alias=True, exclude_unset=True)

    def to_spec(self) -> VideoSpec:
        """The flat, stored form of this request (read by the render worker)."""
        return VideoSpec(
            avatar_id=self.avatar.avatar_id, avatar_type=self.avatar.avatar_type, voice_id=self.voice.voice_id,
            voice_type=self.voice.type, script=self.voice.script, audio_url=self.voice.audio_url,
            aspect_ratio=self.aspect_ratio, screen_style=self.screen_style, caption=self.caption,
            video_name=self.video_name, webhook_url=self.webhook_url, ext=self.ext_fields,
        )


def _voice(voice: Any) -> dict[str, Any]:
    """The voice object's rules: exactly one of script and audio_url, matching `type`; voice_id always."""
    if not isinstance(voice, dict):
        raise parameter_error("voice is required: an object with type, voice_id and script or audio_url")
    script = optional_str("voice.script", voice.get("script"))
    audio_url = optional_str("voice.audio_url", voice.get("audio_url"))
    voice_type = voice.get("type")
    if voice_type is None:
        voice_type = VOICE_AUDIO if audio_url and not script else VOICE_SCRIPT
    if voice_type not in VOICE_TYPES:
        raise parameter_error(f"voice.type must be {_quoted(VOICE_TYPES)}")
    if script not in (None, "") and audio_url not in (None, ""):
        raise parameter_error("voice.script and voice.audio_url cannot both be given: send exactly one")
    voice_id = voice.get("voice_id")
    if voice_id is None or (isinstance(voice_id, str) and not voice_id.strip()):
        raise parameter_error("voice.voice_id is required (also when voice.type is \"audio\")")
    if not isinstance(voice_id, str):
        raise parameter_error("voice.voice_id must be a string")
    if voice_type == VOICE_SCRIPT:
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
    return {"type": voice_type, "voice_id": voice_id.strip(), "script": script, "audio_url": audio_url}


# ---------------------------------------------------------------- POST /v2/ext/speech_preview (ours)

class SpeechPreviewBody(JsonBody):
    voice_id: str
    script: str = Field(description="1-5000 characters")
    pronunciations: list[PronunciationEntry] | None = Field(None, description="as ext.pronunciations of a video")

    @model_validator(mode="before")
    @classmethod
    def _lenient(cls, body: Any) -> dict[str, Any]:
        voice_id = body.get("voice_id")
        if not isinstance(voice_id, str) or not voice_id.strip():
            raise parameter_error("voice_id is required")
        script = body.get("script")
        if not isinstance(script, str):
            raise parameter_error("script is required: a string")
        check_script("script", script)
        return {"voice_id": voice_id, "script": script,
                "pronunciations": _checked_pronunciations(body.get(EXT_PRONUNCIATIONS), EXT_PRONUNCIATIONS) or None}

    @property
    def lexicon_entries(self) -> list[Pronunciation]:
        """The brand words to say as listed."""
        return [Pronunciation(e.word, e.respelling, e.phonemes or "") for e in self.pronunciations or ()]


# ---------------------------------------------------------------- POST /v2/upload/asset

def media_type_of(content_type: str) -> str:
    """`Audio/MPEG; charset=x` -> `audio/mpeg`."""
    return content_type.split(";", 1)[0].strip().lower()


def upload_limit(media_type: str) -> tuple[str, int]:
    """The kind (image, audio, video) of a media type and its size limit in bytes."""
    kind = media_type.split("/", 1)[0]
    return kind, UPLOAD_LIMITS_BYTES[kind]


def megabytes(limit: int) -> str:
    """A byte limit as the messages say it: `20 MB`."""
    return f"{limit // _MB} MB"


class UploadAssetBody(JsonBody):
    """An upload slot request; `content_type` comes back normalised to its media type."""

    filename: str = Field(description="a plain file name: no directories, no control characters")
    content_type: str = Field(description="an image/*, audio/* or video/* type")
    file_size: int | None = Field(None, ge=1, description="bytes; checked against the upload")

    @model_validator(mode="before")
    @classmethod
    def _lenient(cls, body: Any) -> dict[str, Any]:
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
        kind, limit = upload_limit(media_type)
        file_size = body.get("file_size")
        if file_size is not None:
            if isinstance(file_size, bool) or not isinstance(file_size, int) or file_size < 1:
                raise parameter_error("file_size must be a positive integer (bytes)")
            if file_size > limit:
                raise parameter_error(f"file_size exceeds the {megabytes(limit)} limit for {kind} files")
        return {"filename": filename, "content_type": media_type, "file_size": file_size}


# ---------------------------------------------------------------- webhook endpoints

def check_endpoint_url(value: Any) -> str:
    """An endpoint's URL, kept byte-exact as given; 40000 unless http(s) and at most 2048 characters."""
    if not isinstance(value, str) or not value.strip():
        raise parameter_error("url is required: the http(s) address that receives the events")
    if len(value) > MAX_URL_CHARS or not is_http_url(value.strip()):
        raise parameter_error(f"url must be an http or https URL of at most {MAX_URL_CHARS} characters")
    return value


def check_events(value: Any) -> list[str]:
    """A non-empty list of known event names, duplicates dropped (first occurrence kept)."""
    if not isinstance(value, list) or not value or not all(isinstance(e, str) for e in value):
        raise parameter_error("events must be a non-empty list of event names (see GET /v2/events)")
    unknown = [e for e in value if e not in WEBHOOK_EVENTS]
    if unknown:
        raise parameter_error(f"events: unknown event {unknown[0][:80]!r} (see GET /v2/events)")
    return list(dict.fromkeys(value))


def check_endpoint_status(value: Any) -> str:
    """enabled or disabled."""
    if value not in ENDPOINT_STATUSES:
        raise parameter_error(f"status must be {' or '.join(ENDPOINT_STATUSES)}")
    return value


class EndpointBody(JsonBody):
    """A new webhook endpoint (`status` omitted means enabled)."""

    url: str = Field(description="kept byte-exact")
    status: Literal[ENDPOINT_STATUSES]
    events: list[Literal[WEBHOOK_EVENTS]]

    @model_validator(mode="before")
    @classmethod
    def _lenient(cls, body: Any) -> dict[str, Any]:
        url = check_endpoint_url(body.get("url"))
        events = check_events(body.get("events"))
        status = check_endpoint_status(body.get("status", DEFAULT_ENDPOINT_STATUS))
        return {"url": url, "status": status, "events": events}


class EndpointChanges(JsonBody):
    """An endpoint update. Documented with the spec's required fields; the engine also takes any subset
    (a lenient partial update). A `secret` in the body is ignored: a secret never changes."""

    model_config = ConfigDict(json_schema_extra={"required": ["url", "status", "events"]})

    url: str | None = None
    status: Literal[ENDPOINT_STATUSES] | None = None
    events: list[Literal[WEBHOOK_EVENTS]] | None = None

    @model_validator(mode="before")
    @classmethod
    def _lenient(cls, body: Any) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if "url" in body:
            changes["url"] = check_endpoint_url(body["url"])
        if "events" in body:
            changes["events"] = check_events(body["events"])
        if "status" in body:
            changes["status"] = check_endpoint_status(body["status"])
        return changes
