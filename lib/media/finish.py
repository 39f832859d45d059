"""Finishing a rendered video: a logo in a corner, a ducked music bed and an end card, in one ffmpeg run.

Made for videos from any backend (a billed one knows nothing of ``ext``): the input is an MP4 on disk,
the output a new MP4 written under a temporary name and renamed, so nobody sees half a file.

The sound goes through numpy (``lib.media.music``): the video's own audio is decoded with PyAV,
padded with silence under the end card, the bed mixed under it, and the result handed to ffmpeg as a
WAV. With an end card the bed plays on under the card and fades out at its end. Pictures go through
ffmpeg's ``overlay`` (the logo keeps its alpha) and ``concat`` (the card is drawn at the video's size
and frame rate, so the two segments join cleanly). When only music is added the picture is copied
untouched.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np

from lib.media.music import DEFAULT_BED, BedSettings, MediaError, mix_music_bed, write_wav
from lib.media.pictures import EndCard, end_card_image, logo_image, logo_position

Progress = Callable[[float], None]  # 0.0 … 1.0
DEFAULT_SAMPLE_RATE = 44100  # for a video without sound that gets a bed
_CRF, _PRESET, _AUDIO_BITRATE = "20", "veryfast", "160k"


@dataclass(frozen=True)
class VideoInfo:
    """What finishing needs to know about the input."""

    width: int
    height: int
    fps: Fraction
    duration: float
    sample_rate: int | None  # None: the video has no sound
    channels: int


@dataclass(frozen=True)
class FinishResult:
    """The finished file and what it holds."""

    path: Path
    duration: float
    size: int


def probe_video(path: str | os.PathLike[str]) -> VideoInfo:
    """Size, frame rate, duration and sound of an MP4 (MediaError when it has no picture)."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise MediaError("the file has no picture")
            video = container.streams.video[0]
            audio = container.streams.audio[0] if container.streams.audio else None
            fps = Fraction(video.average_rate or video.base_rate or 25)
            if video.duration is not None and video.time_base is not None:
                duration = float(video.duration * video.time_base)
            else:
                duration = (container.duration or 0) / av.time_base
            return VideoInfo(video.codec_context.width, video.codec_context.height, fps, duration,
                             audio.codec_context.sample_rate if audio else None,
                             min(2, audio.codec_context.channels) if audio else 1)
    except av.error.FFmpegError as error:
        raise MediaError("the video could not be read") from error


def decode_sound(path: str | os.PathLike[str], sample_rate: int, channels: int) -> np.ndarray:
    """A file's first audio stream as float32 ``(n, channels)`` at ``sample_rate``."""
    resampler = av.AudioResampler(format="flt", layout="stereo" if channels == 2 else "mono", rate=sample_rate)
    chunks = []
    try:
        with av.open(str(path)) as container:
            for frame in container.decode(container.streams.audio[0]):
                chunks.extend(resampler.resample(frame))
            chunks.extend(resampler.resample(None))
    except av.error.FFmpegError as error:
        raise MediaError("the video's sound could not be decoded") from error
    if not chunks:
        return np.zeros((0, channels), np.float32)
    return np.concatenate([c.to_ndarray().reshape(-1, channels) for c in chunks]).astype(np.float32)


def finished_sound(source: Path, info: VideoInfo, total_seconds: float, music: Path | None,
                   settings: BedSettings) -> tuple[np.ndarray, int]:
    """The finished video's sound: its own (padded with silence to ``total_seconds``) with the bed under it."""
    rate = info.sample_rate or DEFAULT_SAMPLE_RATE
    length = round(total_seconds * rate)
    sound = np.zeros((length, info.channels), np.float32)
    if info.sample_rate is not None:
        own = decode_sound(source, rate, info.channels)[: round(info.duration * rate)]
        sound[: len(own)] = own[:length]
    if music is not None:
        sound = mix_music_bed(sound, rate, music, settings)
    return sound, rate


def ffmpeg_command(source: Path, target: Path, info: VideoInfo, *, logo: Path | None, logo_xy: tuple[int, int],
                   card: Path | None, card_seconds: float, sound: Path | None) -> list[str]:
    """The one ffmpeg run: overlay, concatenate, mux; progress as ``key=value`` lines on stdout."""
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-nostats",
           "-progress", "pipe:1", "-y", "-i", str(source)]
    inputs = 1
    picture, filters = "0:v", []
    if logo is not None:
        cmd += ["-i", str(logo)]
        filters.append(f"[0:v][{inputs}:v]overlay=x={logo_xy[0]}:y={logo_xy[1]}:format=auto,format=yuv420p[main]")
        picture, inputs = "[main]", inputs + 1
    if card is not None:
        cmd += ["-loop", "1", "-framerate", str(info.fps), "-t", f"{card_seconds:.3f}", "-i", str(card)]
        main = picture if picture.startswith("[") else "[0:v]"
        filters.append(f"{main}setsar=1,format=yuv420p[first]")
        filters.append(f"[{inputs}:v]fps={info.fps},setsar=1,format=yuv420p[card]")
        filters.append("[first][card]concat=n=2:v=1:a=0[joined]")
        picture, inputs = "[joined]", inputs + 1
    if sound is not None:
        cmd += ["-i", str(sound)]
    if filters:
        cmd += ["-filter_complex", ";".join(filters), "-map", picture,
                "-c:v", "libx264", "-preset", _PRESET, "-crf", _CRF, "-pix_fmt", "yuv420p"]
    else:  # only the sound changes: the picture is copied bit for bit
        cmd += ["-map", "0:v:0", "-c:v", "copy"]
    if sound is not None:
        cmd += ["-map", f"{inputs}:a:0", "-c:a", "aac", "-b:a", _AUDIO_BITRATE]
    else:
        cmd += ["-map", "0:a?", "-c:a", "copy"]
    cmd += ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
            "-movflags", "+faststart", "-f", "mp4", str(target)]
    return cmd


def _run(cmd: list[str], total_seconds: float, progress: Progress | None, workdir: Path) -> None:
    """Run ffmpeg, reporting ``out_time`` against ``total_seconds``; MediaError with its last words."""
    with open(workdir / "ffmpeg.err", "w+b") as errors:
        process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and progress is not None and value.isdigit() and total_seconds > 0:
                progress(min(0.99, int(value) / 1e6 / total_seconds))
        if process.wait() != 0:
            errors.seek(0)
            tail = errors.read().decode(errors="replace").strip().splitlines()[-3:]
            raise MediaError("ffmpeg could not finish the video: " + " / ".join(tail))


def finish_video(input_mp4: str | os.PathLike[str], output_mp4: str | os.PathLike[str], *,
                 logo: str | os.PathLike[str] | None = None, logo_corner: str = "top-right",
                 music: str | os.PathLike[str] | None = None, end_card: EndCard | None = None,
                 progress: Progress | None = None, settings: BedSettings = DEFAULT_BED) -> FinishResult:
    """Write ``output_mp4``: ``input_mp4`` with a logo, a music bed ducked under its sound and an end card,
    each optional (at least one is needed). ``progress`` hears 0…1 while ffmpeg works."""
    if logo is None and music is None and end_card is None:
        raise ValueError("nothing to add: give a logo, music or an end card")
    source, target = Path(input_mp4), Path(output_mp4)
    info = probe_video(source)
    card_seconds = max(0.5, float(end_card.seconds)) if end_card is not None else 0.0
    total = info.duration + card_seconds
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.stem}.{os.getpid()}.partial.mp4")
    with tempfile.TemporaryDirectory(prefix="finish-") as temp:
        work = Path(temp)
        logo_path, logo_xy = None, (0, 0)
        if logo is not None:
            picture = logo_image(logo, info.width, info.height)
            logo_xy = logo_position(logo_corner, (info.width, info.height), picture.size)
            logo_path = work / "logo.png"
            picture.save(logo_path)
        card_path = None
        if end_card is not None:
            card_path = work / "card.png"
            end_card_image(end_card, info.width, info.height).save(card_path)
        sound_path = None
        if music is not None or (end_card is not None and info.sample_rate is not None):
            sound, rate = finished_sound(source, info, total, Path(music) if music is not None else None, settings)
            sound_path = write_wav(work / "sound.wav", sound, rate)
        if progress is not None:
            progress(0.0)
        cmd = ffmpeg_command(source, partial, info, logo=logo_path, logo_xy=logo_xy, card=card_path,
                             card_seconds=card_seconds, sound=sound_path)
        try:
            _run(cmd, total, progress, work)
            os.replace(partial, target)  # a reader never sees half a file
        finally:
            partial.unlink(missing_ok=True)
    if progress is not None:
        progress(1.0)
    return FinishResult(target, round(total, 3), target.stat().st_size)

