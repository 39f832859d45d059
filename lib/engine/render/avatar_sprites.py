"""Pre-rendered avatar sprites: one head per tilt step, cropped to its pixels, plus the mouth and
eyelid patches drawn over them per frame. A renderer picks a pixel scale, builds the sprites once
and per frame only places them.

The drawing itself lives in `hair`, `face` and `outfits`; the look and bust frame in `look` and `bust`.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import skia

from lib.engine.render.bust import (
    EYES_BOX,
    HEAD_BOX,
    HEAD_SCALE,
    MOUTH_BOX,
    NECK_PIVOT,
    face_geometry,
    on_body,
)
from lib.engine.render.face import (
    draw_ears,
    draw_eyelids,
    draw_face,
    draw_glasses,
    draw_mouth,
    draw_mustache,
    draw_neck,
)
from lib.engine.render.hair import draw_hair_back, draw_hair_front
from lib.engine.render.look import AvatarLook
from lib.engine.render.mouth_shapes import MouthShape, quantize


def _surface(width: int, height: int) -> tuple[np.ndarray, skia.Surface]:
    pixels = np.zeros((height, width, 4), np.uint8)
    return pixels, skia.Surface(pixels, colorType=skia.kRGBA_8888_ColorType, alphaType=skia.kPremul_AlphaType)


def scale_head(canvas: skia.Canvas) -> None:
    """Enter the head's own units on a canvas in (tilted) bust units: the head is drawn HEAD_SCALE larger."""
    canvas.translate(*NECK_PIVOT)
    canvas.scale(HEAD_SCALE, HEAD_SCALE)
    canvas.translate(-NECK_PIVOT[0], -NECK_PIVOT[1])


ANGLE_STEP = 0.25  # head tilt is quantized: each step is one pre-rendered head, blitted without resampling


class AvatarSprites:
    """Pre-rendered heads of one avatar at one pixel scale, one per tilt step (cropped to its pixels),
    plus the per-frame mouth and eyelids drawn over them."""

    def __init__(self, look: AvatarLook, scale: float) -> None:
        self.look = look
        self.scale = scale
        self.geometry = face_geometry(look)
        self._heads: dict[int, tuple[skia.Image, int, int]] = {}

    def _draw_head_parts(self, canvas: skia.Canvas) -> None:
        look, g = self.look, self.geometry
        draw_hair_back(canvas, look, g)
        draw_neck(canvas, look, g)
        draw_ears(canvas, look, g)
        draw_face(canvas, look, g)
        draw_hair_front(canvas, look, g)
        draw_glasses(canvas, look, g)

    def head(self, step: int) -> tuple[skia.Image, int, int]:
        """The head tilted by `step` * ANGLE_STEP degrees about the neck: (image, x, y) where x, y is the
        image's top-left corner in pixels relative to the bust origin."""
        cached = self._heads.get(step)
        if cached is not None:
            return cached
        s = self.scale
        margin = 40.0
        box = on_body(HEAD_BOX)
        x0 = math.floor((box[0] - margin) * s)
        y0 = math.floor((box[1] - margin) * s)
        x1 = math.ceil((box[2] + margin) * s)
        y1 = math.ceil((box[3] + margin) * s)
        pixels, surface = _surface(x1 - x0, y1 - y0)
        canvas = surface.getCanvas()
        canvas.translate(-x0, -y0)
        canvas.scale(s, s)
        canvas.rotate(step * ANGLE_STEP, *NECK_PIVOT)
        scale_head(canvas)
        self._draw_head_parts(canvas)
        alpha = pixels[..., 3]
        rows = np.nonzero(alpha.any(axis=1))[0]
        cols = np.nonzero(alpha.any(axis=0))[0]
        r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        crop = np.ascontiguousarray(pixels[r0:r1, c0:c1])
        image = skia.Image.fromarray(crop, colorType=skia.kRGBA_8888_ColorType, alphaType=skia.kPremul_AlphaType)
        self._heads[step] = (image, int(x0 + c0), int(y0 + r0))
        return self._heads[step]

    def draw_patches(self, canvas: skia.Canvas, mouth: MouthShape, closure: float) -> None:
        """Draw the mouth and eyelids on a canvas already in the (tilted, scaled) head's units.

        Drawn as vectors, not by resampling the cached sprites: Skia's raster path strokes a mouth in
        ~0.15 ms, while a bilinear, rotated blit of its 170x150 sprite costs ~1 ms on this CPU."""
        lid_key = round(closure * 4) / 4
        if lid_key > 0:
            canvas.save()
            canvas.clipRect(skia.Rect(*EYES_BOX))  # the dirty-rect updates rely on these bounds
            draw_eyelids(canvas, self.look, self.geometry, lid_key)
            canvas.restore()
        canvas.save()
        canvas.clipRect(skia.Rect(*MOUTH_BOX))
        draw_mouth(canvas, self.look, self.geometry, quantize(mouth))
        if self.look.facial_hair in ("mustache", "beard", "goatee"):
            draw_mustache(canvas, self.look, self.geometry)
        canvas.restore()


@lru_cache(maxsize=8)
def sprites_for(look: AvatarLook, scale: float) -> AvatarSprites:
    """Cached sprites for a look at a scale (a worker renders the same avatar many times)."""
    return AvatarSprites(look, scale)
