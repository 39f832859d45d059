"""Planning an experiment's variants: which requests an axis makes from the composed one, and what is
wrong with the plan. No sending and no storage here (``lib.studio.experiments`` keeps and sends them).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from lib.joggai import CreateVideoRequest, contract
from lib.studio.compose import SCREEN_STYLES
from lib.studio.product_visuals import with_ext

MAX_VARIANTS = 6
SCRIPT_SEPARATOR = "---"  # a line of its own between script variants
AXES = {"cast": "Voices and avatars", "scripts": "Script variants", "personas": "Personas",
        "languages": "Languages", "visuals": "Product visuals"}


@dataclass(frozen=True)
class Variant:
    """One cell of the comparison: its request and what tells it apart from the others."""

    index: int
    label: str
    request: CreateVideoRequest
    avatar_name: str = ""
    voice_name: str = ""



def split_scripts(text: str) -> list[str]:
    """Script variants written one after another, separated by a line holding only ``---``."""
    parts = re.split(rf"(?m)^\s*{re.escape(SCRIPT_SEPARATOR)}\s*$", text or "")
    return [part.strip() for part in parts if part.strip()]


def _script_labels(scripts: Sequence[str], names: Mapping[str, str]) -> list[str]:
    # A name used twice (the same draft pasted twice) gets its position, so no two variants read the same.
    labels = [names.get(script.strip()) or f"Script {index + 1}" for index, script in enumerate(scripts)]
    return [f"{label} ({index + 1})" if labels.count(label) > 1 else label for index, label in enumerate(labels)]


def plan_variants(base: CreateVideoRequest, *, avatars: Sequence[tuple[int, int]] = (),
                  voices: Sequence[str] = (), scripts: Sequence[str] = (),
                  presets: Sequence[tuple[str, Mapping[str, Any]]] = (),
                  avatar_names: Mapping[tuple[int, int], str] | None = None,
                  voice_names: Mapping[str, str] | None = None,
                  script_names: Mapping[str, str] | None = None) -> list[Variant]:
    """Every combination of the chosen avatars × voices × scripts × presets; an empty choice keeps the base's.

    A preset is ``(label, request fields)``: a persona's settings, or a language's voice and script.
    Labels name only what varies, so the compare grid reads "Ava · Guy" rather than repeating
    the script in every cell. A script is named by ``script_names`` (its text -> a name, such as the
    style of the AI draft it is, while unedited), else "Script N".
    """
    avatar_names, voice_names = avatar_names or {}, voice_names or {}
    script_labels = _script_labels(scripts, script_names or {})
    avatar_axis = list(dict.fromkeys(avatars)) or [(base.avatar_type, base.avatar_id)]
    voice_axis = list(dict.fromkeys(voices)) or [base.voice_id]
    script_axis = list(scripts) or [base.script or ""]
    preset_axis = list(presets) or [("", {})]
    variants = []
    for index, ((avatar_type, avatar_id), voice_id, script_index, (preset_label, preset)) in enumerate(
            itertools.product(avatar_axis, voice_axis, range(len(script_axis)), preset_axis)):
        parts = []
        if len(avatar_axis) > 1:
            parts.append(avatar_names.get((avatar_type, avatar_id), f"#{avatar_id}"))
        if len(voice_axis) > 1:
            parts.append(voice_names.get(voice_id, voice_id))
        if len(script_axis) > 1:
            parts.append(script_labels[script_index])
        if len(preset_axis) > 1:
            parts.append(preset_label)
        label = " · ".join(parts) or "Only variant"
        name = f"{base.video_name} — {label}" if base.video_name else label
        request = replace(base, avatar_id=avatar_id, avatar_type=avatar_type, voice_id=voice_id,
                          script=script_axis[script_index] if base.voice_type == "script" else base.script,
                          video_name=name[:200])
        request = replace(request, **preset) if preset else request
        variants.append(Variant(index, label, request,
                                avatar_name=avatar_names.get((request.avatar_type, request.avatar_id),
                                                             f"#{request.avatar_id}"),
                                voice_name=voice_names.get(request.voice_id, request.voice_id)))
    return variants


def language_presets(translations: Sequence[tuple[str, str]],
                     labels: Mapping[str, str] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """The languages axis: each ``(voice_id, script)`` pair is one variant, labelled by its voice's language."""
    labels = labels or {}
    return [(labels.get(voice_id, voice_id), {"voice_id": voice_id, "script": script.strip()})
            for voice_id, script in dict(translations).items()]


def plan_visual_variants(base: CreateVideoRequest, *, screen_styles: Sequence[int] = (),
                         with_and_without_music: bool = False) -> list[Variant]:
    """The base request's product visuals shown in each chosen screen style, with and without its music bed.

    Every variant keeps the base's content, background and logo (``ext``); only the screen style and
    whether the music plays differ, so the comparison is about the layout and the music alone.
    """
    ext = dict(base.to_payload().get(contract.EXT_REQUEST_FIELD) or {})
    style_axis = list(dict.fromkeys(screen_styles)) or [base.screen_style]
    music_axis = [True, False] if with_and_without_music and ext.get(contract.EXT_MUSIC_URL) else [None]
    variants = []
    for index, (style, music) in enumerate(itertools.product(style_axis, music_axis)):
        parts = [SCREEN_STYLES.get(style, str(style))] if len(style_axis) > 1 else []
        if music is not None:
            parts.append("with music" if music else "without music")
        label = " · ".join(parts) or "Only variant"
        name = f"{base.video_name} — {label}" if base.video_name else label
        variant_ext = {key: value for key, value in ext.items() if music is not False or key != contract.EXT_MUSIC_URL}
        request = with_ext(replace(base, screen_style=style, video_name=name[:200]), variant_ext)
        variants.append(Variant(index, label, request))
    return variants


def plan_problems(variants: Sequence[Variant]) -> list[str]:
    """Why an experiment cannot be sent as planned (too few or too many variants, broken requests)."""
    found = []
    if len(variants) < 2:
        found.append("Pick at least two voices, two avatars, two script variants, two personas, two languages "
                     "or two product-visual looks to compare.")
    if len(variants) > MAX_VARIANTS:
        found.append(f"{len(variants)} combinations: an experiment compares at most {MAX_VARIANTS} videos.")
    checked = variants[:MAX_VARIANTS]
    messages = [[_problem_text(variant.request, problem) for problem in variant.request.problems()]
                for variant in checked]
    # A rule every variant breaks (no script, say) is said once, not once per variant.
    shared = set.intersection(*(set(found) for found in messages)) if messages else set()
    found.extend(message for message in messages[0] if message in shared) if messages else None
    for variant, own in zip(checked, messages, strict=True):
        found.extend(f"{variant.label}: {message}" for message in own if message not in shared)
    return list(dict.fromkeys(found))


def _problem_text(request: CreateVideoRequest, problem) -> str:
    # The composer marks "no avatar picked" with -1; say that instead of the integer rule.
    if problem.field == "avatar.avatar_id" and request.avatar_id == -1:
        return "Choose an avatar (above, or several to compare)."
    if problem.field == "voice.voice_id" and not request.voice_id:
        return "Choose a voice (above, or several to compare)."
    return problem.message
