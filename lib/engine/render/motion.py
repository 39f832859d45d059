"""What moves when: head pose, blinks and nods from the seed, the per-frame mouth track, and word
timings for user audio with a known script. All derived deterministically, so renders repeat exactly."""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

import numpy as np

from lib.engine.render.encode import FPS
from lib.engine.render.layout import MAX_BODY_RISE_UNITS, MAX_ROTATION_DEG, MAX_SHIFT_UNITS
from lib.engine.render.mouth import mouth_frames
from lib.engine.render.timeline import MouthFrame, Speech, Viseme, WordTiming

POSE_EVERY = 2  # frames per head-pose update
BREATH_PERIOD_S = 4.2


@dataclass(frozen=True)
class HeadPose:
    """The avatar's motion for one frame in bust units / degrees: the head's tilt and shift, and how far
    the breath has raised (negative) or lowered the shoulders."""

    angle: float
    dx: float
    dy: float
    body_dy: float = 0.0


class Motion:
    """Blinks, breathing, sway and nods, all derived from the seed so renders repeat exactly."""

    def __init__(self, seed: int, duration: float, words: tuple[WordTiming, ...],
                 blinks: list[float] | None = None) -> None:
        rng = random.Random(seed)
        self.phases = [rng.uniform(0, 2 * math.pi) for _ in range(4)]
        self.sway_freq = rng.uniform(0.10, 0.16)
        self.blinks: list[float] = list(blinks or [])
        t = rng.uniform(0.8, 2.4)
        while blinks is None and t < duration + 1:
            self.blinks.append(t)
            if rng.random() < 0.12:  # an occasional double blink
                self.blinks.append(t + 0.32)
            t += rng.uniform(2.0, 6.0)
        # Nods land on emphasised words: sentence openers and long words.
        self.nods: list[tuple[float, float]] = []
        previous_end = True
        for word in words:
            emphasis = previous_end or len(word.text) >= 6
            if emphasis and rng.random() < 0.7:
                self.nods.append((word.start, rng.uniform(3.0, 5.5)))
            previous_end = word.sentence_end

    def eyelid(self, t: float) -> float:
        """Eyelid closure at time t (0 open, 1 shut)."""
        for start in self.blinks:
            dt = t - start
            if 0 <= dt < 0.2:
                return (0.5, 1.0, 1.0, 0.5, 0.0)[int(dt * FPS)] if dt * FPS < 5 else 0.0
        return 0.0

    def pose(self, t: float) -> HeadPose:
        """Head pose at time t."""
        p = self.phases
        angle = 1.1 * math.sin(2 * math.pi * self.sway_freq * t + p[0]) + 0.45 * math.sin(2 * math.pi * 0.37 * t + p[1])
        dx = 2.0 * math.sin(2 * math.pi * 0.07 * t + p[2])
        breath = math.sin(2 * math.pi * t / BREATH_PERIOD_S + p[3])
        dy = 1.6 * breath  # the head rides on the breathing shoulders, and nods on top
        for start, amp in self.nods:
            dt = t - start
            if 0 <= dt < 1.2:
                tau = 0.16
                dy += amp * (dt / tau) * math.exp(1 - dt / tau)
        return HeadPose(max(-MAX_ROTATION_DEG, min(MAX_ROTATION_DEG, angle)),
                        max(-MAX_SHIFT_UNITS, min(MAX_SHIFT_UNITS, dx)),
                        max(-MAX_SHIFT_UNITS, min(MAX_SHIFT_UNITS, dy)), MAX_BODY_RISE_UNITS * breath)


def frame_count(duration: float, fps: float = FPS) -> int:
    """Frames needed to cover `duration` seconds (at least one)."""
    return max(1, math.ceil(duration * fps - 1e-9))


def mouth_track(speech: Speech, fps: float = FPS) -> list[MouthFrame]:
    """Per-frame mouths from the speech side's mouth model."""
    frames = mouth_frames(speech, fps)
    n = frame_count(speech.duration, fps)
    if len(frames) < n:
        frames = list(frames) + [MouthFrame(Viseme.REST, 0.0)] * (n - len(frames))
    return list(frames[:n])


def even_word_timings(script: str, speech: Speech) -> tuple[WordTiming, ...]:
    """Approximate word timings for custom audio with a known script: words spread evenly over the
    audible part, in proportion to their length (good enough for captions)."""
    matches = list(re.finditer(r"\S+", script))
    if not matches or speech.duration <= 0:
        return ()
    pcm = np.abs(speech.pcm.astype(np.int32))
    loud = np.nonzero(pcm > 500)[0]
    start = loud[0] / speech.sample_rate if len(loud) else 0.0
    end = loud[-1] / speech.sample_rate if len(loud) else speech.duration
    total = sum(len(m.group()) for m in matches)
    t = start
    words = []
    for m in matches:
        span = (end - start) * len(m.group()) / total
        words.append(WordTiming(m.group(), t, t + span, m.start(), m.end(),
                                sentence_end=m.group()[-1] in ".!?。！？"))
        t += span
    return tuple(words)
