"""Per-frame mouth shapes and jaw openness for a `Speech`.

Two sources of shape: text-to-speech gives phoneme-timed `mouth_keys`, blended over a short window
around each key; user audio has no phonemes, so the shape is guessed from each frame's energy and
spectrum. In both cases the jaw follows the audio's smoothed loudness and the mouth rests, closed,
wherever the audio is silent.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from lib.engine.render.timeline import MouthFrame, MouthKey, Speech, Viseme

BLEND_SECONDS = 0.06  # a shape change takes this long, centred on its key
WINDOW_SECONDS = 0.046  # analysis window per frame (~1024 samples at 22050 Hz)
_FRAMES_PER_SLICE = 512
_SILENCE_FRACTION = 0.08  # frame loudness under this share of the clip's loud level counts as silence

# How far each shape opens the jaw at full loudness (0 closed .. 1 widest).
SHAPE_OPENNESS: dict[Viseme, float] = {
    Viseme.REST: 0.0,
    Viseme.MBP: 0.0,
    Viseme.FV: 0.18,
    Viseme.L: 0.45,
    Viseme.WQ: 0.3,
    Viseme.U: 0.38,
    Viseme.O: 0.72,
    Viseme.AI: 0.95,
    Viseme.E: 0.55,
    Viseme.ETC: 0.4,
}


def mouth_frames(speech: Speech, fps: float) -> list[MouthFrame]:
    """One `MouthFrame` per video frame: exactly ceil(speech.duration * fps) frames, frame i
    describing the instant (i + 0.5) / fps."""
    if fps <= 0:
        raise ValueError("fps must be positive")
    count = math.ceil(speech.duration * fps)
    if count == 0:
        return []
    times = (np.arange(count) + 0.5) / fps
    loudness, centroid, low_share = _frame_features(speech, times)
    silent = _silent_frames(loudness)
    envelope = _envelope(loudness, silent)
    if speech.mouth_keys:
        key_times = [key.time for key in speech.mouth_keys]
        closures = _closure_spans(speech.mouth_keys, speech.duration)
        shapes = [
            (Viseme.MBP, None, 0.0) if _shows_closure(closures, float(t), 1.0 / fps)
            else _keyed_shape(speech.mouth_keys, key_times, float(t))
            for t in times
        ]
    else:
        shapes = _shapes_from_audio(envelope, centroid, low_share, silent)
    frames: list[MouthFrame] = []
    for index, (shape, next_shape, blend) in enumerate(shapes):
        if silent[index]:
            frames.append(MouthFrame(Viseme.REST, 0.0))
            continue
        base = SHAPE_OPENNESS[shape]
        if next_shape is not None:
            base += (SHAPE_OPENNESS[next_shape] - base) * blend
        # The shape sets how wide the mouth can go; loudness decides how far it goes this frame.
        openness = base * (0.35 + 0.65 * float(envelope[index]))
        frames.append(MouthFrame(shape, round(min(1.0, max(0.0, openness)), 4), next_shape,
                                 round(blend, 4) if next_shape is not None else 0.0))
    return frames


def _frame_features(speech: Speech, times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per frame: RMS loudness, spectral centroid (Hz) and the share of energy under 1 kHz."""
    rate = speech.sample_rate
    pcm = np.asarray(speech.pcm, dtype=np.int16)  # converted to float per slice, not all at once
    size = max(64, 1 << round(math.log2(max(1.0, WINDOW_SECONDS * rate))))
    padded = np.concatenate([np.zeros(size // 2, np.int16), pcm, np.zeros(size, np.int16)])
    starts = np.clip(np.round(times * rate).astype(np.int64), 0, len(pcm))
    freqs = np.fft.rfftfreq(size, 1.0 / rate)
    taper = np.hanning(size).astype(np.float32)
    loudness = np.empty(len(times))
    centroid = np.empty(len(times))
    low_share = np.empty(len(times))
    # In slices, so that ten minutes of user audio never needs more than a few megabytes at once.
    for first in range(0, len(times), _FRAMES_PER_SLICE):
        part = slice(first, first + _FRAMES_PER_SLICE)
        windows = padded[starts[part, None] + np.arange(size)[None, :]].astype(np.float32)
        loudness[part] = np.sqrt(np.mean(windows**2, axis=1))
        power = np.abs(np.fft.rfft(windows * taper, axis=1)) ** 2
        total = power.sum(axis=1) + 1e-9
        centroid[part] = (power * freqs[None, :]).sum(axis=1) / total
        low_share[part] = power[:, freqs < 1000.0].sum(axis=1) / total
    return loudness, centroid, low_share


def _silent_frames(loudness: np.ndarray) -> np.ndarray:
    """Frames quieter than a threshold set between the clip's noise floor and its loud level."""
    loud_level = float(np.percentile(loudness, 95)) if loudness.size else 0.0
    if loud_level < 30.0:  # effectively digital silence throughout
        return np.ones_like(loudness, dtype=bool)
    floor = float(np.percentile(loudness, 10))
    threshold = floor + _SILENCE_FRACTION * (loud_level - floor)
    return loudness <= max(threshold, 30.0)


def _envelope(loudness: np.ndarray, silent: np.ndarray) -> np.ndarray:
    """Loudness normalised to 0..1 against the clip's own loud level, lightly smoothed."""
    voiced = loudness[~silent]
    if voiced.size == 0:
        return np.zeros_like(loudness)
    reference = float(np.percentile(voiced, 90)) or 1.0
    normalised = np.clip(loudness / reference, 0.0, 1.0) ** 0.7
    smoothed = np.convolve(np.pad(normalised, 1, mode="edge"), np.array([0.25, 0.5, 0.25]), "valid")
    return np.where(silent, 0.0, smoothed)


def _closure_spans(keys: tuple[MouthKey, ...], duration: float) -> list[tuple[float, float]]:
    """(start, end) of every closed-lips key (p, b, m)."""
    spans = []
    for index, key in enumerate(keys):
        if key.viseme is Viseme.MBP:
            end = keys[index + 1].time if index + 1 < len(keys) else duration
            spans.append((key.time, end))
    return spans


def _shows_closure(closures: list[tuple[float, float]], time: float, frame_seconds: float) -> bool:
    """Whether a lip closure falls mostly inside this frame's time span. Closures are short (often
    under two frames) and blending would never show the lips fully shut, which viewers notice
    more than any other mouth error; so a frame that holds enough of one shows it whole."""
    first = time - frame_seconds / 2
    last = time + frame_seconds / 2
    index = bisect.bisect_right(closures, (last, math.inf)) - 1
    while index >= 0 and closures[index][1] > first:
        start, end = closures[index]
        overlap = min(end, last) - max(start, first)
        if overlap > 0.35 * min(frame_seconds, end - start):
            return True
        index -= 1
    return False


def _keyed_shape(keys: tuple[MouthKey, ...], key_times: list[float], time: float
                 ) -> tuple[Viseme, Viseme | None, float]:
    """(shape, next shape, blend) at `time`; a change to a key's viseme is blended over
    BLEND_SECONDS centred on the key, shortened when keys come closer together than that."""
    index = bisect.bisect_right(key_times, time) - 1
    if index < 0:
        return keys[0].viseme, None, 0.0
    half = BLEND_SECONDS / 2
    following = index + 1
    if following < len(keys):
        gap = min(half, (key_times[following] - key_times[index]) / 2)
        lead = key_times[following] - time
        if gap > 0 and lead < gap:  # entering the next key's transition
            return keys[index].viseme, keys[following].viseme, 0.5 - lead / (2 * gap)
    if index > 0:
        gap = min(half, (key_times[index] - key_times[index - 1]) / 2)
        lag = time - key_times[index]
        if gap > 0 and lag < gap:  # finishing the transition into this key
            return keys[index - 1].viseme, keys[index].viseme, 0.5 + lag / (2 * gap)
    return keys[index].viseme, None, 0.0


def _shapes_from_audio(envelope: np.ndarray, centroid: np.ndarray, low_share: np.ndarray,
                       silent: np.ndarray) -> list[tuple[Viseme, Viseme | None, float]]:
    """Guess shapes from the signal: hissing (high centroid) shows teeth, quiet low-frequency
    hum reads as closed lips, and voiced frames pick round, wide or spread by where their spectrum
    sits within this clip."""
    voiced = ~silent
    if voiced.any():
        low_cut, high_cut = np.percentile(centroid[voiced], [30, 70])
    else:
        low_cut = high_cut = 0.0
    raw: list[Viseme] = []
    for index in range(len(envelope)):
        if silent[index]:
            raw.append(Viseme.REST)
        elif centroid[index] > 3500.0 and low_share[index] < 0.3:
            raw.append(Viseme.ETC)  # fricatives and sibilants: teeth showing, jaw barely open
        elif envelope[index] < 0.3 and low_share[index] > 0.85:
            raw.append(Viseme.MBP)  # quiet and muffled: a nasal or a closure
        elif centroid[index] <= low_cut:
            raw.append(Viseme.O)
        elif centroid[index] >= high_cut:
            raw.append(Viseme.E)
        elif envelope[index] > 0.6:
            raw.append(Viseme.AI)
        else:
            raw.append(Viseme.ETC)
    steady = _hold_shapes(raw)
    shapes: list[tuple[Viseme, Viseme | None, float]] = []
    for index, shape in enumerate(steady):
        previous = steady[index - 1] if index else shape
        # A change shows half-way on its first frame, as the text path's blend does at a key.
        shapes.append((previous, shape, 0.5) if previous != shape else (shape, None, 0.0))
    return shapes


def _hold_shapes(raw: list[Viseme]) -> list[Viseme]:
    """Drop one-frame flickers: a shape that lasts a single frame between two equal neighbours
    takes theirs (silence is never overridden)."""
    steady = list(raw)
    for index in range(1, len(raw) - 1):
        if raw[index] != Viseme.REST and raw[index - 1] == raw[index + 1] != raw[index]:
            steady[index] = raw[index - 1]
    return steady
