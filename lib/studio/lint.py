"""Estimates and warnings shown before a request is sent; pure functions, never blocking.

The composer and the batch page show what these return; nothing here stops a submission. Writing
systems are told apart with ``unicodedata`` character names (``CYRILLIC SMALL LETTER A`` -> Cyrillic).
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from lib.joggai import CreateVideoRequest
from lib.studio.compose import format_duration, script_stats

# ASSUMPTION, not a published figure we could verify offline: the cloud bills avatar videos in credits
# per started minute of output, 1 credit each. Change here if your JoggAI plan says otherwise.
CREDITS_PER_STARTED_MINUTE = 1
CREDIT_ASSUMPTION = (f"Assumes {CREDITS_PER_STARTED_MINUTE} credit per started minute of video; "
                     "check your JoggAI plan for the real price.")
MAX_AUDIO_SECONDS = 10 * 60  # the contract's custom-audio limit; long scripts hit it too
NEAR_LIMIT_SHARE = 0.9
# Letters of other writing systems below this share are names or brands, not a wrong-language script.
FOREIGN_SCRIPT_SHARE = 0.25

# Writing systems per voice language (lower-case English names as the catalogs spell them, or a
# locale such as ``ja-JP``). Languages in neither table are unknown and never warned about.
_LANGUAGE_SCRIPTS: dict[str, frozenset[str]] = {
    "chinese": frozenset({"Han"}), "cantonese": frozenset({"Han"}), "mandarin": frozenset({"Han"}),
    "japanese": frozenset({"Han", "Hiragana", "Katakana"}), "korean": frozenset({"Hangul", "Han"}),
    "russian": frozenset({"Cyrillic"}), "ukrainian": frozenset({"Cyrillic"}),
    "belarusian": frozenset({"Cyrillic"}), "bulgarian": frozenset({"Cyrillic"}),
    "macedonian": frozenset({"Cyrillic"}), "serbian": frozenset({"Cyrillic", "Latin"}),
    "kazakh": frozenset({"Cyrillic"}), "kyrgyz": frozenset({"Cyrillic"}), "mongolian": frozenset({"Cyrillic"}),
    "arabic": frozenset({"Arabic"}), "persian": frozenset({"Arabic"}), "urdu": frozenset({"Arabic"}),
    "hebrew": frozenset({"Hebrew"}), "greek": frozenset({"Greek"}), "armenian": frozenset({"Armenian"}),
    "georgian": frozenset({"Georgian"}), "hindi": frozenset({"Devanagari"}),
    "marathi": frozenset({"Devanagari"}), "nepali": frozenset({"Devanagari"}),
    "bengali": frozenset({"Bengali"}), "punjabi": frozenset({"Gurmukhi"}), "gujarati": frozenset({"Gujarati"}),
    "tamil": frozenset({"Tamil"}), "telugu": frozenset({"Telugu"}), "kannada": frozenset({"Kannada"}),
    "malayalam": frozenset({"Malayalam"}), "sinhala": frozenset({"Sinhala"}), "thai": frozenset({"Thai"}),
    "amharic": frozenset({"Ethiopic"}), "lao": frozenset({"Lao"}), "khmer": frozenset({"Khmer"}),
    "burmese": frozenset({"Myanmar"}),
}
_LATIN_ONLY = frozenset({"Latin"})
_LATIN_LANGUAGES = frozenset({
    "english", "spanish", "french", "german", "italian", "portuguese", "dutch", "polish", "turkish", "swedish",
    "afrikaans", "albanian", "azerbaijani", "basque", "bosnian", "catalan", "croatian", "czech", "danish",
    "estonian", "filipino", "finnish", "galician", "hungarian", "icelandic", "indonesian", "irish", "latvian",
    "lithuanian", "luxembourgish", "malay", "maltese", "norwegian", "romanian", "slovak", "slovenian", "somali",
    "swahili", "tagalog", "uzbek", "vietnamese", "welsh", "zulu", "javanese", "esperanto", "latin",
})
# ISO 639-1 codes (the first part of a locale like ``ja-JP``) -> language name in the tables above.
_LANGUAGE_CODES = {
    "en": "english", "es": "spanish", "fr": "french", "de": "german", "it": "italian", "pt": "portuguese",
    "nl": "dutch", "pl": "polish", "tr": "turkish", "sv": "swedish", "af": "afrikaans", "sq": "albanian",
    "az": "azerbaijani", "eu": "basque", "bs": "bosnian", "ca": "catalan", "hr": "croatian", "cs": "czech",
    "da": "danish", "et": "estonian", "fi": "finnish", "gl": "galician", "hu": "hungarian", "is": "icelandic",
    "id": "indonesian", "ga": "irish", "lv": "latvian", "lt": "lithuanian", "lb": "luxembourgish", "ms": "malay",
    "mt": "maltese", "nb": "norwegian", "no": "norwegian", "ro": "romanian", "sk": "slovak", "sl": "slovenian",
    "sw": "swahili", "uz": "uzbek", "vi": "vietnamese", "cy": "welsh", "fil": "filipino", "zh": "chinese",
    "yue": "cantonese", "ja": "japanese", "ko": "korean", "ru": "russian", "uk": "ukrainian", "be": "belarusian",
    "bg": "bulgarian", "mk": "macedonian", "sr": "serbian", "kk": "kazakh", "ky": "kyrgyz", "mn": "mongolian",
    "ar": "arabic", "fa": "persian", "ur": "urdu", "he": "hebrew", "el": "greek", "hy": "armenian",
    "ka": "georgian", "hi": "hindi", "mr": "marathi", "ne": "nepali", "bn": "bengali", "pa": "punjabi",
    "gu": "gujarati", "ta": "tamil", "te": "telugu", "kn": "kannada", "ml": "malayalam", "si": "sinhala",
    "th": "thai", "am": "amharic", "lo": "lao", "km": "khmer", "my": "burmese",
}
# First word of a Unicode character name -> writing system, where the two differ.
_NAME_PREFIXES = {"CJK": "Han", "HANGUL": "Hangul", "HIRAGANA": "Hiragana", "KATAKANA": "Katakana",
                  "ETHIOPIC": "Ethiopic", "MYANMAR": "Myanmar"}


@dataclass(frozen=True)
class LintWarning:
    """One non-blocking remark about a request; ``code`` is stable for tests and filters."""

    code: str
    message: str


@dataclass(frozen=True)
class Estimate:
    """Expected spoken length and, for the cloud, the credits it should cost (see CREDIT_ASSUMPTION)."""

    seconds: float
    credits: int | None


def writing_system(char: str) -> str | None:
    """The writing system of one letter (``"Ж"`` -> ``"Cyrillic"``), None for non-letters."""
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    words = name.split()
    if not words:
        return None
    if words[0] in ("FULLWIDTH", "HALFWIDTH") and len(words) > 1:
        words = words[1:]
    first = words[0]
    return _NAME_PREFIXES.get(first, first.capitalize())


def writing_systems(text: str) -> Counter[str]:
    """How many letters of ``text`` belong to each writing system."""
    return Counter(system for char in text if (system := writing_system(char)) is not None)


def language_name(language: str | None) -> str | None:
    """A voice language as one lower-case English name (``"ja-JP"`` -> ``"japanese"``, ``"Spanish (Mexico)"``
    -> ``"spanish"``); None when it names no language of the tables above."""
    name = (language or "").strip().lower()
    if not name:
        return None
    words = name.replace("(", " ").replace(")", " ").split()
    code = name.replace("_", "-").split("-")[0]
    if len(words) == 1 and code in _LANGUAGE_CODES:  # a code or locale: "ru", "ja-JP", "pt_BR"
        return _LANGUAGE_CODES[code]
    return next((word for word in words if word in _LANGUAGE_SCRIPTS or word in _LATIN_LANGUAGES), None)


def language_scripts(language: str | None) -> frozenset[str] | None:
    """The writing systems a voice language is written in (``"russian"``, ``"ja-JP"``); None when unknown."""
    name = language_name(language)
    if name is None:
        return None
    return _LANGUAGE_SCRIPTS.get(name, _LATIN_ONLY)


def estimate(script: str, language: str | None, *, cloud: bool) -> Estimate:
    """Spoken length from the language's speaking rate; credits only for the (billing) cloud."""
    seconds = script_stats(script, language).estimated_seconds
    credits = estimated_credits(seconds) if cloud else None
    return Estimate(seconds=seconds, credits=credits)


def estimated_credits(seconds: float) -> int:
    """Credits for a video of ``seconds`` under CREDITS_PER_STARTED_MINUTE."""
    return max(1, math.ceil(seconds / 60)) * CREDITS_PER_STARTED_MINUTE


def script_language_warning(script: str, language: str | None) -> LintWarning | None:
    """A warning when much of the script is in a writing system the voice's language does not use."""
    expected = language_scripts(language)
    counts = writing_systems(script)
    total = sum(counts.values())
    if expected is None or not total:
        return None
    foreign = {system: n for system, n in counts.items() if system not in expected}
    if sum(foreign.values()) / total < FOREIGN_SCRIPT_SHARE:
        return None
    names = ", ".join(sorted(foreign, key=foreign.get, reverse=True))
    return LintWarning("script_language",
                       f"The script is largely in {names} letters, but the voice speaks {language}: "
                       "it may be read out wrongly or skipped.")


def aspect_warning(avatar_aspect: str | None, requested: str) -> LintWarning | None:
    """A warning when the avatar was made for another framing than the one requested."""
    if not avatar_aspect or avatar_aspect == requested:
        return None
    return LintWarning("aspect_ratio", f"This avatar is {avatar_aspect}; a {requested} video will be "
                                       "cropped or padded around it.")


def length_warnings(seconds: float, *, target_seconds: float | None = None,
                    audio: bool = False) -> list[LintWarning]:
    """Over the chosen target length; near (or over) the 10-minute limit."""
    found = []
    if target_seconds and seconds > target_seconds:
        found.append(LintWarning("over_target", f"About {format_duration(seconds)} spoken, longer than the "
                                                f"{format_duration(target_seconds)} target."))
    if seconds >= MAX_AUDIO_SECONDS * NEAR_LIMIT_SHARE:
        what = "The audio" if audio else "The speech"
        verb = "exceeds" if seconds > MAX_AUDIO_SECONDS else "is close to"
        found.append(LintWarning("near_limit", f"{what} ({format_duration(seconds)}) {verb} the "
                                               "10-minute limit."))
    return found


def lint_request(request: CreateVideoRequest, *, voice_language: str | None, avatar_aspect: str | None,
                 target_seconds: float | None = None, audio_seconds: float | None = None) -> list[LintWarning]:
    """Every warning for one request (``audio_seconds``: length of custom audio, when known)."""
    found: list[LintWarning] = []
    if request.voice_type == "script" and request.script:
        if (mismatch := script_language_warning(request.script, voice_language)) is not None:
            found.append(mismatch)
        seconds = script_stats(request.script, voice_language).estimated_seconds
        found.extend(length_warnings(seconds, target_seconds=target_seconds))
    elif audio_seconds is not None:
        found.extend(length_warnings(audio_seconds, target_seconds=target_seconds, audio=True))
    if (framing := aspect_warning(avatar_aspect, request.aspect_ratio)) is not None:
        found.append(framing)
    return found


def submission_minutes(count: int, posts_per_minute: int | None, *, even: bool = False) -> float:
    """Minutes needed to send ``count`` create requests at ``posts_per_minute`` (0 when unlimited).

    ``even``: one request every 60/N seconds (a pace the user chose) instead of the cloud's sliding
    window, where a minute's worth goes at once and each further request waits for a free slot.
    """
    if not posts_per_minute:
        return 0.0
    if even:
        return max(0, count - 1) / posts_per_minute
    # Request n (from 0) waits for the window to free its slot: n // N whole minutes after the first.
    return float(max(0, count - 1) // posts_per_minute)


def pacing_warning(count: int, posts_per_minute: int | None, *, even: bool = False) -> LintWarning | None:
    """A note when sending ``count`` videos will take a minute or more under a POST limit."""
    minutes = submission_minutes(count, posts_per_minute, even=even)
    if minutes < 1:
        return None
    return LintWarning("pacing", f"Sending {count} videos takes about {math.ceil(minutes)} minute(s) under "
                                 f"the limit of {posts_per_minute} requests per minute; the page paces them.")


def distinct_messages(warnings: Iterable[LintWarning]) -> list[str]:
    """Warning texts without repeats, in first-seen order (a batch repeats the same remark per row)."""
    return list(dict.fromkeys(warning.message for warning in warnings))
