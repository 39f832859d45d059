"""The local engine's voice catalog, built on espeak-ng voices and variants.

Placeholder catalog: the full catalog (>=100 voices, >=40 languages) replaces this shortly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VoiceProfile:
    """One voice the engine offers: how the API describes it and how espeak-ng speaks it."""

    voice_id: str
    name: str
    language: str  # lower-case English name, e.g. "english", "simplified chinese"
    locale: str  # e.g. "en-US"
    gender: str  # "male" | "female"
    age: str  # "young" | "middle_aged" | "old"
    accent: str
    use_case: str
    espeak_voice: str  # e.g. "en-us+f3"
    rate: int  # words per minute (espeak default 175)
    pitch: int  # 0..100 (espeak default 50)


_VOICES: tuple[VoiceProfile, ...] = (
    VoiceProfile("en-US-AvaLocal", "Ava", "english", "en-US", "female", "young", "american",
                 "conversational", "en-us+f3", 170, 55),
    VoiceProfile("en-US-ChristopherLocal", "Christopher", "english", "en-US", "male", "middle_aged",
                 "american", "narration", "en-us+m3", 165, 45),
)


def all_voices() -> tuple[VoiceProfile, ...]:
    """Every voice in the catalog, in a stable order."""
    return _VOICES


def find_voice(voice_id: str) -> VoiceProfile | None:
    """The voice with exactly this id, or None."""
    return next((v for v in _VOICES if v.voice_id == voice_id), None)
