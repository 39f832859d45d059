"""Render a talking-avatar video: speech + avatar + layout -> H.264/AAC MP4, JPEG cover, WebVTT.

The frame is split into what never changes (scene, body, panel, title: drawn once and converted to
YUV once), what changes rarely (captions and the panel's sentence: a cached YUV patch per state) and
what changes every frame (the head region: a few sprites placed by Skia, converted to YUV alone).
"""

from __future__ import annotations

import dataclasses
import io
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import skia
from PIL import Image, ImageDraw

from lib.engine.catalog.avatars import AvatarProfile
from lib.engine.render import avatar_art as art
from lib.engine.render.captions import (
    CaptionChunk,
    active_index,
    chunk_words,
    current_word,
    render_caption,
    render_text_block,
    sentences,
    webvtt,
)
from lib.engine.render.encode import FPS, EncodeError, VideoEncoder, YuvFrame, rgb_to_yuv420
from lib.engine.render.layout import MAX_ROTATION_DEG, MAX_SHIFT_UNITS, Layout, make_layout
from lib.engine.render.mouth import mouth_frames
from lib.engine.render.scenes import draw_scene
from lib.engine.render.timeline import MouthFrame, Speech, Viseme, WordTiming

PANEL_TOP = (24, 30, 48)
PANEL_BOTTOM = (40, 50, 78)
_SAMPLING = skia.SamplingOptions(skia.FilterMode.kLinear)
POSE_EVERY = 2  # frames per head-pose update


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


@dataclass(frozen=True)
class RenderResult:
    """Where the finished files are and what the video is."""

    video_path: Path
    cover_path: Path
    caption_path: Path | None
    duration: float
    width: int
    height: int


# --------------------------------------------------------------------------------------------- motion


@dataclass(frozen=True)
class HeadPose:
    """Head motion for one frame in bust units / degrees."""

    angle: float
    dx: float
    dy: float


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
        dy = 1.6 * math.sin(2 * math.pi * t / 4.2 + p[3])  # breathing
        for start, amp in self.nods:
            dt = t - start
            if 0 <= dt < 1.2:
                tau = 0.16
                dy += amp * (dt / tau) * math.exp(1 - dt / tau)
        return HeadPose(max(-MAX_ROTATION_DEG, min(MAX_ROTATION_DEG, angle)),
                        max(-MAX_SHIFT_UNITS, min(MAX_SHIFT_UNITS, dx)),
                        max(-MAX_SHIFT_UNITS, min(MAX_SHIFT_UNITS, dy)))


# ---------------------------------------------------------------------------------------------- mouth


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


# --------------------------------------------------------------------------------------------- frames


def _surface(pixels: np.ndarray) -> skia.Surface:
    return skia.Surface(pixels, colorType=skia.kRGBA_8888_ColorType, alphaType=skia.kPremul_AlphaType)


def _image(pixels: np.ndarray) -> skia.Image:
    return skia.Image.fromarray(np.ascontiguousarray(pixels), colorType=skia.kRGBA_8888_ColorType,
                                alphaType=skia.kPremul_AlphaType)


def _premultiply(rgba: np.ndarray) -> np.ndarray:
    out = rgba.astype(np.uint16)
    out[..., :3] = out[..., :3] * out[..., 3:4] // 255
    return out.astype(np.uint8)


def _circle_path(cx: float, cy: float, r: float) -> skia.Path:
    path = skia.Path()
    path.addCircle(cx, cy, r)
    return path


class TextOverlay:
    """A rectangle of the frame whose content switches between a few states (captions, sentences)."""

    def __init__(self, rect: tuple[int, int, int, int], spans: list[tuple[float, float]],
                 draw_state: Callable[[int, float], tuple[int, np.ndarray | None]]) -> None:
        self.rect = rect
        self.spans = spans
        self.draw_state = draw_state  # (state index, time) -> (cache key, RGBA sprite or None)


class FrameComposer:
    """Builds the static layers of one layout and paints the per-frame changes into a YuvFrame."""

    def __init__(self, avatar: AvatarProfile, layout: Layout, *, title: str, overlays_spec: dict,
                 accent: art.Color | None = None) -> None:
        self.layout = layout
        self.avatar = avatar
        look = avatar.look
        self.sprites = art.sprites_for(look, layout.bust_scale)
        w, h = layout.width, layout.height
        self.accent = accent or look.accent_color
        self.under = np.zeros((h, w, 4), np.uint8)
        self.over = np.zeros((h, w, 4), np.uint8)
        self._paint_under(title)
        self._paint_over()
        # Static frame = under + head at rest + over.
        static = self.under.copy()
        canvas = _surface(static).getCanvas()
        self._draw_head(canvas, 0, 0, HeadPose(0.0, 0.0, 0.0), art.REST_MOUTH, 0.0)
        canvas.drawImage(_image(self.over), 0, 0)
        self.static = static
        self.static_yuv = YuvFrame(w, h)
        self.static_yuv.paste_rgb(0, 0, static)
        layout = self._fit_head_region(layout)
        self.layout = layout
        x0, y0, x1, y1 = layout.head_region
        self.region_pixels = np.zeros((y1 - y0, x1 - x0, 4), np.uint8)
        self.region_surface = _surface(self.region_pixels)
        under = self.under[y0:y1, x0:x1]
        self.region_under = _image(under)
        # Where the scene under the head is opaque a plain copy restores it; Skia would blend each pixel.
        self.region_under_pixels = np.ascontiguousarray(under) if (under[..., 3] == 255).all() else None
        # The body layer covers only the lower part of the head region: keep just its painted rows
        # and columns so each redraw blends fewer pixels.
        over = self.over[y0:y1, x0:x1]
        self.region_over_opaque = over[..., 3] == 255
        rows = np.nonzero(over[..., 3].any(axis=1))[0]
        cols = np.nonzero(over[..., 3].any(axis=0))[0]
        self.region_over: tuple[skia.Image, int, int] | None = None
        if len(rows):
            self.region_over = (_image(over[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1]),
                                int(cols[0]), int(rows[0]))
        self.overlays: list[TextOverlay] = overlays_spec.get("overlays", [])
        self._overlay_cache: dict[tuple, tuple] = {}
        self._overlay_state: list[object] = [None] * len(self.overlays)
        self._overlay_sprites: list[tuple[tuple[int, int, int, int], skia.Image] | None] = [None] * len(self.overlays)
        self._last: tuple | None = None  # (head placement, mouth, eyelids) painted last

    # ---- static layers

    def _paint_under(self, title: str) -> None:
        lay = self.layout
        canvas = _surface(self.under).getCanvas()
        if lay.panel_rect is not None:
            px0, py0, px1, py1 = lay.panel_rect
            paint = skia.Paint(AntiAlias=True)
            paint.setShader(skia.GradientShader.MakeLinear(
                [skia.Point(px0, py0), skia.Point(px1, py1)],
                [skia.Color(*PANEL_TOP), skia.Color(*PANEL_BOTTOM)]))
            canvas.drawRect(skia.Rect(px0, py0, px1, py1), paint)
            # Two large soft discs in the accent colour keep the panel from looking empty.
            glow = skia.Paint(AntiAlias=True, Color=skia.Color(*self.accent, 40))
            glow.setMaskFilter(skia.MaskFilter.MakeBlur(skia.kNormal_BlurStyle, lay.width * 0.05))
            canvas.drawCircle(px1 - (px1 - px0) * 0.1, py0 + (py1 - py0) * 0.12, lay.width * 0.22, glow)
            canvas.drawCircle(px0 + (px1 - px0) * 0.05, py1 - (py1 - py0) * 0.1, lay.width * 0.16, glow)
        sx0, sy0, sx1, sy1 = lay.scene_rect
        canvas.save()
        if lay.circle is not None:
            cx, cy, r = lay.circle
            shadow = skia.Paint(AntiAlias=True, Color=skia.Color(0, 0, 0, 120))
            shadow.setMaskFilter(skia.MaskFilter.MakeBlur(skia.kNormal_BlurStyle, r * 0.08))
            canvas.drawCircle(cx, cy + r * 0.04, r * 1.02, shadow)
            canvas.clipPath(_circle_path(cx, cy, r), doAntiAlias=True)
        canvas.translate(sx0, sy0)
        draw_scene(canvas, self.avatar.scene, sx1 - sx0, sy1 - sy0, self.avatar.look.accent_color)
        canvas.restore()
        if lay.title_rect is not None and title:
            tx0, ty0, tx1, ty1 = lay.title_rect
            size = int(lay.width * (0.055 if lay.aspect_ratio != "landscape" else 0.032))
            sprite = render_text_block(title, tx1 - tx0, ty1 - ty0 - int(size * 0.5), size=size,
                                       colour=(255, 255, 255), bold_ui=True, max_lines=2)
            canvas.drawImage(_image(_premultiply(sprite)), tx0, ty0)
            bar = skia.Paint(AntiAlias=True, Color=skia.Color(*self.accent))
            canvas.drawRoundRect(skia.Rect(tx0, ty1 - size * 0.3, tx0 + size * 2.2, ty1 - size * 0.3 + max(4, size * 0.14)),
                                 3, 3, bar)

    def _paint_over(self) -> None:
        lay = self.layout
        canvas = _surface(self.over).getCanvas()
        canvas.save()
        self._apply_clip(canvas, 0, 0)
        canvas.translate(lay.bust_x, lay.bust_y)
        canvas.scale(lay.bust_scale, lay.bust_scale)
        art.draw_body(canvas, self.avatar.look)
        canvas.restore()
        if lay.circle is not None:
            cx, cy, r = lay.circle
            ring = skia.Paint(AntiAlias=True, Color=skia.Color(255, 255, 255), Style=skia.Paint.kStroke_Style,
                              StrokeWidth=max(3.0, r * 0.045))
            canvas.drawCircle(cx, cy, r, ring)
            ring.setColor(skia.Color(*self.accent))
            ring.setStrokeWidth(max(2.0, r * 0.02))
            canvas.drawCircle(cx, cy, r + r * 0.045, ring)

    def _fit_head_region(self, layout: Layout) -> Layout:
        """Shrink the layout's head region to what this avatar's head can really cover."""
        x0, y0, x1, y1 = layout.width, layout.height, 0, 0
        for step in (-round(MAX_ROTATION_DEG / art.ANGLE_STEP), 0, round(MAX_ROTATION_DEG / art.ANGLE_STEP)):
            image, hx, hy = self.sprites.head(step)
            x0, y0 = min(x0, hx), min(y0, hy)
            x1, y1 = max(x1, hx + image.width()), max(y1, hy + image.height())
        shift = MAX_SHIFT_UNITS * layout.bust_scale + 2
        bx, by = round(layout.bust_x), round(layout.bust_y)
        tight = (bx + x0 - shift, by + y0 - shift, bx + x1 + shift, min(by + y1 + shift, layout.head_region[3]))
        lx0, ly0, lx1, ly1 = layout.head_region
        rect = (max(lx0, int(tight[0]) // 2 * 2), max(ly0, int(tight[1]) // 2 * 2),
                min(lx1, (int(tight[2]) + 2) // 2 * 2), min(ly1, (int(tight[3]) + 2) // 2 * 2))
        return dataclasses.replace(layout, head_region=rect)

    def _apply_clip(self, canvas: skia.Canvas, ox: float, oy: float) -> None:
        lay = self.layout
        if lay.circle is not None:
            cx, cy, r = lay.circle
            canvas.clipPath(_circle_path(cx - ox, cy - oy, r), doAntiAlias=True)
        elif lay.scene_rect != (0, 0, lay.width, lay.height):
            x0, y0, x1, y1 = lay.scene_rect
            canvas.clipRect(skia.Rect(x0 - ox, y0 - oy, x1 - ox, y1 - oy))

    def head_placement(self, pose: HeadPose) -> tuple[int, int, int]:
        """(tilt step, x, y): the head's tilt and its bust origin snapped to whole frame pixels."""
        lay = self.layout
        step = round(pose.angle / art.ANGLE_STEP)
        return step, round(lay.bust_x + pose.dx * lay.bust_scale), round(lay.bust_y + pose.dy * lay.bust_scale)

    def _draw_head(self, canvas: skia.Canvas, ox: float, oy: float, pose: HeadPose, mouth: art.MouthShape,
                   closure: float) -> None:
        lay = self.layout
        step, x, y = self.head_placement(pose)
        image, hx, hy = self.sprites.head(step)
        canvas.save()
        self._apply_clip(canvas, ox, oy)
        canvas.drawImage(image, x + hx - ox, y + hy - oy)  # whole-pixel blit: no resampling
        canvas.translate(x - ox, y - oy)
        canvas.scale(lay.bust_scale, lay.bust_scale)
        canvas.rotate(step * art.ANGLE_STEP, *art.NECK_PIVOT)
        self.sprites.draw_patches(canvas, mouth, closure)
        canvas.restore()

    def _patch_rect(self, box: tuple[float, float, float, float], x: int, y: int) -> tuple[int, int, int, int] | None:
        """Region-relative even rectangle that holds `box` (bust units) for a head at (x, y)."""
        s = self.layout.bust_scale
        pad = 6 + 0.06 * s * 160  # the tilt moves patch corners by up to ~sin(2.5 deg) * distance
        rx0, ry0, rx1, ry1 = self.layout.head_region
        x0 = max(rx0, int(x + box[0] * s - pad) // 2 * 2)
        y0 = max(ry0, int(y + box[1] * s - pad) // 2 * 2)
        x1 = min(rx1, (int(x + box[2] * s + pad) + 2) // 2 * 2)
        y1 = min(ry1, (int(y + box[3] * s + pad) + 2) // 2 * 2)
        if x1 <= x0 or y1 <= y0:
            return None
        return (x0, y0, x1, y1)

    def _head_rect(self, *placements: tuple[int, int, int]) -> tuple[int, int, int, int]:
        """Even frame rectangle inside the head region that covers the head sprite at each placement
        (mouth and eyelids lie within it): all a move of the head can change."""
        rx0, ry0, rx1, ry1 = self.layout.head_region
        x0, y0, x1, y1 = rx1, ry1, rx0, ry0
        for step, x, y in placements:
            image, hx, hy = self.sprites.head(step)
            x0, y0 = min(x0, x + hx), min(y0, y + hy)
            x1, y1 = max(x1, x + hx + image.width()), max(y1, y + hy + image.height())
        x0, y0, x1, y1 = max(rx0, x0 // 2 * 2), max(ry0, y0 // 2 * 2), min(rx1, (x1 + 1) // 2 * 2), min(ry1, (y1 + 1) // 2 * 2)
        # Rows where the opaque body hides the head across the whole span never change: stop above them.
        visible = np.nonzero(~self.region_over_opaque[y0 - ry0: y1 - ry0, x0 - rx0: x1 - rx0].all(axis=1))[0]
        if len(visible):
            y1 = min(y1, (y0 + int(visible[-1]) + 2) // 2 * 2)
        return (x0, y0, x1, y1)

    # ---- per frame

    def paint(self, frame: YuvFrame, t: float, pose: HeadPose, mouth: art.MouthShape, closure: float) -> None:
        """Update `frame` (which holds the previous frame) to show time t; only changed areas are redrawn."""
        region_dirty = False
        rx0, ry0, rx1, ry1 = self.layout.head_region
        for index, overlay in enumerate(self.overlays):
            key, sprite = overlay.draw_state(index, t)
            if key == self._overlay_state[index]:
                continue
            self._overlay_state[index] = key
            cached = self._overlay_cache.get((index, key))
            x0, y0, x1, y1 = overlay.rect
            touches_head = x0 < rx1 and rx0 < x1 and y0 < ry1 and ry0 < y1
            if cached is None:
                if sprite is not None:
                    # Pillow's C compositor; the Skia copy is only needed where text meets the head.
                    under = Image.fromarray(self.static[y0:y1, x0:x1])
                    rgb = np.asarray(Image.alpha_composite(under, Image.fromarray(sprite)))
                    skia_sprite = _image(_premultiply(sprite)) if touches_head else None
                else:
                    rgb, skia_sprite = self.static[y0:y1, x0:x1], None
                cached = (rgb_to_yuv420(rgb), skia_sprite)
                self._overlay_cache[(index, key)] = cached
            frame.paste_yuv(x0, y0, cached[0])
            self._overlay_sprites[index] = (overlay.rect, cached[1]) if cached[1] is not None else None
            if touches_head:
                region_dirty = True
        placement = self.head_placement(pose)
        mouth_key = art.quantize(mouth)
        lid_key = round(closure * 4) / 4
        last = self._last
        if region_dirty or last is None:
            dirty = [self.layout.head_region]
        elif last[0] != placement:
            dirty = [self._head_rect(last[0], placement)]
        else:
            dirty = []
            _, x, y = placement
            if last[1] != mouth_key:
                dirty.append(self._patch_rect(art.MOUTH_BOX, x, y))
            if last[2] != lid_key:
                dirty.append(self._patch_rect(art.EYES_BOX, x, y))
        self._last = (placement, mouth_key, lid_key)
        canvas = self.region_surface.getCanvas()
        for rect in dirty:
            if rect is None:
                continue
            x0, y0, x1, y1 = rect
            canvas.save()
            canvas.clipRect(skia.Rect(x0 - rx0, y0 - ry0, x1 - rx0, y1 - ry0))
            if self.region_under_pixels is not None:
                rows, cols = slice(y0 - ry0, y1 - ry0), slice(x0 - rx0, x1 - rx0)
                self.region_pixels[rows, cols] = self.region_under_pixels[rows, cols]
            else:
                canvas.drawImage(self.region_under, 0, 0)
            self._draw_head(canvas, rx0, ry0, pose, mouth, closure)
            if self.region_over is not None:
                canvas.drawImage(*self.region_over)
            for entry in self._overlay_sprites:  # text that reaches into the head region stays on top
                if entry is not None:
                    (ox0, oy0, _, _), image = entry
                    canvas.drawImage(image, ox0 - rx0, oy0 - ry0)
            canvas.restore()
            frame.paste_rgb(x0, y0, self.region_pixels[y0 - ry0: y1 - ry0, x0 - rx0: x1 - rx0])

    def still(self, t: float, pose: HeadPose, mouth: art.MouthShape, closure: float) -> np.ndarray:
        """An RGB still of the frame at time t (covers, contact sheets)."""
        frame = YuvFrame(self.layout.width, self.layout.height)
        frame.copy_from(self.static_yuv)
        self._overlay_state = [None] * len(self.overlays)
        self._last = None
        self.paint(frame, t, pose, mouth, closure)
        return yuv_to_rgb(frame)


def yuv_to_rgb(frame: YuvFrame) -> np.ndarray:
    """Convert a frame back to RGB (BT.601 limited range) for stills."""
    y = frame.y.astype(np.float32) - 16
    u = np.repeat(np.repeat(frame.u, 2, 0), 2, 1).astype(np.float32) - 128
    v = np.repeat(np.repeat(frame.v, 2, 0), 2, 1).astype(np.float32) - 128
    r = 1.164 * y + 1.596 * v
    g = 1.164 * y - 0.392 * u - 0.813 * v
    b = 1.164 * y + 2.017 * u
    return np.clip(np.stack([r, g, b], -1) + 0.5, 0, 255).astype(np.uint8)


def _up_next_sprite(text: str | None, width: int, height: int, size: int, progress: float) -> np.ndarray:
    """The panel while captions run: a small "Up next" label over the coming sentence (none after the
    last one), and a progress bar through the script along the bottom."""
    bar_h = max(4, int(size * 0.16))
    room = height - bar_h * 4
    parts = []
    if text:
        label_size = max(12, int(size * 0.6))
        label_h = int(label_size * 1.9)
        parts.append(render_text_block("UP NEXT", width, label_h, size=label_size, colour=(150, 164, 204),
                                       bold_ui=True, max_lines=1))
        parts.append(render_text_block(text, width, max(1, room - label_h), size=int(size * 0.85),
                                       colour=(196, 204, 222), max_lines=8))
    parts.append(np.zeros((height - sum(part.shape[0] for part in parts), width, 4), np.uint8))
    image = Image.fromarray(np.concatenate(parts, axis=0))
    draw = ImageDraw.Draw(image)
    y0 = height - bar_h * 2
    draw.rounded_rectangle((0, y0, width - 1, y0 + bar_h), radius=bar_h // 2, fill=(255, 255, 255, 46))
    filled = max(bar_h, int((width - 1) * progress))
    draw.rounded_rectangle((0, y0, filled, y0 + bar_h), radius=bar_h // 2, fill=(196, 204, 222, 230))
    return np.asarray(image)


def build_overlays(layout: Layout, script: str, words: tuple[WordTiming, ...], caption: bool
                   ) -> tuple[list[TextOverlay], list[CaptionChunk]]:
    """Text overlays for a layout: the panel's current sentence and burned-in captions."""
    overlays: list[TextOverlay] = []
    chunks = chunk_words(words) if caption else []
    if layout.sentence_rect is not None:
        sx0, sy0, sx1, sy1 = layout.sentence_rect
        spoken = sentences(words)
        size = int(layout.width * (0.06 if layout.aspect_ratio != "landscape" else 0.03))
        if spoken:
            # With burned-in captions the spoken sentence is already on screen: the panel shows the
            # one coming next instead, so the two never repeat each other.
            def sentence_state(_: int, t: float, spoken: list[CaptionChunk] = spoken) -> tuple[int, np.ndarray | None]:
                index = 0
                for i, chunk in enumerate(spoken):
                    if chunk.start <= t:
                        index = i
                return index, _sentence_sprite(index)

            cache: dict[int, np.ndarray] = {}

            def _sentence_sprite(index: int) -> np.ndarray:
                if index not in cache:
                    if not caption:
                        cache[index] = render_text_block(spoken[index].text(script), sx1 - sx0, sy1 - sy0,
                                                         size=size, colour=(236, 240, 248), max_lines=8)
                    else:
                        coming = spoken[index + 1].text(script) if index + 1 < len(spoken) else None
                        cache[index] = _up_next_sprite(coming, sx1 - sx0, sy1 - sy0, size,
                                                       (index + 1) / len(spoken))
                return cache[index]

            overlays.append(TextOverlay(layout.sentence_rect, [], sentence_state))
        elif script.strip():
            sprite = render_text_block(script.strip(), sx1 - sx0, sy1 - sy0, size=size, colour=(236, 240, 248))
            overlays.append(TextOverlay(layout.sentence_rect, [], lambda _i, _t: (0, sprite)))
    if chunks:
        cx0, cy0, cx1, cy1 = layout.caption_rect
        sprites: dict[tuple[int, int], np.ndarray] = {}

        def caption_state(_: int, t: float) -> tuple[tuple[int, int] | None, np.ndarray | None]:
            index = active_index(chunks, t)
            if index is None:
                return None, None
            key = (index, current_word(chunks[index], t))
            if key not in sprites:
                sprites[key] = render_caption(chunks[index], script, key[1], cx1 - cx0, cy1 - cy0)
            return key, sprites[key]

        overlays.append(TextOverlay(layout.caption_rect, [], caption_state))
    return overlays, chunks


# --------------------------------------------------------------------------------------------- render


def to_jpeg(rgb: np.ndarray, quality: int = 88) -> bytes:
    """Encode an RGB array as JPEG bytes."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def _write_atomic(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    partial.replace(path)


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
        layout = make_layout(request.aspect_ratio, request.screen_style)
    except ValueError as exc:
        raise RenderError(str(exc)) from exc
    words = speech.words or even_word_timings(request.script, speech)
    overlays, chunks = build_overlays(layout, request.script, words, request.caption)
    composer = FrameComposer(request.avatar, layout, title=request.video_name, overlays_spec={"overlays": overlays})
    mouths = mouth_track(speech)
    n = len(mouths)
    motion = Motion(request.seed, speech.duration, words)
    frame = YuvFrame(layout.width, layout.height)
    frame.copy_from(composer.static_yuv)
    video_path = out_dir / "video.mp4"
    cover_rgb: np.ndarray | None = None
    cover_at = _cover_frame(words, n)
    report_every = max(1, n // 40)
    try:
        with VideoEncoder(video_path, layout.width, layout.height, pcm=speech.pcm,
                          sample_rate=speech.sample_rate) as encoder:
            for i in range(n):
                t = i / FPS
                # The head pose moves on every second frame: its sub-pixel sway is invisible at 12.5 Hz,
                # and frames between moves redraw only the mouth and eyes.
                pose = motion.pose((i - i % POSE_EVERY) / FPS)
                composer.paint(frame, t, pose, art.mouth_for_frame(mouths[i]), motion.eyelid(t))
                encoder.write(frame)
                if i == cover_at:
                    cover_rgb = yuv_to_rgb(frame)
                if on_progress is not None and i % report_every == 0:
                    on_progress(0.98 * i / n)
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
