"""Catalog media for an avatar: a cover JPEG and a short idle preview clip."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lib.engine.catalog.avatars import AvatarProfile
from lib.engine.render.composer import FrameComposer
from lib.engine.render.encode import FPS, EncodeError
from lib.engine.render.layout import Layout, make_layout
from lib.engine.render.motion import HeadPose, Motion
from lib.engine.render.mouth_shapes import SMILE_MOUTH
from lib.engine.render.pipeline import RenderError, encode_frames, to_jpeg

ASPECTS = {0: "portrait", 1: "landscape", 2: "square"}
PREVIEW_SECONDS = 2.6
PREVIEW_SCALE = 0.5  # 360x640 portrait: plenty for a catalog tile, quick to make
_SAMPLE_RATE = 16000


def _cover_layout(avatar: AvatarProfile) -> Layout:
    return make_layout(ASPECTS.get(avatar.aspect_ratio, "portrait"), 1, size_scale=PREVIEW_SCALE)


def render_cover_jpeg(avatar: AvatarProfile) -> bytes:
    """The avatar in its scene as JPEG bytes: portrait and square avatars at their native aspect ratio;
    landscape ones as a square head-and-shoulders crop, because a 16:9 frame leaves the person small in
    a catalog tile."""
    aspect = ASPECTS.get(avatar.aspect_ratio, "portrait")
    layout = make_layout("square" if aspect == "landscape" else aspect, 1, size_scale=PREVIEW_SCALE)
    composer = FrameComposer(avatar, layout, title="", overlays_spec={})
    still = composer.still(0.0, HeadPose(0.0, 0.0, 0.0), SMILE_MOUTH, 0.0)
    return to_jpeg(still)


def render_preview_clip(avatar: AvatarProfile, out_path: Path) -> None:
    """A 2.6 s idle loop (breathing, sway, one blink) as an MP4 with a silent audio track."""
    composer = FrameComposer(avatar, _cover_layout(avatar), title="", overlays_spec={})
    motion = Motion(avatar.id, PREVIEW_SECONDS, (), blinks=[1.1])
    times = [i / FPS for i in range(int(PREVIEW_SECONDS * FPS))]
    silence = np.zeros(int(PREVIEW_SECONDS * _SAMPLE_RATE), np.int16)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        encode_frames(composer, out_path, ((t, motion.pose(t), SMILE_MOUTH, motion.eyelid(t)) for t in times),
                      pcm=silence, sample_rate=_SAMPLE_RATE)
    except EncodeError as exc:
        raise RenderError(f"preview encoding failed: {exc}") from exc
