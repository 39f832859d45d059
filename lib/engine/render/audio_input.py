"""The user's own audio (`voice.type = "audio"`): check what the file really is, then decode it.

The check reads the bytes with PyAV (FFmpeg), never the file name: the file is handed over as an
open stream, so FFmpeg cannot lean on the extension. Accepted: MP3, WAV and M4A (audio-only MP4),
at most MAX_AUDIO_BYTES and MAX_AUDIO_SECONDS.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from lib.engine.render.timeline import Speech

MAX_AUDIO_BYTES = 20 * 1024 * 1024
MAX_AUDIO_SECONDS = 600.0
SAMPLE_RATE = 22050  # the renderer's audio rate, the same as the text-to-speech output

_NOT_AUDIO = "{field} must be an MP3, WAV or M4A file"
# FFmpeg demuxer name -> the format we report.
_FORMATS = {"mp3": "mp3", "wav": "wav", "mov,mp4,m4a,3gp,3g2,mj2": "m4a"}


class AudioRejected(ValueError):
    """The file is not audio the engine accepts. The message is meant for the user."""


@dataclass(frozen=True)
class AudioInfo:
    """What probing found: `format` is "mp3", "wav" or "m4a"; `duration` in seconds; `size` in
    bytes."""

    format: str
    duration: float
    size: int


def probe_audio(path: str | os.PathLike[str], field: str = "voice.audio_url") -> AudioInfo:
    """Identify an audio file from its content and check the limits.

    Raises AudioRejected (with a user-facing message) for anything that is not an MP3, WAV or M4A
    file with an audio stream, is empty, is larger than 20 MB or lasts longer than 10 minutes.
    `field` names the request field in the messages."""
    size = _checked_size(Path(path), field)
    not_audio = _NOT_AUDIO.format(field=field)
    try:
        with open(path, "rb") as stream, av.open(stream, mode="r") as container:
            fmt = _FORMATS.get(container.format.name)
            audio = next(iter(container.streams.audio), None)
            if fmt is None or audio is None:
                raise AudioRejected(not_audio)
            if _has_moving_picture(container):
                raise AudioRejected(f"{not_audio} (this one is a video)")
            duration = _container_duration(container, audio)
            if duration is None:
                duration = _decoded_duration(container, audio)
    except av.error.FFmpegError as error:
        raise AudioRejected(not_audio) from error
    if duration <= 0:
        raise AudioRejected(f"{field} contains no audio")
    if duration > MAX_AUDIO_SECONDS:
        raise AudioRejected(
            f"{field} is {duration / 60:.1f} minutes long; the limit is "
            f"{MAX_AUDIO_SECONDS / 60:.0f} minutes")
    return AudioInfo(format=fmt, duration=round(duration, 3), size=size)


def load_audio_speech(path: str | os.PathLike[str]) -> Speech:
    """Probe (as `probe_audio`) and decode the file to mono 16-bit PCM at SAMPLE_RATE.

    The result has no words and no mouth keys: the mouth follows the signal itself."""
    info = probe_audio(path)
    chunks: list[np.ndarray] = []
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    try:
        with open(path, "rb") as stream, av.open(stream, mode="r") as container:
            audio = container.streams.audio[0]
            for frame in container.decode(audio):
                for converted in resampler.resample(frame):
                    chunks.append(converted.to_ndarray().reshape(-1))
            for converted in resampler.resample(None):  # flush what the resampler holds back
                chunks.append(converted.to_ndarray().reshape(-1))
    except av.error.FFmpegError as error:
        raise AudioRejected("voice.audio_url could not be decoded as audio") from error
    pcm = np.concatenate(chunks).astype(np.int16, copy=False) if chunks else np.zeros(0, np.int16)
    if pcm.size == 0:
        raise AudioRejected("voice.audio_url contains no audio")
    if info.format != "wav":
        # AAC and MP3 encoders pad the last frame; the container's duration is the true length.
        pcm = pcm[: max(1, math.ceil(info.duration * SAMPLE_RATE))]
    return Speech(pcm=pcm, sample_rate=SAMPLE_RATE, extras={"source_format": info.format})


def _checked_size(path: Path, field: str = "voice.audio_url") -> int:
    try:
        size = path.stat().st_size
    except OSError as error:
        raise AudioRejected(f"{field} could not be read") from error
    if size == 0:
        raise AudioRejected(f"{field} is an empty file")
    if size > MAX_AUDIO_BYTES:
        raise AudioRejected(
            f"{field} is {size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_AUDIO_BYTES // 1024 // 1024} MB")
    return size


def _has_moving_picture(container: av.container.InputContainer) -> bool:
    # Cover art in MP3/M4A shows up as a one-picture video stream marked "attached picture".
    return any(
        not (stream.disposition & av.stream.Disposition.attached_pic)
        for stream in container.streams.video
    )


def _container_duration(container: av.container.InputContainer, audio: av.audio.AudioStream
                        ) -> float | None:
    if audio.duration is not None and audio.time_base is not None and audio.duration > 0:
        return float(audio.duration * audio.time_base)
    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    return None


def _decoded_duration(container: av.container.InputContainer, audio: av.audio.AudioStream) -> float:
    """Duration by decoding, for files whose headers do not say; stops past the limit."""
    seconds = 0.0
    for frame in container.decode(audio):
        seconds += frame.samples / float(frame.sample_rate or SAMPLE_RATE)
        if seconds > MAX_AUDIO_SECONDS:
            break
    return seconds
