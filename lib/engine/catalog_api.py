"""Catalog routes: public and custom avatars, voices and custom voices."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lib.engine.auth import Owner
from lib.engine.envelope import envelope, parameter_error

if TYPE_CHECKING:
    from lib.engine.catalog.avatars import AvatarProfile
    from lib.engine.catalog.voices import VoiceProfile

router = APIRouter()

ASPECT_RATIOS = {"portrait": 0, "landscape": 1, "square": 2}
AVATAR_FILTERS: dict[str, tuple[str, ...]] = {
    "style": ("professional", "social"),
    "gender": ("female", "male"),
    "age": ("adult", "senior", "young_adult"),
    "scene": ("lifestyle", "outdoors", "business", "studio", "health_fitness", "education", "news"),
    "ethnicity": ("european", "african", "south_asian", "east_asian", "middle_eastern", "south_american",
                  "north_american"),
}
VOICE_GENDERS = ("female", "male")
VOICE_AGES = ("young", "middle_aged", "old")
CUSTOM_AVATAR_STATUSES = ("processing", "completed", "failed")


def parse_int(name: str, raw: str | None, *, default: int, low: int, high: int | None = None) -> int:
    """An integer query parameter within bounds, or a 40000 naming it."""
    if raw is None or raw.strip() == "":
        return default
    bounds = f"between {low} and {high}" if high is not None else f">= {low}"
    try:
        value = int(raw.strip())
    except ValueError:
        raise parameter_error(f"{name} must be an integer {bounds}, got {raw[:40]!r}") from None
    if value < low or (high is not None and value > high):
        raise parameter_error(f"{name} must be an integer {bounds}, got {value}")
    return value


def paging(page: str | None, page_size: str | None) -> tuple[int, int]:
    """`page` from 1, `page_size` 1..100 (default 10)."""
    return (parse_int("page", page, default=1, low=1),
            parse_int("page_size", page_size, default=10, low=1, high=100))


def parse_choice(name: str, raw: str | None, allowed: tuple[str, ...]) -> str | None:
    """An enum filter: empty means no filter; matching ignores case; anything else is a 40000."""
    if raw is None or raw.strip() == "":
        return None
    value = raw.strip().lower()
    if value not in allowed:
        raise parameter_error(f"{name} must be one of {', '.join(allowed)}; got {raw[:40]!r}")
    return value


def avatar_media_base(base: str, avatar_id: int) -> str:
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


def request_base(request: Request) -> str:
    return request.app.state.engine.base_url(str(request.base_url))


@router.get("/avatars/public")
async def list_public_avatars(
    request: Request,
    owner: Owner,
    page: str | None = None,
    page_size: str | None = None,
    aspect_ratio: str | None = None,
    style: str | None = None,
    gender: str | None = None,
    age: str | None = None,
    scene: str | None = None,
    ethnicity: str | None = None,
) -> JSONResponse:
    from lib.engine.catalog.avatars import public_avatars  # catalogs load on first use, not at server start

    page_no, size = paging(page, page_size)
    ratio = parse_choice("aspect_ratio", aspect_ratio, tuple(ASPECT_RATIOS))
    wanted = {
        "style": parse_choice("style", style, AVATAR_FILTERS["style"]),
        "gender": parse_choice("gender", gender, AVATAR_FILTERS["gender"]),
        "age": parse_choice("age", age, AVATAR_FILTERS["age"]),
        "scene": parse_choice("scene", scene, AVATAR_FILTERS["scene"]),
        "ethnicity": parse_choice("ethnicity", ethnicity, AVATAR_FILTERS["ethnicity"]),
    }
    wanted = {field: value for field, value in wanted.items() if value is not None}
    matches = [
        avatar for avatar in public_avatars()
        if (ratio is None or avatar.aspect_ratio == ASPECT_RATIOS[ratio])
        and all(getattr(avatar, field) == value for field, value in wanted.items())
    ]
    start = (page_no - 1) * size
    base = request_base(request)
    return envelope({"avatars": [avatar_json(a, base) for a in matches[start:start + size]]})


@router.get("/avatars/custom")
async def list_custom_avatars(
    owner: Owner,
    page: str | None = None,
    page_size: str | None = None,
    name: str | None = None,
    status: str | None = None,
) -> JSONResponse:
    # The local engine cannot train avatars from footage: the list is always empty.
    paging(page, page_size)
    parse_choice("status", status, CUSTOM_AVATAR_STATUSES)
    return envelope({"avatars": []})


@router.get("/voices")
async def list_voices(
    request: Request,
    owner: Owner,
    page: str | None = None,
    page_size: str | None = None,
    gender: str | None = None,
    language: str | None = None,
    age: str | None = None,
    use_case: str | None = None,
) -> JSONResponse:
    from lib.engine.catalog.voices import filter_voices

    page_no, size = paging(page, page_size)
    matches = filter_voices(
        gender=parse_choice("gender", gender, VOICE_GENDERS),
        language=(language or "").strip() or None,
        age=parse_choice("age", age, VOICE_AGES),
        use_case=(use_case or "").strip() or None,
    )
    start = (page_no - 1) * size
    base = request_base(request)
    return envelope({
        "voices": [voice_json(v, base) for v in matches[start:start + size]],
        "has_more": start + size < len(matches),
    })


@router.get("/voices/custom")
async def list_custom_voices(owner: Owner, language: str | None = None) -> JSONResponse:
    # Voice cloning is not available offline: no custom voices.
    return envelope({"total": 0, "voices": []})

