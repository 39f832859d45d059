"""H.264 + AAC encoding: raw YUV 4:2:0 frames piped to an ffmpeg subprocess.

Piping `yuv420p` (not RGB) matters: letting ffmpeg convert RGB costs more than drawing the frame.
`YuvFrame` keeps one contiguous frame buffer; callers convert and paste only the regions that
changed, so a frame costs a few small conversions, not a full-frame colour transform.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import tempfile
import wave
from pathlib import Path
from types import TracebackType
from typing import Self

import imageio_ffmpeg
import numpy as np

FPS = 25
PRESET = "veryfast"
# Cheaper motion search and lookahead: a talking head barely moves, the bitrate cost is small.
X264_PARAMS = "me=dia:subme=1:rc-lookahead=5"
CRF = 23
_PIPE_SIZE = 1 << 20



class EncodeError(RuntimeError):
    """ffmpeg failed; the message carries the tail of its stderr."""


def rgb_to_yuv420(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Convert an (h, w, 3|4) uint8 RGB(A) image with even h and w to Y, U, V planes (BT.601 limited)."""
    # Per-channel float32 planes with in-place updates: ~3x faster than a matmul over pixels here.
    r = rgb[..., 0].astype(np.float32)
    g = rgb[..., 1].astype(np.float32)
    b = rgb[..., 2].astype(np.float32)
    y = r * 0.25679
    y += g * 0.50413
    y += b * 0.09791
    y += 16.5  # +0.5 rounds on the uint8 cast
    # Sum each 2x2 block first: chroma is computed on a quarter of the pixels.
    rq = r[0::2] + r[1::2]
    rq = rq[:, 0::2] + rq[:, 1::2]
    gq = g[0::2] + g[1::2]
    gq = gq[:, 0::2] + gq[:, 1::2]
    bq = b[0::2] + b[1::2]
    bq = bq[:, 0::2] + bq[:, 1::2]
    u = rq * (-0.148223 / 4)
    u += gq * (-0.290993 / 4)
    u += bq * (0.439216 / 4)
    u += 128.5
    v = rq * (0.439216 / 4)
    v += gq * (-0.367788 / 4)
    v += bq * (-0.071427 / 4)
    v += 128.5
    return y.astype(np.uint8), u.astype(np.uint8), v.astype(np.uint8)


class YuvFrame:
    """One yuv420p frame in a single contiguous buffer, with plane views to paste regions into."""

    def __init__(self, width: int, height: int) -> None:
        if width % 2 or height % 2:
            raise ValueError("yuv420p needs even dimensions")
        self.width, self.height = width, height
        self.buffer = np.empty(width * height * 3 // 2, np.uint8)
        luma = width * height
        self.y = self.buffer[:luma].reshape(height, width)
        self.u = self.buffer[luma: luma + luma // 4].reshape(height // 2, width // 2)
        self.v = self.buffer[luma + luma // 4:].reshape(height // 2, width // 2)

    def paste_rgb(self, x: int, y: int, rgb: np.ndarray) -> None:
        """Convert `rgb` and write it with its top-left corner at (x, y); x, y and sizes must be even."""
        self.paste_yuv(x, y, rgb_to_yuv420(rgb))

    def paste_yuv(self, x: int, y: int, planes: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        """Write already converted planes with the top-left corner at (x, y) (even)."""
        yp, up, vp = planes
        h, w = yp.shape
        self.y[y: y + h, x: x + w] = yp
        self.u[y // 2: y // 2 + h // 2, x // 2: x // 2 + w // 2] = up
        self.v[y // 2: y // 2 + h // 2, x // 2: x // 2 + w // 2] = vp

    def copy_from(self, other: YuvFrame) -> None:
        """Overwrite this frame with `other` (same size)."""
        np.copyto(self.buffer, other.buffer)


def write_wav(path: Path, pcm: np.ndarray, sample_rate: int) -> None:
    """Write mono int16 PCM as a WAV file."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(np.ascontiguousarray(pcm, dtype="<i2").tobytes())


def encoder_command(width: int, height: int, out_path: Path, audio_path: Path | None, *,
                    fps: int = FPS, preset: str = PRESET, x264_params: str | None = X264_PARAMS) -> list[str]:
    """The ffmpeg command line that reads yuv420p frames on stdin and writes a tagged MP4."""
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}", "-r", str(fps), "-i", "pipe:0",
    ]
    if audio_path is not None:
        cmd += ["-i", str(audio_path), "-map", "0:v:0", "-map", "1:a:0", "-c:a", "aac", "-b:a", "128k"]
    cmd += ["-c:v", "libx264", "-preset", preset, "-crf", str(CRF), "-g", str(fps * 2)]
    if x264_params:
        cmd += ["-x264-params", x264_params]
    cmd += [
        "-pix_fmt", "yuv420p", "-colorspace", "smpte170m", "-color_primaries", "smpte170m",
        "-color_trc", "smpte170m", "-color_range", "tv",
        # bitexact + no metadata: identical requests give identical bytes.
        "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
        "-movflags", "+faststart", "-f", "mp4", str(out_path),
    ]
    return cmd


class VideoEncoder:
    """Write frames to an MP4 through ffmpeg; the file appears at `out_path` only when complete.

    Use as a context manager: leaving the block normally finishes the file, an exception aborts it.
    """

    def __init__(self, out_path: Path, width: int, height: int, *, pcm: np.ndarray | None = None,
                 sample_rate: int = 22050, fps: int = FPS, preset: str = PRESET,
                 x264_params: str | None = X264_PARAMS) -> None:
        self.out_path = Path(out_path)
        self.width, self.height, self.fps = width, height, fps
        self._tmpdir = tempfile.TemporaryDirectory(prefix="encode-")
        audio_path = None
        if pcm is not None:
            audio_path = Path(self._tmpdir.name) / "audio.wav"
            write_wav(audio_path, pcm, sample_rate)
        self._partial = self.out_path.with_name(f".{self.out_path.stem}.{os.getpid()}.partial.mp4")
        self._stderr = tempfile.TemporaryFile(dir=self._tmpdir.name)  # noqa: SIM115 - lives as long as ffmpeg
        cmd = encoder_command(width, height, self._partial, audio_path, fps=fps, preset=preset,
                              x264_params=x264_params)
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._stderr)
        with contextlib.suppress(OSError, AttributeError):  # a bigger pipe buffer is a bonus, not a need
            fcntl.fcntl(self._proc.stdin.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
        self.frames_written = 0

    @property
    def pid(self) -> int:
        """The ffmpeg child's process id (for memory accounting)."""
        return self._proc.pid

    def write(self, frame: YuvFrame | np.ndarray | bytes) -> None:
        """Append one yuv420p frame."""
        data = frame.buffer if isinstance(frame, YuvFrame) else frame
        try:
            self._proc.stdin.write(memoryview(data))
        except BrokenPipeError:
            self._proc.wait()
            raise EncodeError(self._error_text()) from None
        self.frames_written += 1

    def finish(self) -> Path:
        """Close the pipe, wait for ffmpeg and move the file into place."""
        try:
            self._proc.stdin.close()
        except BrokenPipeError:
            pass
        code = self._proc.wait()
        if code != 0:
            self._cleanup()
            raise EncodeError(self._error_text())
        os.replace(self._partial, self.out_path)
        self._cleanup()
        return self.out_path

    def abort(self) -> None:
        """Stop ffmpeg and delete the partial file."""
        with contextlib.suppress(OSError):
            self._proc.stdin.close()
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._cleanup()

    def _error_text(self) -> str:
        self._stderr.seek(0)
        tail = self._stderr.read().decode("utf-8", "replace").strip().splitlines()[-5:]
        return "video encoder failed: " + (" | ".join(tail) if tail else f"exit code {self._proc.returncode}")

    def _cleanup(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._partial.unlink()
        with contextlib.suppress(OSError):
            self._stderr.close()
        self._tmpdir.cleanup()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.finish()
        else:
            self.abort()
