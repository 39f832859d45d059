"""Filtering and tabulating the avatar and voice catalogs for the Avatars and Voices pages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from lib.joggai.models import ASPECT_RATIOS

# Avatar facets the Avatars page filters on, with the attribute each one reads.
AVATAR_FACETS = ("aspect_ratio", "style", "gender", "age", "scene", "ethnicity")
VOICE_FACETS = ("language", "gender", "age", "use_case")


def facet_label(value: Any) -> str:
    """``south_asian`` -> ``South asian``; aspect ratio integers -> their names."""
    return str(value).replace("_", " ").capitalize()


def avatar_facet_value(avatar: Any, facet: str) -> Any:
    """The avatar's value for a facet; aspect ratio as its request spelling (``portrait``...)."""
    value = getattr(avatar, facet, None)
    if facet == "aspect_ratio" and isinstance(value, int) and 0 <= value < len(ASPECT_RATIOS):
        return ASPECT_RATIOS[value]
    return value


def facet_options(items: Iterable[Any], facet: str) -> list[str]:
    """The distinct non-empty values of an attribute, sorted."""
    return sorted({str(value) for item in items if (value := getattr(item, facet, None)) not in (None, "")})


def avatar_facet_options(avatars: Sequence[Any], facet: str) -> list[str]:
    """Distinct values of an avatar facet present in the catalog."""
    return sorted({str(v) for a in avatars if (v := avatar_facet_value(a, facet)) not in (None, "")})


def filter_avatars(avatars: Sequence[Any], *, search: str = "", **facets: Iterable[str] | None) -> list[Any]:
    """Avatars whose name contains ``search`` and whose facets are among the chosen values.

    An empty or None choice means "any".
    """
    needle = search.strip().lower()
    chosen = {facet: set(values) for facet, values in facets.items() if values}
    return [avatar for avatar in avatars
            if needle in avatar.name.lower()
            and all(str(avatar_facet_value(avatar, facet)) in values for facet, values in chosen.items())]


def filter_voices(voices: Sequence[Any], *, search: str = "", **facets: Iterable[str] | None) -> list[Any]:
    """Voices matching a free-text search (name, id, accent, language) and the chosen facet values."""
    needle = search.strip().lower()
    chosen = {facet: set(values) for facet, values in facets.items() if values}

    def matches(voice: Any) -> bool:
        haystack = " ".join(str(getattr(voice, attr, "") or "")
                            for attr in ("name", "voice_id", "accent", "language", "use_case")).lower()
        return needle in haystack and all(str(getattr(voice, f, None)) in v for f, v in chosen.items())

    return [voice for voice in voices if matches(voice)]


# Column titles of the voice table, all in sentence case ("Use case", not "use_case" or "Use Case").
VOICE_COLUMNS = {"favourite": "★", "name": "Name", "language": "Language", "gender": "Gender", "age": "Age",
                 "accent": "Accent", "use_case": "Use case", "sample": "Sample", "voice_id": "Voice ID"}


def voices_frame(voices: Sequence[Any], starred: Iterable[str] = ()) -> pd.DataFrame:
    """One row per voice, in catalog order, for ``st.dataframe`` (``sample`` is the audio URL,
    ``favourite`` whether the voice is starred)."""
    starred = set(starred)
    rows = [{"favourite": v.voice_id in starred, "name": v.name, "language": v.language, "gender": v.gender,
             "age": v.age, "accent": v.accent, "use_case": v.use_case, "sample": v.audio_url,
             "voice_id": v.voice_id} for v in voices]
    return pd.DataFrame(rows, columns=list(VOICE_COLUMNS))
