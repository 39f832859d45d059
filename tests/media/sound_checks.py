"""Test sound for lib.media: tone-burst "speech" with pauses, a tone "music bed", and measurements on
decoded sound (a band split by FFT, so speech and bed are told apart in a mix after a lossy encode)."""

from __future__ import annotations

import math
from pathlib import Path

import av
import numpy as np

SPEECH_HZ, BED_HZ = 220.0, 2500.0
SPEECH_BAND, BED_BAND = (150.0, 400.0), (2000.0, 3000.0)


def tone(seconds: float, hz: float, sample_rate: int, amplitude: float) -> np.ndarray:
    t = np.arange(round(seconds * sample_rate)) / sample_rate
    return (amplitude * np.sin(2 * math.pi * hz * t)).astype(np.float32)


def speech_with_pauses(sample_rate: int, *, talk: float = 0.8, pause: float = 0.6, bursts: int = 4,
                       tail: float = 0.0, amplitude: float = 0.3) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Tone bursts ("words") separated by pauses; returns the signal and the (start, end) of each burst."""
    length = bursts * (talk + pause) - pause + tail
    signal = np.zeros(round(length * sample_rate), np.float32)
    spans = []
    for index in range(bursts):
        start = index * (talk + pause)
        a, b = round(start * sample_rate), round((start + talk) * sample_rate)
        signal[a:b] = tone(talk, SPEECH_HZ, sample_rate, amplitude)[: b - a]
        spans.append((start, start + talk))
    return signal, spans


def write_audio(path: Path, pcm: np.ndarray, sample_rate: int, codec: str = "pcm_s16le") -> Path:
    """Mono float PCM to a file through PyAV (WAV by default, or e.g. "aac" into an .m4a)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=sample_rate, layout="mono")
        fmt = "s16" if codec == "pcm_s16le" else "fltp"
        samples = (np.clip(pcm, -1, 1) * 32767).astype(np.int16) if fmt == "s16" else pcm.astype(np.float32)
        for start in range(0, len(samples), 1024):
            frame = av.AudioFrame.from_ndarray(samples[None, start:start + 1024], format=fmt, layout="mono")
            frame.sample_rate = sample_rate
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def decoded_sound(path: Path, sample_rate: int) -> np.ndarray:
    """The file's first audio stream, decoded, as mono float32 at ``sample_rate``."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    chunks = []
    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.audio[0]):
            chunks += [c.to_ndarray().reshape(-1) for c in resampler.resample(frame)]
        chunks += [c.to_ndarray().reshape(-1) for c in resampler.resample(None)]
    return np.concatenate(chunks)


def band(signal: np.ndarray, sample_rate: int, low: float, high: float) -> np.ndarray:
    """``signal`` with everything outside ``low``…``high`` Hz removed."""
    spectrum = np.fft.rfft(signal)
    freqs = np.fft.rfftfreq(len(signal), 1 / sample_rate)
    spectrum[(freqs < low) | (freqs > high)] = 0
    return np.fft.irfft(spectrum, len(signal))


def rms_db_between(signal: np.ndarray, sample_rate: int, spans: list[tuple[float, float]]) -> float:
    """RMS in dBFS of ``signal`` over the (start, end) second ``spans`` together."""
    parts = [signal[round(a * sample_rate):round(b * sample_rate)] for a, b in spans]
    power = float(np.mean(np.square(np.concatenate(parts), dtype=np.float64)))
    return 10 * math.log10(power) if power > 0 else -math.inf


def inside(spans: list[tuple[float, float]], trim: float) -> list[tuple[float, float]]:
    """Each span shortened by ``trim`` at both ends (away from the ramps)."""
    return [(a + trim, b - trim) for a, b in spans if b - a > 2 * trim]


def pauses_between(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(spans[i][1], spans[i + 1][0]) for i in range(len(spans) - 1)]
