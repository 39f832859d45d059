"""Catalog routes: public and custom avatars, voices and custom voices."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BeforeValidator

from lib.engine.answers import AvatarList, CustomAvatarList, CustomVoiceList, Envelope, VoiceList
from lib.engine.auth import Owner
from lib.engine.envelope import envelope, parameter_error
from lib.engine.runtime import BaseUrl
from lib.joggai.contract import (
    ASPECT_RATIOS,
    AVATAR_AGES,
    AVATAR_ETHNICITIES,
    AVATAR_SCENES,
    AVATAR_STYLES,
    CUSTOM_AVATAR_STATUSES,
    GENDERS,
    PAGE_SIZE_DEFAULT,
    PAGE_SIZE_MAX,
    VOICE_AGES,
)

if TYPE_CHECKING:  # the catalogs (and the renderer they draw with) load on first use, not at server start
    from lib.engine.catalog.avatars import AvatarProfile
    from lib.engine.catalog.voices import VoiceProfile

router = APIRouter()

# Requests spell aspect ratios as strings; avatar listings answer their index as an integer.
ASPECT_RATIO_INDEX = {name: index for index, name in enumerate(ASPECT_RATIOS)}


def parse_int(name: str, raw: Any, *, default: int, low: int, high: int | None = None) -> int:
    """An integer query parameter within bounds ("" means the default), or a 40000 naming it."""
    if raw is None or str(raw).strip() == "":
        return default
    raw = str(raw)
    bounds = f"between {low} and {high}" if high is not None else f">= {low}"
    try:
        value = int(raw.strip())
    except ValueError:
        raise parameter_error(f"{name} must be an integer {bounds}, got {raw[:40]!r}") from None
    if value < low or (high is not None and value > high):
        raise parameter_error(f"{name} must be an integer {bounds}, got {value}")
    return value


def parse_choice(name: str, raw: Any, allowed: tuple[str, ...]) -> str | None:
    """An enum filter: empty means no filter; matching ignores case; anything else is a 40000."""
    if raw is None or str(raw).strip() == "":
        return None
    value = str(raw).strip().lower()
    if value not in allowed:
        raise parameter_error(f"{name} must be one of {', '.join(allowed)}; got {str(raw)[:40]!r}")
    return value


def lenient_choice(name: str, allowed: tuple[str, ...]) -> BeforeValidator:
    """Query validation by parse_choice: FastAPI documents the enum, the engine keeps its leniency."""
    return BeforeValidator(lambda raw: parse_choice(name, raw, allowed))


# Query parameters, parsed by FastAPI with the engine's lenient rules and 40000 messages.
Page = Annotated[int, Query(ge=1, description="from 1"),
                 BeforeValidator(lambda raw: parse_int("page", raw, default=1, low=1))]
PageSize = Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX),
                     BeforeValidator(lambda raw: parse_int("page_size", raw, default=PAGE_SIZE_DEFAULT, low=1,
                                                           high=PAGE_SIZE_MAX))]
AspectRatioFilter = Annotated[Literal[ASPECT_RATIOS] | None, Query(), lenient_choice("aspect_ratio", ASPECT_RATIOS)]
StyleFilter = Annotated[Literal[AVATAR_STYLES] | None, Query(), lenient_choice("style", AVATAR_STYLES)]
GenderFilter = Annotated[Literal[GENDERS] | None, Query(description="any case: Male is male"),
                         lenient_choice("gender", GENDERS)]
AvatarAgeFilter = Annotated[Literal[AVATAR_AGES] | None, Query(), lenient_choice("age", AVATAR_AGES)]
SceneFilter = Annotated[Literal[AVATAR_SCENES] | None, Query(), lenient_choice("scene", AVATAR_SCENES)]
EthnicityFilter = Annotated[Literal[AVATAR_ETHNICITIES] | None, Query(),
                            lenient_choice("ethnicity", AVATAR_ETHNICITIES)]
VoiceAgeFilter = Annotated[Literal[VOICE_AGES] | None, Query(), lenient_choice("age", VOICE_AGES)]
CustomAvatarStatus = Annotated[Literal[CUSTOM_AVATAR_STATUSES] | None, Query(),
                               lenient_choice("status", CUSTOM_AVATAR_STATUSES)]
TextFilter = Annotated[str | None, Query(description="empty means no filter")]


def avatar_media_base(base: str, avatar_id: int) -> str:
    """Where a catalog avatar's cover and preview clip are served."""
    return f"{base}/media/catalog/avatars/{avatar_id}"


def avatar_json(avatar: AvatarProfile, base: str) -> dict:
    """A public avatar as JoggAI lists it (scene and ethnicity added: they are filters too)."""
    media = avatar_media_base(base, avatar.id)
    return {
        "id": avatar.id,
        "name": avatar.name,
        "cover_url": f"{media}/cover.jpg",
        "video_url": f"{media}/preview.mp4",
        "aspect_ratio": avatar.aspect_ratio,
        "style": avatar.style,
        "gender": avatar.gender,
        "age": avatar.age,
        "scene": avatar.scene,
        "ethnicity": avatar.ethnicity,
    }


def voice_sample_url(base: str, voice_id: str) -> str:
    """Where a catalog voice's sample clip is served."""
    return f"{base}/media/catalog/voices/{quote(voice_id, safe='')}/sample.wav"


def voice_json(voice: VoiceProfile, base: str) -> dict:
    """A voice as JoggAI lists it (locale added: it is the language code clients filter by)."""
    return {
        "voice_id": voice.voice_id,
        "name": voice.name,
        "audio_url": voice_sample_url(base, voice.voice_id),
        "language": voice.language,
        "locale": voice.locale,
        "gender": voice.gender,
        "age": voice.age,
        "accent": voice.accent,
        "use_case": voice.use_case,
    }


@router.get("/avatars/public", tags=["Avatar"], response_model=Envelope[AvatarList])
async def list_public_avatars(
    base: BaseUrl,
    owner: Owner,
    page: Page = 1,
    page_size: PageSize = PAGE_SIZE_DEFAULT,
    aspect_ratio: AspectRatioFilter = None,
    style: StyleFilter = None,
    gender: GenderFilter = None,
    age: AvatarAgeFilter = None,
    scene: SceneFilter = None,
    ethnicity: EthnicityFilter = None,
) -> JSONResponse:
    """One page of public avatars matching every filter given (a page past the end is empty)."""
    from lib.engine.catalog.avatars import public_avatars  # catalogs load on first use, not at server start

    wanted = {"style": style, "gender": gender, "age": age, "scene": scene, "ethnicity": ethnicity}
    wanted = {field: value for field, value in wanted.items() if value is not None}
    matches = [
        avatar for avatar in public_avatars()
        if (aspect_ratio is None or avatar.aspect_ratio == ASPECT_RATIO_INDEX[aspect_ratio])
        and all(getattr(avatar, field) == value for field, value in wanted.items())
    ]
    start = (page - 1) * page_size
    return envelope({"avatars": [avatar_json(a, base) for a in matches[start:start + page_size]]})


@router.get("/avatars/custom", tags=["Avatar"], response_model=Envelope[CustomAvatarList])
async def list_custom_avatars(
    owner: Owner,
    page: Page = 1,
    page_size: PageSize = PAGE_SIZE_DEFAULT,
    name: TextFilter = None,
    status: CustomAvatarStatus = None,
) -> JSONResponse:
    """Always empty: the local engine cannot train avatars from footage (the filters are still checked)."""
    return envelope({"avatars": []})


@router.get("/voices", tags=["Voice"], response_model=Envelope[VoiceList])
async def list_voices(
    base: BaseUrl,
    owner: Owner,
    page: Page = 1,
    page_size: PageSize = PAGE_SIZE_DEFAULT,
    gender: GenderFilter = None,
    language: TextFilter = None,
    age: VoiceAgeFilter = None,
    use_case: TextFilter = None,
) -> JSONResponse:
    """One page of voices; `language` also takes a locale such as en-US."""
    from lib.engine.catalog.voices import filter_voices

    matches = filter_voices(
        gender=gender,
        language=(language or "").strip() or None,
        age=age,
        use_case=(use_case or "").strip() or None,
    )
    start = (page - 1) * page_size
    return envelope({
        "voices": [voice_json(v, base) for v in matches[start:start + page_size]],
        "has_more": start + page_size < len(matches),
    })


@router.get("/voices/custom", tags=["Voice"], response_model=Envelope[CustomVoiceList])
async def list_custom_voices(owner: Owner, language: TextFilter = None) -> JSONResponse:
    """Always empty: voice cloning is not available offline."""
    return envelope({"total": 0, "voices": []})
