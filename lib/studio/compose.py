"""Turning the composer's widget values into a JoggAI request, and previewing it safely.

The copy-as-curl text never contains the API key: it reads the key from ``$JOGGAI_API_KEY``.
"""

from __future__ import annotations

import json
import math
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lib.joggai import CreateVideoRequest, contract
from lib.studio import product_visuals
from lib.studio.state import Keys

ASPECT_RATIOS = ("portrait", "landscape", "square")
SCREEN_STYLES = {1: "Full screen", 2: "Split screen", 3: "Picture in picture"}
MASKED_KEY = "$JOGGAI_API_KEY"

# Typical speaking rates (words per minute) for text-to-speech; unknown languages use the default.
_WORDS_PER_MINUTE = {"english": 155, "spanish": 170, "french": 165, "german": 140, "italian": 165,
                     "portuguese": 160, "russian": 135, "arabic": 130, "hindi": 140, "dutch": 150}
_DEFAULT_WPM = 150
# Scripts without spaces between words are counted in characters per minute instead.
_CHARACTERS_PER_MINUTE = {"chinese": 260, "japanese": 330, "korean": 290, "thai": 300}
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")


@dataclass(frozen=True)
class ScriptStats:
    """Counts shown under the script box."""

    characters: int
    words: int
    estimated_seconds: float


def script_stats(script: str, language: str | None = None) -> ScriptStats:
    """Character and word counts plus an estimated spoken duration for ``language``."""
    text = script.strip()
    language = (language or "").lower()
    dense = _CJK.findall(text)
    words = len(re.findall(r"\w+", text)) if not dense else len(dense) + len(re.findall(r"[A-Za-z0-9]+", text))
    per_minute = next((rate for name, rate in _CHARACTERS_PER_MINUTE.items() if name in language), None)
    if per_minute is not None or dense:
        seconds = len(re.sub(r"\s", "", text)) / (per_minute or 280) * 60
    else:
        wpm = next((rate for name, rate in _WORDS_PER_MINUTE.items() if name in language), _DEFAULT_WPM)
        seconds = words / wpm * 60
    # Pauses at sentence ends add up on long scripts.
    seconds += 0.25 * len(re.findall(r"[.!?。！？]+", text))
    return ScriptStats(characters=len(script), words=words, estimated_seconds=round(seconds, 1))


def format_duration(seconds: float) -> str:
    """``75.3`` -> ``1:15``."""
    whole = math.ceil(max(0.0, seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def build_request(*, avatar_id: int | None, voice_id: str | None, mode: str, script: str = "",
                  audio_url: str = "", avatar_type: int = 0, aspect_ratio: str = "portrait",
                  screen_style: int = 1, caption: bool = False, video_name: str = "",
                  webhook_url: str = "", ext: Mapping[str, str] | None = None) -> CreateVideoRequest:
    """The request the composer describes; the unused one of script / audio URL is left out, and
    ``ext`` (product visuals) is there only when something is chosen."""
    return CreateVideoRequest(
        avatar_id=int(avatar_id) if avatar_id is not None else -1,
        voice_id=voice_id or "",
        script=script if mode == "script" else None,
        audio_url=audio_url.strip() if mode == "audio" else None,
        avatar_type=int(avatar_type),
        aspect_ratio=aspect_ratio,
        screen_style=int(screen_style),
        caption=bool(caption),
        video_name=video_name.strip() or None,
        webhook_url=webhook_url.strip() or None,
        ext=dict(ext) if ext else None,
    )


# Problem field names (in any of the spellings the contract uses) -> the composer widget they belong to.
_FIELD_TO_WIDGET = {"avatar_id": "avatar", "avatar_type": "avatar", "avatar": "avatar", "voice_id": "voice",
                    "script": "script", "audio_url": "audio", "type": "script", "aspect_ratio": "aspect_ratio",
                    "screen_style": "screen_style", "video_name": "video_name", "webhook_url": "webhook_url",
                    "caption": "caption"}


def problems_by_widget(request: CreateVideoRequest) -> dict[str, list[str]]:
    """The client-side rule violations, grouped by the composer widget that should show them
    (``visuals``: the product-visuals section)."""
    grouped: dict[str, list[str]] = {}
    for problem in request.problems():
        if problem.field.split(".")[0] == contract.EXT_REQUEST_FIELD:
            grouped.setdefault("visuals", []).append(problem.message)
            continue
        widget = _FIELD_TO_WIDGET.get(problem.field.split(".")[-1], "general")
        # build_request marks "nothing picked" with -1; say that instead of the integer rule.
        message = "Choose an avatar." if problem.field == "avatar.avatar_id" and request.avatar_id == -1 \
            else problem.message
        grouped.setdefault(widget, []).append(message)
    return grouped


def request_json(request: CreateVideoRequest) -> str:
    """The JSON body exactly as it will be sent."""
    return json.dumps(request.to_payload(), indent=2, ensure_ascii=False)


def curl_command(base_url: str, request: CreateVideoRequest) -> str:
    """A copy-pasteable curl for the request; the key is read from the shell, never embedded."""
    endpoint = f"{api_root(base_url)}/create_video_from_avatar"
    body = json.dumps(request.to_payload(), ensure_ascii=False)
    return (f"curl -sS -X POST {shlex.quote(endpoint)} \\\n"
            f"  -H \"x-api-key: {MASKED_KEY}\" \\\n"
            f"  -H 'Content-Type: application/json' \\\n"
            f"  -d {shlex.quote(body)}")


def api_root(base_url: str) -> str:
    """``base_url`` normalised to end in ``/v2``."""
    root = base_url.rstrip("/")
    return root if root.endswith("/v2") else f"{root}/v2"


def mask_secret(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every non-empty secret replaced by a mask (for error messages and previews)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "••••")
    return text


def avatar_choices(public: Iterable, custom: Iterable = ()) -> dict[tuple[int, int], str]:
    """Selectbox options ``(avatar_type, id) -> label`` for public then custom avatars."""
    choices = {(0, a.id): f"{a.name} · #{a.id}" for a in public}
    choices.update({(1, a.id): f"{a.name} · #{a.id} (mine)" for a in custom})
    return choices


def voice_choices(voices: Iterable) -> dict[str, str]:
    """Selectbox options ``voice_id -> label``."""
    return {v.voice_id: " · ".join(part for part in (v.name, v.language, v.gender) if part) for v in voices}


def display_name(label: str | None) -> str:
    """The name part of a choice label (``"Ava · #81"`` -> ``"Ava"``)."""
    return (label or "").split(" · ")[0]


def request_from_widgets(values: Mapping[str, Any]) -> CreateVideoRequest:
    """The request described by the composer's widget values (session state, keyed by ``Keys``); its
    product visuals (``ext``) only when the values say the backend takes them (``Keys.EXT_ALLOWED``)."""
    picked = values.get(Keys.W_COMPOSE_AVATAR)
    ext = product_visuals.ext_from_values(values) if product_visuals.ext_allowed(values) else {}
    return build_request(
        avatar_id=picked[1] if picked else None, avatar_type=picked[0] if picked else 0,
        voice_id=values.get(Keys.W_COMPOSE_VOICE), mode=values.get(Keys.W_COMPOSE_MODE) or "script",
        script=values.get(Keys.W_COMPOSE_SCRIPT) or "", audio_url=values.get(Keys.W_COMPOSE_AUDIO_URL) or "",
        aspect_ratio=values.get(Keys.W_COMPOSE_ASPECT) or "portrait",
        screen_style=values.get(Keys.W_COMPOSE_SCREEN) or 1, caption=bool(values.get(Keys.W_COMPOSE_CAPTION)),
        video_name=values.get(Keys.W_COMPOSE_NAME) or "", webhook_url=values.get(Keys.W_COMPOSE_WEBHOOK) or "",
        ext=ext)
