"""Types shared by the speech side and the picture side of the renderer.

Speech (text-to-speech or a user's audio) becomes a `Speech`: PCM samples plus timings.
The picture side turns a `Speech` into frames by asking `MouthTrack` for each frame's mouth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np


class Viseme(str, Enum):
    """Mouth shapes. Names follow the classic animation set (Preston Blair)."""

    REST = "rest"  # lips together, relaxed: pauses and silence
    MBP = "mbp"  # lips pressed: p b m
    FV = "fv"  # lower lip under the teeth: f v
    L = "l"  # tongue up, mouth half open
    WQ = "wq"  # small round opening: w, oo-glide
    U = "u"  # rounded, a bit more open: u
    O = "o"  # round open: o, aw
    AI = "ai"  # wide open: a, ah, i (as in "I")
    E = "e"  # spread, medium open: e, ee, i
    ETC = "etc"  # neutral open: most other consonants and schwa


@dataclass(frozen=True, slots=True)
class WordTiming:
    """One spoken word; times in seconds from the start of the audio."""

    text: str
    start: float
    end: float
    char_start: int  # 0-based index into the script
    char_end: int  # exclusive
    sentence_end: bool = False  # the word closes a sentence


@dataclass(frozen=True, slots=True)
class MouthKey:
    """From `time` on (seconds) the mouth moves toward `viseme`."""

    time: float
    viseme: Viseme


@dataclass(frozen=True, slots=True)
class MouthFrame:
    """The mouth for one video frame: the shape, how open the jaw is (0 closed .. 1 widest), and an
    optional second shape being blended in (`blend` 0 = only `shape`, 1 = only `next_shape`)."""

    shape: Viseme
    openness: float
    next_shape: Viseme | None = None
    blend: float = 0.0


@dataclass(frozen=True)
class Speech:
    """Mono 16-bit PCM with what is known about its timing."""

    pcm: np.ndarray  # int16, shape (n,)
    sample_rate: int
    words: tuple[WordTiming, ...] = ()
    mouth_keys: tuple[MouthKey, ...] = ()  # empty for audio whose phonemes are unknown
    language: str = ""
    extras: dict = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return len(self.pcm) / float(self.sample_rate)
