"""Hair drawn with Skia in bust units, one small function per style and layer.

Each style has a back layer (behind the face and neck) and a front layer (over the forehead); the
registries map a style name to its drawing. A style without a back entry has nothing behind the
face; an unknown style gets the plain short cut in front.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import skia

from lib.engine.render.bust import FaceGeometry
from lib.engine.render.look import AvatarLook, shade
from lib.engine.render.paint import fill, linear, smooth_path, stroke

HairDrawing = Callable[[skia.Canvas, AvatarLook, FaceGeometry], None]


def _hair_cap(g: FaceGeometry, hairline: float, volume: float, part: float = 0.0) -> skia.Path:
    """A hair mass hugging the skull from ear to ear, with a fringe edge at `hairline` (y)."""
    cx, fw = g.cx, g.fw
    top = g.top - volume
    pts = [
        (cx - fw * 1.04, g.eye_y - 4),
        (cx - fw * 1.08 - volume * 0.3, g.cy - g.fh * 0.55),
        (cx - fw * 0.78 - volume * 0.3, top + volume * 0.35),
        (cx + part * fw, top),
        (cx + fw * 0.78 + volume * 0.3, top + volume * 0.35),
        (cx + fw * 1.08 + volume * 0.3, g.cy - g.fh * 0.55),
        (cx + fw * 1.04, g.eye_y - 4),
        (cx + fw * 0.9, g.eye_y - 22),
        (cx + fw * 0.55, hairline + 6),
        (cx + part * fw, hairline - 8),
        (cx - fw * 0.55, hairline + 2),
        (cx - fw * 0.9, g.eye_y - 22),
    ]
    return smooth_path(pts)


def _hair_fill(look: AvatarLook, g: FaceGeometry) -> skia.Paint:
    base = look.hair_color
    return linear(shade(base, 1.12), shade(base, 0.78), (g.cx - g.fw, g.top - 40), (g.cx + g.fw, g.cy + g.fh))


def _sheen(look: AvatarLook) -> skia.Paint:
    return stroke(shade(look.hair_color, 1.35), 7, 0.35)


# ---------------------------------------------------------------------------------------------- back


def _long_back(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    style = look.hair_style
    cx, fw = g.cx, g.fw
    bottom = g.cy + (215.0 if style != "locs" else 240.0)
    wob = 10.0 if style == "wavy" else 0.0
    pts = [(cx, g.top - 26), (cx + fw * 1.2, g.top + 40), (cx + fw * 1.32 + wob, g.cy + 20),
           (cx + fw * 1.34 - wob, g.cy + 130), (cx + fw * 1.42 + wob, bottom - 30), (cx + fw * 1.2, bottom),
           (cx, bottom - 12), (cx - fw * 1.2, bottom), (cx - fw * 1.42 - wob, bottom - 30),
           (cx - fw * 1.34 + wob, g.cy + 130), (cx - fw * 1.32 - wob, g.cy + 20), (cx - fw * 1.2, g.top + 40)]
    canvas.drawPath(smooth_path(pts), _hair_fill(look, g))
    if style == "locs":
        strand = stroke(shade(look.hair_color, 0.7), 3.0, 0.6)
        for i in range(-5, 6):
            x = cx + i * fw * 0.24
            canvas.drawLine(x, g.cy, x + i * 2.0, bottom - 20 - abs(i) * 4, strand)


def _bob_back(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    # Ends that flare out a little at the jaw and tuck in towards the neck, so the cut reads as
    # hair and not as a helmet; a few darker strands give it texture.
    cx, fw = g.cx, g.fw
    pts = [(cx, g.top - 22), (cx + fw * 1.18, g.top + 36), (cx + fw * 1.24, g.cy + 30),
           (cx + fw * 1.3, g.mouth_y + 12), (cx + fw * 1.38, g.mouth_y + 40), (cx + fw * 1.02, g.mouth_y + 30),
           (cx, g.mouth_y + 10), (cx - fw * 1.02, g.mouth_y + 30), (cx - fw * 1.38, g.mouth_y + 40),
           (cx - fw * 1.3, g.mouth_y + 12), (cx - fw * 1.24, g.cy + 30), (cx - fw * 1.18, g.top + 36)]
    canvas.drawPath(smooth_path(pts, tension=0.8), _hair_fill(look, g))
    strand = stroke(shade(look.hair_color, 0.72), 2.4, 0.55)
    for side in (-1, 1):
        for k in (0.0, 0.5, 1.0):
            x0 = cx + side * fw * (1.08 + k * 0.12)
            path = skia.Path()
            path.moveTo(x0, g.cy - 10 + k * 20)
            path.quadTo(x0 + side * fw * 0.1, g.mouth_y, x0 + side * fw * (0.14 + k * 0.06), g.mouth_y + 28)
            canvas.drawPath(path, strand)


def _curly_back(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    afro = look.hair_style == "afro"
    cx, fw = g.cx, g.fw
    hair = _hair_fill(look, g)
    radius = 1.45 if afro else 1.2
    rng = np.random.default_rng(int(look.hair_color[0] * 7 + look.face_width * 13))
    blobs = 22 if afro else 16
    for i in range(blobs):
        a = math.pi * (0.92 + 1.16 * i / (blobs - 1))
        rx = fw * radius * math.cos(a)
        ry = g.fh * (radius - 0.05) * math.sin(a)
        r = fw * (0.36 + 0.08 * rng.random())
        canvas.drawCircle(cx + rx, g.cy - 10 + ry * 0.95, r, hair)
    canvas.drawOval(skia.Rect(cx - fw * radius, g.top - fw * (radius - 0.85), cx + fw * radius, g.cy + 40), hair)


def _bun_back(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    hair = _hair_fill(look, g)
    canvas.drawCircle(g.cx, g.top - 22, g.fw * 0.42, hair)
    canvas.drawPath(_hair_cap(g, g.top + 40, 12), hair)


HAIR_BACK: dict[str, HairDrawing] = {
    "long": _long_back, "wavy": _long_back, "locs": _long_back, "bob": _bob_back,
    "curly": _curly_back, "afro": _curly_back, "bun": _bun_back,
}


def draw_hair_back(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    """Hair behind the face and neck (long styles, volume around the skull)."""
    drawing = HAIR_BACK.get(look.hair_style)
    if drawing is not None:
        drawing(canvas, look, g)


# --------------------------------------------------------------------------------------------- front


def _no_hair(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    return None


def _receding_front(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    # Hair only at the sides and back, a classic senior cue.
    cx, fw = g.cx, g.fw
    hair = _hair_fill(look, g)
    for side in (-1, 1):
        pts = [(cx + side * fw * 1.03, g.eye_y + 6), (cx + side * fw * 1.1, g.cy - g.fh * 0.5),
               (cx + side * fw * 0.8, g.top + 18), (cx + side * fw * 0.86, g.cy - g.fh * 0.45),
               (cx + side * fw * 0.93, g.eye_y - 6)]
        canvas.drawPath(smooth_path(pts), hair)


def _buzz_front(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    canvas.drawPath(_hair_cap(g, g.top + g.fh * 0.36, 4), fill(look.hair_color, 0.82))


def _curly_front(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    cx, fw = g.cx, g.fw
    hair = _hair_fill(look, g)
    rng = np.random.default_rng(int(look.face_width * 31))
    hair_y = g.top + g.fh * 0.34
    for i in range(9):
        x = cx - fw * 0.9 + i * fw * 0.225
        canvas.drawCircle(x, hair_y + rng.random() * 6 - abs(i - 4) * -3, fw * 0.2, hair)
    canvas.drawPath(_hair_cap(g, hair_y, 14), hair)


def _long_front(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    cx, fw = g.cx, g.fw
    hair = _hair_fill(look, g)
    canvas.drawPath(_hair_cap(g, g.top + g.fh * 0.36, 16, part=-0.25), hair)
    # Curtains that frame the face down to the jaw.
    for side in (-1, 1):
        pts = [(cx + side * fw * 0.2, g.top + 6), (cx + side * fw * 0.95, g.top + 50),
               (cx + side * fw * 1.1, g.cy + 60), (cx + side * fw * 1.16, g.mouth_y + 40),
               (cx + side * fw * 1.3, g.cy + 40), (cx + side * fw * 1.22, g.top + 40)]
        canvas.drawPath(smooth_path(pts), hair)
    canvas.drawArc(skia.Rect(cx - fw * 0.9, g.top - 10, cx + fw * 0.5, g.top + 90), 200, 60, False, _sheen(look))


def _bob_front(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    # A fringe swept from a side parting: long over one brow, lifting towards the parting.
    cx, fw = g.cx, g.fw
    pts = [(cx - fw * 1.12, g.eye_y + 20), (cx - fw * 1.1, g.top + 30), (cx + fw * 0.3, g.top - 20),
           (cx + fw * 1.1, g.top + 30), (cx + fw * 1.12, g.eye_y + 20), (cx + fw * 0.88, g.brow_y - 20),
           (cx + fw * 0.36, g.top + g.fh * 0.26), (cx - fw * 0.3, g.brow_y - 16), (cx - fw * 0.9, g.brow_y - 6)]
    canvas.drawPath(smooth_path(pts), _hair_fill(look, g))
    strand = stroke(shade(look.hair_color, 0.72), 2.2, 0.5)
    for k in range(3):
        path = skia.Path()
        path.moveTo(cx + fw * (0.3 - k * 0.05), g.top + 2 + k * 6)
        path.quadTo(cx - fw * (0.2 + k * 0.2), g.top + 40 + k * 8, cx - fw * (0.55 + k * 0.18), g.brow_y - 10 + k * 4)
        canvas.drawPath(path, strand)
    canvas.drawArc(skia.Rect(cx - fw * 0.8, g.top - 8, cx + fw * 0.7, g.top + 70), 205, 55, False, _sheen(look))


def _pixie_front(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    cx, fw = g.cx, g.fw
    hair = _hair_fill(look, g)
    canvas.drawPath(_hair_cap(g, g.brow_y - 22, 14, part=0.3), hair)
    sweep = [(cx + fw * 0.6, g.top + 10), (cx - fw * 0.2, g.brow_y - 30), (cx - fw * 0.85, g.brow_y - 4),
             (cx - fw * 0.4, g.brow_y - 26)]
    canvas.drawPath(smooth_path(sweep), hair)


_CAP_VOLUME = {"short": 18, "side_part": 22, "bun": 10}
_CAP_PART = {"side_part": -0.45, "short": 0.15}


def _capped_front(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    """Short cuts (and a bun's front): a cap with a hairline, a side parting's swoop, a sheen."""
    style = look.hair_style
    cx, fw = g.cx, g.fw
    hair = _hair_fill(look, g)
    volume = _CAP_VOLUME.get(style, 18)
    hairline = g.top + g.fh * (0.30 if style != "bun" else 0.32)
    canvas.drawPath(_hair_cap(g, hairline, volume, part=_CAP_PART.get(style, 0.0)), hair)
    if style == "side_part":
        swoop = [(cx - fw * 0.45, g.top - 14), (cx + fw * 0.95, g.top + 20), (cx + fw * 1.02, hairline + 18),
                 (cx + fw * 0.4, hairline - 4)]
        canvas.drawPath(smooth_path(swoop), hair)
    canvas.drawArc(skia.Rect(cx - fw * 0.7, g.top - volume + 4, cx + fw * 0.6, g.top + 60), 210, 50, False,
                   _sheen(look))


HAIR_FRONT: dict[str, HairDrawing] = {
    "bald": _no_hair, "receding": _receding_front, "buzz": _buzz_front, "curly": _curly_front,
    "afro": _curly_front, "long": _long_front, "wavy": _long_front, "locs": _long_front, "bob": _bob_front,
    "pixie": _pixie_front, "short": _capped_front, "side_part": _capped_front, "bun": _capped_front,
}


def draw_hair_front(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    """Hair over the forehead: fringe, parting, hairline."""
    HAIR_FRONT.get(look.hair_style, _capped_front)(canvas, look, g)
