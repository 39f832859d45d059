"""Render a talking-avatar video: speech + avatar + layout -> H.264/AAC MP4, JPEG cover, WebVTT.

The parts: `motion` says what moves when, `overlays` draws the text that switches over time,
`composer` keeps the static layers and paints each frame's changes; `encode_frames` here is the one
loop that paints frames and pipes them to the encoder, for videos and catalog preview clips alike.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from lib.engine.catalog.avatars import AvatarProfile
from lib.engine.render.captions import CAPTION_PRESETS, webvtt
from lib.engine.render.composer import FrameComposer
from lib.engine.render.encode import FPS, EncodeError, VideoEncoder, YuvFrame, yuv_to_rgb
from lib.engine.render.layout import SIZES, Layout, make_layout
from lib.engine.render.motion import POSE_EVERY, HeadPose, Motion, even_word_timings, mouth_track
from lib.engine.render.mouth_shapes import MouthShape, mouth_for_frame
from lib.engine.render.overlays import build_overlays
from lib.engine.render.timeline import Speech, WordTiming
from lib.engine.render.visuals import Visuals
from lib.joggai.contract import FRAME_SIZES
from lib.media import music

FrameState = tuple[float, HeadPose, MouthShape, float]  # (time, head pose, mouth, eyelid closure)


class RenderError(RuntimeError):
    """A render failed; the message is safe to show to the user."""


@dataclass(frozen=True)
class RenderRequest:
    """Everything a render needs; identical requests give identical videos."""

    avatar: AvatarProfile
    speech: Speech
    script: str
    aspect_ratio: str  # portrait | landscape | square
    screen_style: int  # 1 full, 2 split, 3 picture-in-picture
    caption: bool
    video_name: str
    seed: int
    visuals: Visuals = field(default_factory=Visuals)  # the request's `ext` pictures, resolution and caption preset
    music_path: Path | None = None  # the request's `ext.music_url`, taken in


@dataclass(frozen=True)
class RenderResult:
    """Where the finished files are and what the video is."""

    video_path: Path
    cover_path: Path
    caption_path: Path | None
    duration: float
    width: int
    height: int


def to_jpeg(rgb: np.ndarray, quality: int = 88) -> bytes:
    """Encode an RGB array as JPEG bytes."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def _write_atomic(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    partial.replace(path)


def layout_for(aspect_ratio: str, screen_style: int, visuals: Visuals) -> Layout:
    """The layout of a request: its resolution, room for its content and logo, its caption preset."""
    if aspect_ratio not in SIZES:
        raise ValueError(f"unknown aspect_ratio {aspect_ratio!r}")
    preset = CAPTION_PRESETS[visuals.caption_style]
    logo = visuals.logo
    return make_layout(aspect_ratio, screen_style,
                       size_scale=FRAME_SIZES[visuals.resolution][aspect_ratio][0] / SIZES[aspect_ratio][0],
                       content=visuals.content is not None,
                       logo_size=None if logo is None else (logo.shape[1], logo.shape[0]),
                       caption_size=preset.size, caption_lift=preset.lift)


def mix_music_bed(speech: Speech, music_path: Path | None) -> np.ndarray:
    """The soundtrack's samples: the one place the music bed joins the speech.

    Without music it is the speech. With `ext.music_url` the bed is looped or trimmed to the speech,
    ducked under it (lib.media.music keeps it MUSIC_DUCK_MIN_DB below) and faded out; the mouth track
    still follows the speech alone. An undecodable file is a RenderError (intake already probed it)."""
    if music_path is None:
        return speech.pcm
    try:
        return music.mix_music_bed(speech.pcm, speech.sample_rate, music_path)
    except music.MediaError as exc:
        raise RenderError(f"ext.music_url could not be mixed: {exc}") from exc


def encode_frames(composer: FrameComposer, out_path: Path, states: Iterable[FrameState], *, pcm: np.ndarray,
                  sample_rate: int, on_frame: Callable[[int, YuvFrame], None] | None = None) -> None:
    """Paint each state over the previous frame and pipe the frame to the encoder with `pcm` as audio.

    `on_frame(index, frame)` sees every frame once it is written. Raises EncodeError or OSError.
    """
    width, height = composer.layout.width, composer.layout.height
    frame = YuvFrame(width, height)
    frame.copy_from(composer.static_yuv)
    with VideoEncoder(out_path, width, height, pcm=pcm, sample_rate=sample_rate) as encoder:
        for index, (t, pose, mouth, closure) in enumerate(states):
            composer.paint(frame, t, pose, mouth, closure)
            encoder.write(frame)
            if on_frame is not None:
                on_frame(index, frame)


def render_video(request: RenderRequest, out_dir: Path, on_progress: Callable[[float], None] | None = None
                 ) -> RenderResult:
    """Render `request` into `out_dir` as video.mp4, cover.jpg and (with captions) captions.vtt.

    Files appear under their final names only when complete. Raises RenderError with a message
    fit for users.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    speech = request.speech
    if speech.duration <= 0:
        raise RenderError("the speech is empty: nothing to render")
    try:
        layout = layout_for(request.aspect_ratio, request.screen_style, request.visuals)
    except ValueError as exc:
        raise RenderError(str(exc)) from exc
    words = speech.words or even_word_timings(request.script, speech)
    overlays, chunks = build_overlays(layout, request.script, words, request.caption,
                                      CAPTION_PRESETS[request.visuals.caption_style])
    composer = FrameComposer(request.avatar, layout, title=request.video_name, overlays_spec={"overlays": overlays},
                             visuals=request.visuals)
    soundtrack = mix_music_bed(speech, request.music_path)
    mouths = mouth_track(speech)
    n = len(mouths)
    motion = Motion(request.seed, speech.duration, words)
    video_path = out_dir / "video.mp4"
    cover_rgb: np.ndarray | None = None
    cover_at = _cover_frame(words, n)
    report_every = max(1, n // 40)

    def states() -> Iterator[FrameState]:
        for i in range(n):
            t = i / FPS
            # The head pose moves on every second frame: its sub-pixel sway is invisible at 12.5 Hz,
            # and frames between moves redraw only the mouth and eyes.
            yield t, motion.pose((i - i % POSE_EVERY) / FPS), mouth_for_frame(mouths[i]), motion.eyelid(t)

    def after_frame(i: int, frame: YuvFrame) -> None:
        nonlocal cover_rgb
        if i == cover_at:
            cover_rgb = yuv_to_rgb(frame)
        if on_progress is not None and i % report_every == 0:
            on_progress(0.98 * i / n)

    try:
        encode_frames(composer, video_path, states(), pcm=soundtrack, sample_rate=speech.sample_rate,
                      on_frame=after_frame)
    except EncodeError as exc:
        raise RenderError(f"encoding failed: {exc}") from exc
    except OSError as exc:
        raise RenderError(f"could not write the video: {exc.strerror or exc}") from exc
    cover_path = out_dir / "cover.jpg"
    _write_atomic(cover_path, to_jpeg(cover_rgb if cover_rgb is not None else composer.static[..., :3].copy()))
    caption_path = None
    if request.caption:
        caption_path = out_dir / "captions.vtt"
        _write_atomic(caption_path, webvtt(chunks, request.script).encode("utf-8"))
    if on_progress is not None:
        on_progress(1.0)
    return RenderResult(video_path, cover_path, caption_path, speech.duration, layout.width, layout.height)


def _cover_frame(words: tuple[WordTiming, ...], n: int) -> int:
    """A representative frame: mid-way through the first word long enough to show an open mouth."""
    for word in words:
        if word.end - word.start >= 0.2:
            return min(n - 1, int((word.start + word.end) / 2 * FPS))
    return min(n - 1, n // 3)
