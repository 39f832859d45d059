"""H.264 + AAC encoding: raw YUV 4:2:0 frames piped to an ffmpeg subprocess.

Piping `yuv420p` (not RGB) matters: letting ffmpeg convert RGB costs more than drawing the frame.
`YuvFrame` keeps one contiguous frame buffer; callers convert and paste only the regions that
changed, so a frame costs a few small conversions, not a full-frame colour transform.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import subprocess
import tempfile
import threading
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
# Frames queued for the writer thread: enough to ride out x264's bursts, small enough for memory.
_QUEUED_FRAMES = 4


class EncodeError(RuntimeError):
    """ffmpeg failed; the message carries the tail of its stderr."""


def rgb_to_yuv420(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Convert an (h, w, 3|4) uint8 RGB(A) image with even h and w to Y, U, V planes (BT.601 limited)."""
    # 8-bit fixed point (the classic BT.601 integer form): luma fits uint16 without overflow, which
    # halves the memory traffic of float32; chroma works on 2x2 sums, a quarter of the pixels, in int32.
    r = rgb[..., 0].astype(np.uint16)
    g = rgb[..., 1].astype(np.uint16)
    b = rgb[..., 2].astype(np.uint16)
    y = r * 66
    y += g * 129
    y += b * 25
    y += (16 << 8) + 128  # +128 rounds
    y >>= 8
    rq = r[0::2] + r[1::2]
    rq = (rq[:, 0::2] + rq[:, 1::2]).astype(np.int32)
    gq = g[0::2] + g[1::2]
    gq = (gq[:, 0::2] + gq[:, 1::2]).astype(np.int32)
    bq = b[0::2] + b[1::2]
    bq = (bq[:, 0::2] + bq[:, 1::2]).astype(np.int32)
    # The 2x2 sums carry 2 extra bits: shift by 10, not 8.
    u = bq * 112
    u -= rq * 38
    u -= gq * 74
    u += (128 << 10) + 512
    u >>= 10
    v = rq * 112
    v -= gq * 94
    v -= bq * 18
    v += (128 << 10) + 512
    v >>= 10
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


def yuv_to_rgb(frame: YuvFrame) -> np.ndarray:
    """Convert a frame back to RGB (BT.601 limited range) for stills."""
    y = frame.y.astype(np.float32) - 16
    u = np.repeat(np.repeat(frame.u, 2, 0), 2, 1).astype(np.float32) - 128
    v = np.repeat(np.repeat(frame.v, 2, 0), 2, 1).astype(np.float32) - 128
    r = 1.164 * y + 1.596 * v
    g = 1.164 * y - 0.392 * u - 0.813 * v
    b = 1.164 * y + 2.017 * u
    return np.clip(np.stack([r, g, b], -1) + 0.5, 0, 255).astype(np.uint8)


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
        # A writer thread feeds the pipe so the caller draws the next frame while a write blocks on
        # x264 (pipe writes release the GIL). Frames travel in a small pool of reused buffers.
        frame_size = width * height * 3 // 2
        self._free: queue.Queue[np.ndarray] = queue.Queue()
        for _ in range(_QUEUED_FRAMES):
            self._free.put(np.empty(frame_size, np.uint8))
        self._pending: queue.Queue[np.ndarray | None] = queue.Queue()
        self._broken = threading.Event()
        self._writer = threading.Thread(target=self._feed, name="ffmpeg-writer", daemon=True)
        self._writer.start()

    @property
    def pid(self) -> int:
        """The ffmpeg child's process id (for memory accounting)."""
        return self._proc.pid

    def write(self, frame: YuvFrame | np.ndarray | bytes) -> None:
        """Append one yuv420p frame. The data is copied, so the caller may reuse its buffer at once."""
        data = frame.buffer if isinstance(frame, YuvFrame) else np.frombuffer(frame, np.uint8)
        buffer = self._take_buffer()
        np.copyto(buffer, data.reshape(-1))
        self._pending.put(buffer)
        self.frames_written += 1

    def _take_buffer(self) -> np.ndarray:
        while True:
            if self._broken.is_set():
                self._stop_writer()
                self._proc.wait()
                raise EncodeError(self._error_text())
            try:
                return self._free.get(timeout=0.5)
            except queue.Empty:
                continue

    def _feed(self) -> None:
        stdin = self._proc.stdin
        while (buffer := self._pending.get()) is not None:
            if not self._broken.is_set():
                try:
                    stdin.write(memoryview(buffer))
                except (BrokenPipeError, ValueError, OSError):
                    self._broken.set()
            self._free.put(buffer)

    def _stop_writer(self) -> None:
        if self._writer.is_alive():
            self._pending.put(None)
            self._writer.join()

    def finish(self) -> Path:
        """Drain the queued frames, close the pipe, wait for ffmpeg and move the file into place."""
        self._stop_writer()
        try:
            self._proc.stdin.close()
        except BrokenPipeError:
            pass
        code = self._proc.wait()
        if code != 0 or self._broken.is_set():
            self._cleanup()
            raise EncodeError(self._error_text())
        os.replace(self._partial, self.out_path)
        self._cleanup()
        return self.out_path

    def abort(self) -> None:
        """Stop ffmpeg and delete the partial file."""
        self._broken.set()  # the writer drops what is still queued
        if self._proc.poll() is None:
            self._proc.kill()
        self._stop_writer()
        with contextlib.suppress(OSError):
            self._proc.stdin.close()
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
