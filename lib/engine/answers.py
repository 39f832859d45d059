"""The engine's answers as pydantic models: what `/openapi.json` documents for every route.

Handlers build their `data` as plain dicts (the exact bytes clients have always seen) and name these
models as `response_model`; `tests/engine/test_openapi.py` holds them against JoggAI's spec. Fields that
are ours, not JoggAI's, are marked `x-extension` in the document.
"""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from lib.joggai.contract import (
    AVATAR_AGES,
    AVATAR_ETHNICITIES,
    AVATAR_SCENES,
    AVATAR_STYLES,
    CUSTOM_AVATAR_STATUSES,
    ENDPOINT_STATUSES,
    GENDERS,
    SUCCESS,
    TASK_STATUSES,
    VOICE_AGES,
)

DataT = TypeVar("DataT")
EXTENSION = {"x-extension": True}


def extension(description: str) -> object:
    """A field that is ours, not JoggAI's (clients that do not know it ignore it)."""
    return Field(None, description=description, json_schema_extra=EXTENSION)


class Envelope(BaseModel, Generic[DataT]):
    """Every answer, errors included: `code` 0 is success, anything else is a JoggAI business code."""

    code: int = SUCCESS
    msg: str
    data: DataT


class UserInfo(BaseModel):
    email: str
    username: str


class RemainingQuota(BaseModel):
    remaining_quota: float


class AvatarInfo(BaseModel):
    id: int
    name: str
    cover_url: str
    video_url: str = Field(description="a short preview clip")
    aspect_ratio: Literal[0, 1, 2] = Field(description="0 portrait, 1 landscape, 2 square")
    style: Literal[AVATAR_STYLES]
    gender: Literal[GENDERS]
    age: Literal[AVATAR_AGES]
    scene: Literal[AVATAR_SCENES] | None = extension("a filter too")
    ethnicity: Literal[AVATAR_ETHNICITIES] | None = extension("a filter too")


class AvatarList(BaseModel):
    avatars: list[AvatarInfo]


class CustomAvatarInfo(BaseModel):
    id: int
    name: str
    video_url: str
    cover_url: str
    api_only: bool
    avatar_status: Literal[CUSTOM_AVATAR_STATUSES]
    fail_msg: str
    avatar_url: str


class CustomAvatarList(BaseModel):
    avatars: list[CustomAvatarInfo] = Field(description="always empty: the local engine trains no avatars")


class VoiceInfo(BaseModel):
    voice_id: str
    name: str
    audio_url: str = Field(description="a sample clip")
    language: str
    locale: str | None = extension("the language code, e.g. en-US")
    gender: Literal[GENDERS]
    age: Literal[VOICE_AGES]
    accent: str
    use_case: str


class VoiceList(BaseModel):
    voices: list[VoiceInfo]
    has_more: bool


class CustomVoiceInfo(BaseModel):
    name: str
    voice_id: str
    audio_url: str
    language: str


class CustomVoiceList(BaseModel):
    total: int
    voices: list[CustomVoiceInfo] = Field(description="always empty: the local engine clones no voices")


class VideoCreated(BaseModel):
    video_id: str


class VideoError(BaseModel):
    code: int
    message: str


class VideoDetails(BaseModel):
    video_id: str
    status: Literal[TASK_STATUSES]
    created_at: int = Field(description="Unix seconds")
    video_url: str | None = Field(None, description="when completed")
    cover_url: str | None = Field(None, description="when completed")
    progress: int | None = extension("0-100")
    duration: float | None = extension("seconds, when completed")
    caption_url: str | None = extension("WebVTT, when completed with caption true")
    video_name: str | None = extension("as sent")
    error: VideoError | None = extension("when failed")


class UploadSlot(BaseModel):
    sign_url: str = Field(description="PUT the bytes here, without the API key, once, within an hour")
    asset_url: str


class UploadStored(BaseModel):
    asset_url: str
    size: int


class WebhookEndpoint(BaseModel):
    endpoint_id: str
    url: str
    secret: str
    status: Literal[ENDPOINT_STATUSES]
    events: list[str]
    username: str
    created_at: int


class WebhookEndpointList(BaseModel):
    endpoints: list[WebhookEndpoint]


class WebhookDeleted(BaseModel):
    message: str


class WebhookEventList(BaseModel):
    events: list[str]


class SpeechPreview(BaseModel):
    audio_url: str
    duration: float


class Health(BaseModel):
    status: Literal["ok"]
    engine: str
    version: str
    capabilities: list[str] = Field(description="what this engine honours beyond JoggAI's spec")
