"""The music bed under speech: looped or trimmed to the speech, ducked while speech plays, faded out.

Everything works on PCM arrays (mono ``(n,)`` or ``(n, channels)``, int16 or float), so the engine
can mix a bed into the speech it renders and the studio's Finish step into a video's decoded sound,
with the same, deterministic code. The result is exactly as long as the speech: the video still ends
with the speech.

Ducking is a sidechain done in numpy rather than ffmpeg's ``sidechaincompress``, because the margin
must be *guaranteed*, not hoped for from a compressor's settings:
1. speech activity per 10 ms hop (RMS within ``gate_db`` of the speech's loudest hop);
2. a gain target per hop: ``duck_db`` while speech plays, 0 dB in pauses, started ``lookahead_s``
   before a word and held ``hold_s`` after it, so no onset lands on a full bed;
3. smoothed by a ``ramp_s`` ramp (the attack and release) and spread to sample resolution;
4. the bed's level set so that in pauses it sits ``pause_level_db`` against the speech; then the
   margin under speech is measured (``duck_margin_db``) and the whole bed lowered if it is short of
   ``min_margin_db + headroom_db``.
"""

from __future__ import annotations

import math
import os
import wave
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from lib.joggai.contract import MUSIC_DUCK_MIN_DB

MAX_MUSIC_SECONDS = 900.0  # decoding stops here: a bed longer than this is trimmed anyway


class MediaError(ValueError):
    """A media file could not be used; the message is meant for the user."""


@dataclass(frozen=True)
class BedSettings:
    """How loud the bed is and how it moves around the speech (levels in dB, times in seconds)."""

    pause_level_db: float = -6.0  # bed RMS in pauses against the speech's RMS: clearly heard
    duck_db: float = -9.0  # extra drop while speech plays
    min_margin_db: float = MUSIC_DUCK_MIN_DB  # speech at least this far above the bed under it
    headroom_db: float = 2.0  # aim this far past the minimum, so a lossy encode cannot eat the margin
    gate_db: float = -30.0  # a hop is speech when within this of the loudest hop
    hop_s: float = 0.01
    lookahead_s: float = 0.05  # the duck starts this early (covers half the ramp)
    hold_s: float = 0.15  # and stays down this long after speech, so short gaps do not pump
    ramp_s: float = 0.08  # attack and release ramp
    fade_in_s: float = 0.3
    fade_out_s: float = 1.5  # at most a quarter of the length
    loop_seam_s: float = 0.01  # a tiny fade at each loop seam, so looping never clicks


DEFAULT_BED = BedSettings()


# ---------------------------------------------------------------- PCM helpers

def _as_float(pcm: np.ndarray) -> np.ndarray:
    """Samples as float32 in [-1, 1], always 2-D ``(n, channels)``."""
    array = np.asarray(pcm)
    if array.dtype == np.int16:
        array = array.astype(np.float32) / 32768.0
    elif not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"PCM must be int16 or float, not {array.dtype}")
    array = array.astype(np.float32, copy=False)
    return array[:, None] if array.ndim == 1 else array


def _like(samples: np.ndarray, template: np.ndarray) -> np.ndarray:
    """``samples`` (float, 2-D) in the shape and sample type of ``template``."""
    out = samples[:, 0] if np.asarray(template).ndim == 1 else samples
    if np.asarray(template).dtype == np.int16:
        return np.clip(np.round(out * 32767.0), -32768, 32767).astype(np.int16)
    return out.astype(np.float32)


def rms_db(samples: np.ndarray) -> float:
    """RMS of ``samples`` in dB full scale (-inf for silence)."""
    power = float(np.mean(np.square(_as_float(samples), dtype=np.float64))) if np.size(samples) else 0.0
    return 10.0 * math.log10(power) if power > 0 else -math.inf


def hop_rms(mono: np.ndarray, hop: int) -> np.ndarray:
    """RMS of each ``hop``-sample slice of a 1-D signal (the last one zero-padded)."""
    hops = max(1, math.ceil(len(mono) / hop))
    padded = np.zeros(hops * hop, np.float64)
    padded[: len(mono)] = mono
    return np.sqrt(np.mean(np.square(padded.reshape(hops, hop)), axis=1))


def decode_audio(path: str | os.PathLike[str], sample_rate: int, *,
                 max_seconds: float = MAX_MUSIC_SECONDS) -> np.ndarray:
    """A file's sound as mono float32 at ``sample_rate`` (PyAV reads the bytes, not the file name),
    at most ``max_seconds`` of it. Raises MediaError when it holds no decodable sound."""
    limit = int(max_seconds * sample_rate)
    chunks, total = [], 0
    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    try:
        with open(path, "rb") as stream, av.open(stream, mode="r") as container:
            if not container.streams.audio:
                raise MediaError("the music file has no sound in it")
            for frame in container.decode(container.streams.audio[0]):
                for converted in resampler.resample(frame):
                    chunks.append(converted.to_ndarray().reshape(-1))
                    total += chunks[-1].size
                if total >= limit:
                    break
            else:
                chunks.extend(converted.to_ndarray().reshape(-1) for converted in resampler.resample(None))
    except (av.error.FFmpegError, OSError) as error:
        raise MediaError("the music file could not be decoded as audio") from error
    samples = np.concatenate(chunks)[:limit] if chunks else np.zeros(0, np.float32)
    if samples.size == 0:
        raise MediaError("the music file has no sound in it")
    return samples.astype(np.float32, copy=False)


# ---------------------------------------------------------------- the bed

def fit_to_length(music: np.ndarray, length: int, seam: int) -> np.ndarray:
    """A 1-D bed of exactly ``length`` samples: trimmed when longer, looped when shorter (each copy
    faded in and out over ``seam`` samples so the seams do not click)."""
    if length <= 0:
        return np.zeros(0, np.float32)
    if len(music) >= length:
        return music[:length].astype(np.float32, copy=True)
    piece = music.astype(np.float32, copy=True)
    seam = min(seam, len(piece) // 4)
    if seam > 0:
        ramp = np.linspace(0.0, 1.0, seam, dtype=np.float32)
        piece[:seam] *= ramp
        piece[-seam:] *= ramp[::-1]
    return np.tile(piece, math.ceil(length / len(piece)))[:length]


def speech_activity(mono: np.ndarray, sample_rate: int, settings: BedSettings = DEFAULT_BED) -> np.ndarray:
    """One bool per hop: does speech play there? (RMS within ``gate_db`` of the loudest hop.)"""
    levels = hop_rms(mono, max(1, round(settings.hop_s * sample_rate)))
    loudest = float(levels.max()) if levels.size else 0.0
    if loudest <= 1e-5:  # silence (about -100 dBFS): nothing to duck under
        return np.zeros(levels.shape, bool)
    return levels >= loudest * 10.0 ** (settings.gate_db / 20.0)


def duck_gain(activity: np.ndarray, length: int, sample_rate: int,
              settings: BedSettings = DEFAULT_BED) -> np.ndarray:
    """The bed's linear gain per sample: ``duck_db`` down around speech, 1 in pauses, with ramps."""
    hop = max(1, round(settings.hop_s * sample_rate))
    target = np.where(activity, settings.duck_db, 0.0)
    before, after = round(settings.hold_s / settings.hop_s), round(settings.lookahead_s / settings.hop_s)
    # A sliding minimum: hop i is ducked when speech plays from `hold` hops before to `lookahead` after it.
    padded = np.pad(target, (before, after))
    held = np.lib.stride_tricks.sliding_window_view(padded, before + after + 1).min(axis=1)
    ramp = max(1, round(settings.ramp_s / settings.hop_s))
    smoothed = np.convolve(np.pad(held, (ramp, ramp), mode="edge"), np.ones(ramp) / ramp, mode="same")[ramp:-ramp]
    centres = (np.arange(len(smoothed)) + 0.5) * hop
    gain_db = np.interp(np.arange(length), centres, smoothed)
    return (10.0 ** (gain_db / 20.0)).astype(np.float32)


def duck_margin_db(speech: np.ndarray, bed: np.ndarray, sample_rate: int,
                   settings: BedSettings = DEFAULT_BED) -> float:
    """How far the speech's RMS sits above the bed's RMS where speech plays (inf with no speech)."""
    speech_f, bed_f = _as_float(speech), _as_float(bed)
    mono = speech_f.mean(axis=1)
    hop = max(1, round(settings.hop_s * sample_rate))
    active = np.repeat(speech_activity(mono, sample_rate, settings), hop)[: len(mono)]
    if not active.any():
        return math.inf
    return rms_db(speech_f[active]) - rms_db(bed_f[: len(mono)][active])


def music_bed(speech: np.ndarray, sample_rate: int, music: np.ndarray | str | os.PathLike[str],
              settings: BedSettings = DEFAULT_BED) -> np.ndarray:
    """The bed alone, float32 ``(n, channels)`` like the speech: fitted, levelled, ducked and faded.

    ``music`` is PCM at ``sample_rate`` (any channel count; it is mixed down to mono) or a file."""
    speech_f = _as_float(speech)
    length, channels = speech_f.shape
    source = decode_audio(music, sample_rate) if isinstance(music, (str, os.PathLike)) \
        else _as_float(music).mean(axis=1)
    bed = fit_to_length(source, length, round(settings.loop_seam_s * sample_rate))
    bed_level = rms_db(bed)
    if length == 0 or bed_level == -math.inf:
        return np.zeros((length, channels), np.float32)
    mono = speech_f.mean(axis=1)
    activity = speech_activity(mono, sample_rate, settings)
    hop = max(1, round(settings.hop_s * sample_rate))
    active = np.repeat(activity, hop)[:length]
    speech_level = rms_db(speech_f[active]) if active.any() else -20.0  # no speech: a quiet bed
    bed *= 10.0 ** ((speech_level + settings.pause_level_db - bed_level) / 20.0)
    bed *= duck_gain(activity, length, sample_rate, settings)
    fade_in = min(round(settings.fade_in_s * sample_rate), length // 4)
    if fade_in:
        bed[:fade_in] *= np.linspace(0.0, 1.0, fade_in, dtype=np.float32)
    fade_out = min(round(settings.fade_out_s * sample_rate), length // 4)
    if fade_out:  # a cosine fade reaching silence on the last sample
        bed[-fade_out:] *= (0.5 + 0.5 * np.cos(np.linspace(0.0, math.pi, fade_out))).astype(np.float32)
    if active.any():
        margin = speech_level - rms_db(bed[active])
        wanted = settings.min_margin_db + settings.headroom_db
        if margin < wanted:  # loud music under the words: lower the whole bed, never the speech
            bed *= 10.0 ** ((margin - wanted) / 20.0)
    return np.repeat(bed[:, None], channels, axis=1)


def mix_music_bed(speech: np.ndarray, sample_rate: int, music: np.ndarray | str | os.PathLike[str],
                  settings: BedSettings = DEFAULT_BED) -> np.ndarray:
    """``speech`` with a music bed under it: same length, shape and sample type as ``speech``.

    The engine's hook: ``mix_music_bed(speech.pcm, speech.sample_rate, music_path)`` for
    ``ext.music_url``. Raises MediaError when the music file cannot be decoded."""
    speech_f = _as_float(speech)
    mixed = speech_f + music_bed(speech, sample_rate, music, settings)
    peak = float(np.abs(mixed).max()) if mixed.size else 0.0
    if peak > 0.999:  # the whole mix comes down together, so the margin holds
        mixed *= 0.999 / peak
    return _like(mixed, speech)


def write_wav(path: str | os.PathLike[str], pcm: np.ndarray, sample_rate: int) -> Path:
    """Write PCM (any shape :func:`mix_music_bed` takes) as a 16-bit WAV file."""
    samples = _like(_as_float(pcm), np.zeros((0, 2), np.int16))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(samples.shape[1])
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(np.ascontiguousarray(samples, dtype="<i2").tobytes())
    return Path(path)
