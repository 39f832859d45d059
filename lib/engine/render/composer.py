"""Frame composition: the static layers of one layout drawn once, and per frame only the changed
areas (head, mouth and eye patches, the breathing body, text overlays) painted into a YuvFrame.

The frame is split into what never changes (scene, panel, title: drawn once and converted to YUV
once), what changes rarely (captions and the panel's sentence: a YUV patch per state; the body, which
rises and falls with the breath by whole pixels: its band drawn and converted once per height), and
what changes every frame (the head region: a few sprites placed by Skia, converted to YUV alone).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import skia
from PIL import Image

from lib.engine.catalog.avatars import AvatarProfile
from lib.engine.render.avatar_sprites import ANGLE_STEP, scale_head, sprites_for
from lib.engine.render.bust import EYES_BOX, MOUTH_BOX, NECK_PIVOT, on_body
from lib.engine.render.captions import render_text_block
from lib.engine.render.encode import YuvFrame, rgb_to_yuv420, yuv_to_rgb
from lib.engine.render.layout import MAX_BODY_RISE_UNITS, MAX_ROTATION_DEG, MAX_SHIFT_UNITS, Layout, Rect
from lib.engine.render.look import Color
from lib.engine.render.motion import HeadPose
from lib.engine.render.mouth_shapes import REST_MOUTH, MouthShape, quantize
from lib.engine.render.outfits import draw_body
from lib.engine.render.overlays import TextOverlay, still_overlay
from lib.engine.render.scenes import draw_scene
from lib.engine.render.visuals import Visuals, contain_fit, cover_fit

PANEL_TOP = (24, 30, 48)
PANEL_BOTTOM = (40, 50, 78)
_STALE = object()  # an overlay state that matches none: the overlay is pasted again


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


def _intersection(a: Rect, b: Rect) -> Rect | None:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    return (x0, y0, x1, y1) if x0 < x1 and y0 < y1 else None


def _around(outer: Rect, hole: Rect) -> list[Rect]:
    """`outer` without `hole`, as up to four rectangles (above, below, left, right)."""
    inner = _intersection(outer, hole)
    if inner is None:
        return [outer]
    ox0, oy0, ox1, oy1 = outer
    ix0, iy0, ix1, iy1 = inner
    parts = [(ox0, oy0, ox1, iy0), (ox0, iy1, ox1, oy1), (ox0, iy0, ix0, iy1), (ix1, iy0, ox1, iy1)]
    return [r for r in parts if r[0] < r[2] and r[1] < r[3]]


def _painted_box(alpha: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the non-zero pixels of a mask, or None when there are none."""
    rows = np.nonzero(alpha.any(axis=1))[0]
    if not len(rows):
        return None
    cols = np.nonzero(alpha.any(axis=0))[0]
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


@dataclasses.dataclass(frozen=True)
class _BodyHeight:
    """The body layer raised or lowered by whole pixels, drawn once: the band's static pixels in RGBA and
    YUV, and its share of the head region (what hides the head there, and the cropped sprite to blend)."""

    static: np.ndarray
    yuv: tuple[np.ndarray, np.ndarray, np.ndarray]
    region_over: np.ndarray
    region_over_opaque: np.ndarray
    region_over_image: tuple[skia.Image, int, int] | None


class FrameComposer:
    """Builds the static layers of one layout and paints the per-frame changes into a YuvFrame."""

    def __init__(self, avatar: AvatarProfile, layout: Layout, *, title: str, overlays_spec: dict,
                 accent: Color | None = None, visuals: Visuals | None = None) -> None:
        self.layout = layout
        self.avatar = avatar
        self.visuals = visuals or Visuals()
        look = avatar.look
        self.sprites = sprites_for(look, layout.bust_scale)
        w, h = layout.width, layout.height
        self.accent = accent or look.accent_color
        under = np.zeros((h, w, 4), np.uint8)
        over = np.zeros((h, w, 4), np.uint8)  # the body at rest and the bubble's rim
        self._paint_under(_surface(under).getCanvas(), title)
        self._paint_over(_surface(over).getCanvas())
        # Static frame = under + head at rest + over (its band replaced below by the band drawn alone).
        static = under.copy()
        canvas = _surface(static).getCanvas()
        self._draw_head(canvas, 0, 0, HeadPose(0.0, 0.0, 0.0), REST_MOUTH, 0.0)
        canvas.drawImage(_image(over), 0, 0)
        self.static = static
        layout = self._fit_head_region(layout)
        self.layout = layout
        x0, y0, x1, y1 = layout.head_region
        self.region_pixels = np.zeros((y1 - y0, x1 - x0, 4), np.uint8)
        self.region_surface = _surface(self.region_pixels)
        region_under = under[y0:y1, x0:x1]
        self.region_under = _image(region_under)
        # Where the scene under the head is opaque a plain copy restores it; Skia would blend each pixel.
        self.region_under_pixels = np.ascontiguousarray(region_under) if (region_under[..., 3] == 255).all() else None
        # The body breathes: it moves by whole pixels (a shifted copy, never resampled) within a band
        # that holds it at every height; each height's band is drawn once, when first shown.
        # Steps of about a 720p pixel (2 at 1080p): larger frames do not repaint the band more often.
        self.rise_step = max(1, round(min(w, h) / 720))
        self.max_rise = self.rise_step * round(MAX_BODY_RISE_UNITS * layout.bust_scale / self.rise_step)
        box = _painted_box(over[..., 3]) or (0, 0, 2, 2)  # every layout shows some body; else a token band
        self.band: Rect = (box[0] // 2 * 2, max(0, (box[1] - self.max_rise) // 2 * 2),
                           min(w, (box[2] + 1) // 2 * 2), min(h, (box[3] + self.max_rise + 1) // 2 * 2))
        bx0, by0, bx1, by1 = self.band
        self._band_under = np.ascontiguousarray(under[by0:by1, bx0:bx1])  # scene + head at rest, no body
        self._draw_head(_surface(self._band_under).getCanvas(), bx0, by0, HeadPose(0.0, 0.0, 0.0), REST_MOUTH, 0.0)
        # The body drawn once, unclipped, with room to move: each height blits it, never draws it again.
        body = np.zeros((by1 - by0 + 2 * self.max_rise, bx1 - bx0, 4), np.uint8)
        canvas = _surface(body).getCanvas()
        canvas.translate(-bx0, self.max_rise - by0)
        self._paint_body(canvas)
        self._body_image = _image(body)
        self._heights: dict[int, _BodyHeight] = {}
        self._height_changes: dict[tuple[int, int], Rect | None] = {}
        # Drawn in the band's own coordinates, edges can round differently from the full frame: the
        # static frame takes the band's pixels so that every height comes from one drawing.
        static[by0:by1, bx0:bx1] = self._height(0).static
        self.static_yuv = YuvFrame(w, h)
        self.static_yuv.paste_rgb(0, 0, static)
        self.overlays: list[TextOverlay] = list(overlays_spec.get("overlays", []))
        logo = self._logo_sprite()
        if logo is not None:
            self.overlays.append(still_overlay(layout.logo_rect, logo))
        # Per overlay: its shown state, its Skia sprite and its YUV patches at the body heights seen in that
        # state (states follow the clock, so older ones are dropped rather than kept for the whole video).
        self._overlay_patches: list[tuple[object, skia.Image | None, dict[int, tuple]]] = (
            [(None, None, {})] * len(self.overlays))
        self._overlay_state: list[object] = [None] * len(self.overlays)
        self._overlay_sprites: list[tuple[tuple[int, int, int, int], skia.Image] | None] = [None] * len(self.overlays)
        self._last: tuple | None = None  # (head placement, mouth, eyelids) painted last
        self._shown_rise: int | None = 0  # the body height the frame shows (None: unknown, paint it all)

    # ---- static layers

    def _logo_sprite(self) -> np.ndarray | None:
        """The logo fitted into its corner box (right-aligned there), alpha kept, as an overlay sprite."""
        lay, logo = self.layout, self.visuals.logo
        if logo is None or lay.logo_rect is None:
            return None
        x0, y0, x1, y1 = lay.logo_rect
        fitted = contain_fit(logo, x1 - x0, y1 - y0)
        sprite = np.zeros((y1 - y0, x1 - x0, 4), np.uint8)
        left = x0 < lay.width // 2
        ox = 0 if left else sprite.shape[1] - fitted.shape[1]
        sprite[: fitted.shape[0], ox: ox + fitted.shape[1]] = fitted
        return sprite

    def _draw_picture(self, canvas: skia.Canvas, rgba: np.ndarray, rect: tuple[int, int, int, int],
                      radius: float = 0.0) -> None:
        """A picture cover-fitted into `rect`, with rounded corners and a soft shadow when `radius` > 0."""
        x0, y0, x1, y1 = rect
        fitted = cover_fit(rgba, x1 - x0, y1 - y0)
        bounds = skia.Rect(x0, y0, x1, y1)
        if radius > 0:
            shadow = skia.Paint(AntiAlias=True, Color=skia.Color(0, 0, 0, 110))
            shadow.setMaskFilter(skia.MaskFilter.MakeBlur(skia.kNormal_BlurStyle, radius * 0.6))
            canvas.drawRoundRect(bounds.makeOffset(0, radius * 0.3), radius, radius, shadow)
        canvas.save()
        if radius > 0:
            canvas.clipRRect(skia.RRect.MakeRectXY(bounds, radius, radius), doAntiAlias=True)
        canvas.drawImage(_image(_premultiply(fitted)), x0, y0)
        canvas.restore()
        if radius > 0:
            edge = skia.Paint(AntiAlias=True, Color=skia.Color(255, 255, 255, 60), Style=skia.Paint.kStroke_Style,
                              StrokeWidth=max(1.0, radius * 0.08))
            canvas.drawRoundRect(bounds, radius, radius, edge)

    def _paint_under(self, canvas: skia.Canvas, title: str) -> None:
        lay = self.layout
        content = self.visuals.content if lay.content_rect is not None else None
        if content is not None and lay.content_rect == (0, 0, lay.width, lay.height):
            self._draw_picture(canvas, content, lay.content_rect)  # picture in picture: the main picture
        elif lay.panel_rect is not None:
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
            if content is not None:  # split screen: the picture as a card on the panel
                self._draw_picture(canvas, content, lay.content_rect, radius=min(lay.width, lay.height) * 0.03)
        sx0, sy0, sx1, sy1 = lay.scene_rect
        canvas.save()
        if lay.circle is not None:
            cx, cy, r = lay.circle
            shadow = skia.Paint(AntiAlias=True, Color=skia.Color(0, 0, 0, 120))
            shadow.setMaskFilter(skia.MaskFilter.MakeBlur(skia.kNormal_BlurStyle, r * 0.08))
            canvas.drawCircle(cx, cy + r * 0.04, r * 1.02, shadow)
            canvas.clipPath(_circle_path(cx, cy, r), doAntiAlias=True)
        if self.visuals.background is not None:
            self._draw_picture(canvas, self.visuals.background, (sx0, sy0, sx1, sy1))
        else:
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

    def _paint_over(self, canvas: skia.Canvas, body: tuple[skia.Image, int, int] | None = None) -> None:
        """The body clipped to the avatar's area, and the bubble's rim. `body` is a drawn body (image and
        where it goes) to blit instead of drawing it."""
        lay = self.layout
        canvas.save()
        self._apply_clip(canvas, 0, 0)
        if body is None:
            self._paint_body(canvas)
        else:
            canvas.drawImage(*body)  # whole pixels: no resampling
        canvas.restore()
        if lay.circle is not None:
            cx, cy, r = lay.circle
            ring = skia.Paint(AntiAlias=True, Color=skia.Color(255, 255, 255), Style=skia.Paint.kStroke_Style,
                              StrokeWidth=max(3.0, r * 0.045))
            canvas.drawCircle(cx, cy, r, ring)
            ring.setColor(skia.Color(*self.accent))
            ring.setStrokeWidth(max(2.0, r * 0.02))
            canvas.drawCircle(cx, cy, r + r * 0.045, ring)

    def _paint_body(self, canvas: skia.Canvas) -> None:
        lay = self.layout
        canvas.save()
        canvas.translate(lay.bust_x, lay.bust_y)
        canvas.scale(lay.bust_scale, lay.bust_scale)
        draw_body(canvas, self.avatar.look)
        canvas.restore()

    def _fit_head_region(self, layout: Layout) -> Layout:
        """Shrink the layout's head region to what this avatar's head can really cover."""
        x0, y0, x1, y1 = layout.width, layout.height, 0, 0
        for step in (-round(MAX_ROTATION_DEG / ANGLE_STEP), 0, round(MAX_ROTATION_DEG / ANGLE_STEP)):
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
        step = round(pose.angle / ANGLE_STEP)
        return step, round(lay.bust_x + pose.dx * lay.bust_scale), round(lay.bust_y + pose.dy * lay.bust_scale)

    def _draw_head(self, canvas: skia.Canvas, ox: float, oy: float, pose: HeadPose, mouth: MouthShape,
                   closure: float) -> None:
        lay = self.layout
        step, x, y = self.head_placement(pose)
        image, hx, hy = self.sprites.head(step)
        canvas.save()
        self._apply_clip(canvas, ox, oy)
        canvas.drawImage(image, x + hx - ox, y + hy - oy)  # whole-pixel blit: no resampling
        canvas.translate(x - ox, y - oy)
        canvas.scale(lay.bust_scale, lay.bust_scale)
        canvas.rotate(step * ANGLE_STEP, *NECK_PIVOT)
        scale_head(canvas)
        self.sprites.draw_patches(canvas, mouth, closure)
        canvas.restore()

    def _patch_rect(self, box: tuple[float, float, float, float], x: int, y: int) -> tuple[int, int, int, int] | None:
        """Region-relative even rectangle that holds `box` (bust units) for a head at (x, y)."""
        s = self.layout.bust_scale
        box = on_body(box)
        pad = 6 + 0.06 * s * 160  # the tilt moves patch corners by up to ~sin(2.5 deg) * distance
        rx0, ry0, rx1, ry1 = self.layout.head_region
        x0 = max(rx0, int(x + box[0] * s - pad) // 2 * 2)
        y0 = max(ry0, int(y + box[1] * s - pad) // 2 * 2)
        x1 = min(rx1, (int(x + box[2] * s + pad) + 2) // 2 * 2)
        y1 = min(ry1, (int(y + box[3] * s + pad) + 2) // 2 * 2)
        if x1 <= x0 or y1 <= y0:
            return None
        return (x0, y0, x1, y1)

    # ---- the breathing body

    def body_rise(self, pose: HeadPose) -> int:
        """How many whole pixels the breath lowers the body (raises it when negative)."""
        rise = self.rise_step * round(pose.body_dy * self.layout.bust_scale / self.rise_step)
        return max(-self.max_rise, min(self.max_rise, rise))

    def _height(self, rise: int) -> _BodyHeight:
        if rise in self._heights:
            return self._heights[rise]
        bx0, by0, bx1, by1 = self.band
        over = np.zeros((by1 - by0, bx1 - bx0, 4), np.uint8)
        canvas = _surface(over).getCanvas()
        canvas.translate(-bx0, -by0)
        self._paint_over(canvas, (self._body_image, bx0, by0 + rise - self.max_rise))
        static = self._band_under.copy()
        _surface(static).getCanvas().drawImage(_image(over), 0, 0)
        rx0, ry0, rx1, ry1 = head = self.layout.head_region
        region_over = np.zeros((ry1 - ry0, rx1 - rx0, 4), np.uint8)
        shared = _intersection(head, self.band)
        if shared is not None:
            x0, y0, x1, y1 = shared
            region_over[y0 - ry0: y1 - ry0, x0 - rx0: x1 - rx0] = over[y0 - by0: y1 - by0, x0 - bx0: x1 - bx0]
        # The body covers only the lower part of the head region: keep just its painted rows and columns
        # so each redraw blends fewer pixels.
        box = _painted_box(region_over[..., 3])
        image = None if box is None else (_image(region_over[box[1]: box[3], box[0]: box[2]]), box[0], box[1])
        height = _BodyHeight(static, rgb_to_yuv420(static), region_over, region_over[..., 3] == 255, image)
        self._heights[rise] = height
        return height

    def _height_change(self, before: int, after: int) -> Rect | None:
        """Even frame rectangle of the head region where the body at two heights differs."""
        key = (min(before, after), max(before, after))
        if key not in self._height_changes:
            differs = (self._height(before).region_over != self._height(after).region_over).any(axis=2)
            box = _painted_box(differs)
            rect = None
            if box is not None:
                rx0, ry0, rx1, ry1 = self.layout.head_region
                rect = (rx0 + box[0] // 2 * 2, ry0 + box[1] // 2 * 2,
                        min(rx1, rx0 + (box[2] + 1) // 2 * 2), min(ry1, ry0 + (box[3] + 1) // 2 * 2))
            self._height_changes[key] = rect
        return self._height_changes[key]

    def _show_height(self, frame: YuvFrame, rise: int) -> None:
        """Paste the band at this body height around the head region (which the head's redraw covers)."""
        bx0, by0, _, _ = self.band
        yp, up, vp = self._height(rise).yuv
        for x0, y0, x1, y1 in _around(self.band, self.layout.head_region):
            u_rows, u_cols = slice((y0 - by0) // 2, (y1 - by0) // 2), slice((x0 - bx0) // 2, (x1 - bx0) // 2)
            frame.paste_yuv(x0, y0, (yp[y0 - by0: y1 - by0, x0 - bx0: x1 - bx0], up[u_rows, u_cols], vp[u_rows, u_cols]))

    def _static_crop(self, rect: Rect, rise: int) -> np.ndarray:
        """The static RGBA pixels of `rect` with the body at this height."""
        x0, y0, x1, y1 = rect
        crop = self.static[y0:y1, x0:x1]
        shared = _intersection(rect, self.band)
        if shared is None:
            return crop
        crop = crop.copy()
        bx0, by0, _, _ = self.band
        sx0, sy0, sx1, sy1 = shared
        crop[sy0 - y0: sy1 - y0, sx0 - x0: sx1 - x0] = self._height(rise).static[sy0 - by0: sy1 - by0, sx0 - bx0: sx1 - bx0]
        return crop

    def _head_rect(self, opaque_over: np.ndarray, *placements: tuple[int, int, int]) -> tuple[int, int, int, int]:
        """Even frame rectangle inside the head region that covers the head sprite at each placement
        (mouth and eyelids lie within it): all a move of the head can change. `opaque_over` is where
        the body (at its current height) hides the head."""
        rx0, ry0, rx1, ry1 = self.layout.head_region
        x0, y0, x1, y1 = rx1, ry1, rx0, ry0
        for step, x, y in placements:
            image, hx, hy = self.sprites.head(step)
            x0, y0 = min(x0, x + hx), min(y0, y + hy)
            x1, y1 = max(x1, x + hx + image.width()), max(y1, y + hy + image.height())
        x0, y0, x1, y1 = max(rx0, x0 // 2 * 2), max(ry0, y0 // 2 * 2), min(rx1, (x1 + 1) // 2 * 2), min(ry1, (y1 + 1) // 2 * 2)
        # Rows where the opaque body hides the head across the whole span never change: stop above them.
        visible = np.nonzero(~opaque_over[y0 - ry0: y1 - ry0, x0 - rx0: x1 - rx0].all(axis=1))[0]
        if len(visible):
            y1 = min(y1, (y0 + int(visible[-1]) + 2) // 2 * 2)
        return (x0, y0, x1, y1)

    # ---- per frame

    def paint(self, frame: YuvFrame, t: float, pose: HeadPose, mouth: MouthShape, closure: float) -> None:
        """Update `frame` (which holds the previous frame) to show time t; only changed areas are redrawn."""
        rx0, ry0, _, _ = head = self.layout.head_region
        region_dirty: list[Rect | None] = []
        rise = self.body_rise(pose)
        if rise != self._shown_rise:
            # The body moved: its band around the head region, the text over it, and where it differs
            # inside the head region.
            self._show_height(frame, rise)
            for index, overlay in enumerate(self.overlays):
                if _intersection(overlay.rect, self.band) is not None:
                    self._overlay_state[index] = _STALE
            if self._shown_rise is not None and self._last is not None:
                region_dirty.append(self._height_change(self._shown_rise, rise))
            self._shown_rise = rise
        height = self._height(rise)
        for index, overlay in enumerate(self.overlays):
            key, sprite = overlay.draw_state(index, t)
            if key == self._overlay_state[index]:
                continue
            self._overlay_state[index] = key
            x0, y0, x1, y1 = overlay.rect
            over_head = _intersection(overlay.rect, head)
            over_body = rise if _intersection(overlay.rect, self.band) is not None else 0
            shown_key, skia_sprite, patches = self._overlay_patches[index]
            if shown_key != key:
                # The Skia copy (premultiplied) is only needed where text meets the head; made once a state.
                skia_sprite = _image(_premultiply(sprite)) if sprite is not None and over_head is not None else None
                patches = {}
                self._overlay_patches[index] = (key, skia_sprite, patches)
            planes = patches.get(over_body)
            if planes is None:
                under = self._static_crop(overlay.rect, over_body)
                # Pillow's C compositor.
                rgb = under if sprite is None else np.asarray(Image.alpha_composite(Image.fromarray(under),
                                                                                     Image.fromarray(sprite)))
                planes = patches[over_body] = rgb_to_yuv420(rgb)
            frame.paste_yuv(x0, y0, planes)
            self._overlay_sprites[index] = (overlay.rect, skia_sprite) if skia_sprite is not None else None
            if over_head is not None:  # the patch covered the head at rest there: redraw that part
                region_dirty.append(over_head)
        placement = self.head_placement(pose)
        mouth_key = quantize(mouth)
        lid_key = round(closure * 4) / 4
        last = self._last
        if last is None:
            dirty = [head]
        elif last[0] != placement:
            dirty = [self._head_rect(height.region_over_opaque, last[0], placement), *region_dirty]
        else:
            dirty = region_dirty
            _, x, y = placement
            if last[1] != mouth_key:
                dirty.append(self._patch_rect(MOUTH_BOX, x, y))
            if last[2] != lid_key:
                dirty.append(self._patch_rect(EYES_BOX, x, y))
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
            if height.region_over_image is not None:
                canvas.drawImage(*height.region_over_image)
            for entry in self._overlay_sprites:  # text that reaches into the head region stays on top
                if entry is not None:
                    (ox0, oy0, _, _), image = entry
                    canvas.drawImage(image, ox0 - rx0, oy0 - ry0)
            canvas.restore()
            frame.paste_rgb(x0, y0, self.region_pixels[y0 - ry0: y1 - ry0, x0 - rx0: x1 - rx0])

    def still(self, t: float, pose: HeadPose, mouth: MouthShape, closure: float) -> np.ndarray:
        """An RGB still of the frame at time t (covers, contact sheets), painted whole: no dirty area."""
        frame = YuvFrame(self.layout.width, self.layout.height)
        frame.copy_from(self.static_yuv)
        self._overlay_state = [_STALE] * len(self.overlays)
        self._last = None
        self._shown_rise = None
        self.paint(frame, t, pose, mouth, closure)
        return yuv_to_rgb(frame)
