"""Parametric flat-vector avatars drawn with Skia: one bust made of a static body and a head that
moves, plus small mouth and eyelid patches that change per frame.

All drawing happens in "bust units": a 600 x 720 box with the face centred near (300, 345).
A renderer picks a pixel scale, pre-renders the sprites once, and per frame only places them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import skia

from lib.engine.render.timeline import MouthFrame, Viseme

BUST_W, BUST_H = 600.0, 720.0
TORSO_BOTTOM = 1600.0  # the torso runs past any frame's bottom edge
FACE_CX, FACE_CY = 300.0, 345.0
NECK_PIVOT = (300.0, 500.0)  # the head turns and nods around the base of the neck

# Boxes (x0, y0, x1, y1) in bust units that each sprite covers.
HEAD_BOX = (60.0, 95.0, 540.0, 640.0)
MOUTH_BOX = (240.0, 366.0, 360.0, 470.0)
EYES_BOX = (216.0, 310.0, 384.0, 366.0)

Color = tuple[int, int, int]


@dataclass(frozen=True)
class AvatarLook:
    """Everything that makes one avatar look like itself."""

    face_shape: str  # oval | round | square | heart | long
    face_width: float  # half-width of the face in bust units (~84..100)
    skin: Color
    hair_style: str  # see HAIR_STYLES
    hair_color: Color
    eye_color: Color
    eye_size: float  # 0.85 .. 1.15
    brow_weight: float  # 0.7 .. 1.4
    facial_hair: str  # none | stubble | mustache | beard | goatee
    glasses: str  # none | round | square | cateye
    glasses_color: Color
    age_lines: int  # 0 none, 1 light, 2 senior
    outfit: str  # suit | blazer | blouse | tshirt | hoodie | sweater | shirt | cardigan
    outfit_color: Color
    accent_color: Color  # tie, shirt under a jacket, trim
    lip_color: Color
    earrings: bool
    feminine: bool


HAIR_STYLES = ("short", "side_part", "buzz", "bald", "curly", "afro", "long", "bob", "bun", "wavy", "locs",
               "pixie", "receding")


# ---------------------------------------------------------------------------------------------- colour


def _rgb(c: Color, alpha: float = 1.0) -> int:
    return skia.Color(int(c[0]), int(c[1]), int(c[2]), round(alpha * 255))


def shade(c: Color, factor: float) -> Color:
    """Darken (<1) or lighten (>1) a colour, lightening towards white."""
    if factor >= 1.0:
        t = factor - 1.0
        return tuple(round(v + (255 - v) * t) for v in c)  # type: ignore[return-value]
    return tuple(round(v * factor) for v in c)  # type: ignore[return-value]


def mix(a: Color, b: Color, t: float) -> Color:
    """Linear blend of two colours (t=0 -> a)."""
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


def _fill(c: Color, alpha: float = 1.0) -> skia.Paint:
    return skia.Paint(AntiAlias=True, Color=_rgb(c, alpha))


def _stroke(c: Color, width: float, alpha: float = 1.0) -> skia.Paint:
    return skia.Paint(AntiAlias=True, Color=_rgb(c, alpha), Style=skia.Paint.kStroke_Style, StrokeWidth=width,
                      StrokeCap=skia.Paint.kRound_Cap, StrokeJoin=skia.Paint.kRound_Join)


def _linear(c0: Color, c1: Color, p0: tuple[float, float], p1: tuple[float, float]) -> skia.Paint:
    paint = skia.Paint(AntiAlias=True)
    paint.setShader(skia.GradientShader.MakeLinear([skia.Point(*p0), skia.Point(*p1)], [_rgb(c0), _rgb(c1)]))
    return paint


def _soft(c: Color, alpha: float, sigma: float) -> skia.Paint:
    paint = _fill(c, alpha)
    paint.setMaskFilter(skia.MaskFilter.MakeBlur(skia.kNormal_BlurStyle, sigma))
    return paint


def smooth_path(points: list[tuple[float, float]], closed: bool = True, tension: float = 1.0) -> skia.Path:
    """A Catmull-Rom spline through `points` as cubic Béziers (smooth, passes through every point)."""
    path = skia.Path()
    n = len(points)
    path.moveTo(*points[0])
    count = n if closed else n - 1
    for i in range(count):
        p0 = points[(i - 1) % n] if closed or i > 0 else points[0]
        p1 = points[i]
        p2 = points[(i + 1) % n]
        p3 = points[(i + 2) % n] if closed or i + 2 < n else points[-1]
        c1 = (p1[0] + (p2[0] - p0[0]) * tension / 6, p1[1] + (p2[1] - p0[1]) * tension / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) * tension / 6, p2[1] - (p3[1] - p1[1]) * tension / 6)
        path.cubicTo(*c1, *c2, *p2)
    if closed:
        path.close()
    return path


# ------------------------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class FaceGeometry:
    """Where the features sit for one look (bust units)."""

    cx: float
    cy: float
    fw: float  # half width
    fh: float  # half height
    jaw: float
    chin: float
    eye_y: float
    eye_dx: float
    mouth_y: float
    brow_y: float

    @property
    def top(self) -> float:
        return self.cy - self.fh

    @property
    def chin_y(self) -> float:
        return self.cy + self.fh


_SHAPES = {  # face_shape -> (height/width, jaw width, chin width) as fractions of the half width
    "oval": (1.27, 0.74, 0.30),
    "round": (1.14, 0.84, 0.42),
    "square": (1.22, 0.90, 0.46),
    "heart": (1.25, 0.64, 0.22),
    "long": (1.36, 0.74, 0.32),
}


def face_geometry(look: AvatarLook) -> FaceGeometry:
    """Feature positions for a look."""
    ratio, jaw, chin = _SHAPES.get(look.face_shape, _SHAPES["oval"])
    fw = look.face_width
    fh = fw * ratio
    cy = FACE_CY
    return FaceGeometry(cx=FACE_CX, cy=cy, fw=fw, fh=fh, jaw=jaw * fw, chin=chin * fw,
                        eye_y=cy - 2, eye_dx=fw * 0.43, mouth_y=cy + fh * 0.58, brow_y=cy - 2 - 27)


def face_path(g: FaceGeometry) -> skia.Path:
    """The face outline: forehead, temples, cheekbones, jaw and chin."""
    cx, cy, fw, fh = g.cx, g.cy, g.fw, g.fh
    right = [
        (cx + fw * 0.62, cy - fh * 0.86),
        (cx + fw * 0.96, cy - fh * 0.40),
        (cx + fw, cy + fh * 0.08),
        (cx + (fw + g.jaw) / 2, cy + fh * 0.50),
        (cx + g.jaw, cy + fh * 0.72),
        (cx + g.chin, cy + fh * 0.97),
    ]
    left = [(2 * cx - x, y) for x, y in reversed(right)]
    points = [(cx, cy - fh)] + right + [(cx, cy + fh * 1.01)] + left
    return smooth_path(points)


# ---------------------------------------------------------------------------------------------- hair


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


def _hair_paints(look: AvatarLook, g: FaceGeometry) -> tuple[skia.Paint, skia.Paint]:
    base = look.hair_color
    fill = _linear(shade(base, 1.12), shade(base, 0.78), (g.cx - g.fw, g.top - 40), (g.cx + g.fw, g.cy + g.fh))
    sheen = _stroke(shade(base, 1.35), 7, 0.35)
    return fill, sheen


def draw_hair_back(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    """Hair behind the face and neck (long styles, volume around the skull)."""
    style = look.hair_style
    fill, _ = _hair_paints(look, g)
    cx, fw = g.cx, g.fw
    if style in ("long", "wavy", "locs"):
        bottom = g.cy + (215.0 if style != "locs" else 240.0)
        wob = 10.0 if style == "wavy" else 0.0
        pts = [(cx, g.top - 26), (cx + fw * 1.2, g.top + 40), (cx + fw * 1.32 + wob, g.cy + 20),
               (cx + fw * 1.34 - wob, g.cy + 130), (cx + fw * 1.42 + wob, bottom - 30), (cx + fw * 1.2, bottom),
               (cx, bottom - 12), (cx - fw * 1.2, bottom), (cx - fw * 1.42 - wob, bottom - 30),
               (cx - fw * 1.34 + wob, g.cy + 130), (cx - fw * 1.32 - wob, g.cy + 20), (cx - fw * 1.2, g.top + 40)]
        canvas.drawPath(smooth_path(pts), fill)
        if style == "locs":
            strand = _stroke(shade(look.hair_color, 0.7), 3.0, 0.6)
            for i in range(-5, 6):
                x = cx + i * fw * 0.24
                canvas.drawLine(x, g.cy, x + i * 2.0, bottom - 20 - abs(i) * 4, strand)
    elif style == "bob":
        # Ends that flare out a little at the jaw and tuck in towards the neck, so the cut reads as
        # hair and not as a helmet; a few darker strands give it texture.
        pts = [(cx, g.top - 22), (cx + fw * 1.18, g.top + 36), (cx + fw * 1.24, g.cy + 30),
               (cx + fw * 1.3, g.mouth_y + 12), (cx + fw * 1.38, g.mouth_y + 40), (cx + fw * 1.02, g.mouth_y + 30),
               (cx, g.mouth_y + 10), (cx - fw * 1.02, g.mouth_y + 30), (cx - fw * 1.38, g.mouth_y + 40),
               (cx - fw * 1.3, g.mouth_y + 12), (cx - fw * 1.24, g.cy + 30), (cx - fw * 1.18, g.top + 36)]
        canvas.drawPath(smooth_path(pts, tension=0.8), fill)
        strand = _stroke(shade(look.hair_color, 0.72), 2.4, 0.55)
        for side in (-1, 1):
            for k in (0.0, 0.5, 1.0):
                x0 = cx + side * fw * (1.08 + k * 0.12)
                path = skia.Path()
                path.moveTo(x0, g.cy - 10 + k * 20)
                path.quadTo(x0 + side * fw * 0.1, g.mouth_y, x0 + side * fw * (0.14 + k * 0.06), g.mouth_y + 28)
                canvas.drawPath(path, strand)
    elif style in ("curly", "afro"):
        radius = 1.45 if style == "afro" else 1.2
        rng = np.random.default_rng(int(look.hair_color[0] * 7 + look.face_width * 13))
        blobs = 22 if style == "afro" else 16
        for i in range(blobs):
            a = math.pi * (0.92 + 1.16 * i / (blobs - 1))
            rx = fw * radius * math.cos(a)
            ry = g.fh * (radius - 0.05) * math.sin(a)
            r = fw * (0.36 + 0.08 * rng.random())
            canvas.drawCircle(cx + rx, g.cy - 10 + ry * 0.95, r, fill)
        canvas.drawOval(skia.Rect(cx - fw * radius, g.top - fw * (radius - 0.85), cx + fw * radius, g.cy + 40), fill)
    elif style == "bun":
        canvas.drawCircle(cx, g.top - 22, fw * 0.42, fill)
        canvas.drawPath(_hair_cap(g, g.top + 40, 12), fill)


def draw_hair_front(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    """Hair over the forehead: fringe, parting, hairline."""
    style = look.hair_style
    fill, sheen = _hair_paints(look, g)
    cx, fw = g.cx, g.fw
    if style == "bald":
        return
    if style == "receding":
        # Hair only at the sides and back, a classic senior cue.
        for side in (-1, 1):
            pts = [(cx + side * fw * 1.03, g.eye_y + 6), (cx + side * fw * 1.1, g.cy - g.fh * 0.5),
                   (cx + side * fw * 0.8, g.top + 18), (cx + side * fw * 0.86, g.cy - g.fh * 0.45),
                   (cx + side * fw * 0.93, g.eye_y - 6)]
            canvas.drawPath(smooth_path(pts), fill)
        return
    if style == "buzz":
        paint = _fill(look.hair_color, 0.82)
        canvas.drawPath(_hair_cap(g, g.top + g.fh * 0.36, 4), paint)
        return
    if style in ("curly", "afro"):
        rng = np.random.default_rng(int(look.face_width * 31))
        hair_y = g.top + g.fh * 0.34
        for i in range(9):
            x = cx - fw * 0.9 + i * fw * 0.225
            canvas.drawCircle(x, hair_y + rng.random() * 6 - abs(i - 4) * -3, fw * 0.2, fill)
        canvas.drawPath(_hair_cap(g, hair_y, 14), fill)
        return
    if style in ("long", "wavy", "locs"):
        canvas.drawPath(_hair_cap(g, g.top + g.fh * 0.36, 16, part=-0.25), fill)
        # Curtains that frame the face down to the jaw.
        for side in (-1, 1):
            pts = [(cx + side * fw * 0.2, g.top + 6), (cx + side * fw * 0.95, g.top + 50),
                   (cx + side * fw * 1.1, g.cy + 60), (cx + side * fw * 1.16, g.mouth_y + 40),
                   (cx + side * fw * 1.3, g.cy + 40), (cx + side * fw * 1.22, g.top + 40)]
            canvas.drawPath(smooth_path(pts), fill)
        canvas.drawArc(skia.Rect(cx - fw * 0.9, g.top - 10, cx + fw * 0.5, g.top + 90), 200, 60, False, sheen)
        return
    if style == "bob":
        # A fringe swept from a side parting: long over one brow, lifting towards the parting.
        pts = [(cx - fw * 1.12, g.eye_y + 20), (cx - fw * 1.1, g.top + 30), (cx + fw * 0.3, g.top - 20),
               (cx + fw * 1.1, g.top + 30), (cx + fw * 1.12, g.eye_y + 20), (cx + fw * 0.88, g.brow_y - 20),
               (cx + fw * 0.36, g.top + g.fh * 0.26), (cx - fw * 0.3, g.brow_y - 16), (cx - fw * 0.9, g.brow_y - 6)]
        canvas.drawPath(smooth_path(pts), fill)
        strand = _stroke(shade(look.hair_color, 0.72), 2.2, 0.5)
        for k in range(3):
            path = skia.Path()
            path.moveTo(cx + fw * (0.3 - k * 0.05), g.top + 2 + k * 6)
            path.quadTo(cx - fw * (0.2 + k * 0.2), g.top + 40 + k * 8, cx - fw * (0.55 + k * 0.18), g.brow_y - 10 + k * 4)
            canvas.drawPath(path, strand)
        canvas.drawArc(skia.Rect(cx - fw * 0.8, g.top - 8, cx + fw * 0.7, g.top + 70), 205, 55, False, sheen)
        return
    if style == "pixie":
        canvas.drawPath(_hair_cap(g, g.brow_y - 22, 14, part=0.3), fill)
        sweep = [(cx + fw * 0.6, g.top + 10), (cx - fw * 0.2, g.brow_y - 30), (cx - fw * 0.85, g.brow_y - 4),
                 (cx - fw * 0.4, g.brow_y - 26)]
        canvas.drawPath(smooth_path(sweep), fill)
        return
    volume = {"short": 18, "side_part": 22, "bun": 10}.get(style, 18)
    part = {"side_part": -0.45, "short": 0.15}.get(style, 0.0)
    hairline = g.top + g.fh * (0.30 if style != "bun" else 0.32)
    canvas.drawPath(_hair_cap(g, hairline, volume, part=part), fill)
    if style == "side_part":
        swoop = [(cx - fw * 0.45, g.top - 14), (cx + fw * 0.95, g.top + 20), (cx + fw * 1.02, hairline + 18),
                 (cx + fw * 0.4, hairline - 4)]
        canvas.drawPath(smooth_path(swoop), fill)
    canvas.drawArc(skia.Rect(cx - fw * 0.7, g.top - volume + 4, cx + fw * 0.6, g.top + 60), 210, 50, False, sheen)


# ---------------------------------------------------------------------------------------------- face


def draw_ears(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    skin = look.skin
    for side in (-1, 1):
        x = g.cx + side * g.fw * 0.97
        rect = skia.Rect(x - 13, g.eye_y - 8, x + 13, g.eye_y + 40)
        canvas.drawOval(rect, _fill(shade(skin, 0.93)))
        canvas.drawArc(skia.Rect(x - 7, g.eye_y, x + 7, g.eye_y + 30), 270 - side * 60, side * 120, False,
                       _stroke(shade(skin, 0.75), 2.5, 0.7))
        if look.earrings:
            canvas.drawCircle(x + side * 1, g.eye_y + 44, 5.5, _fill((226, 186, 90)))
            canvas.drawCircle(x + side * 0 - 1.5, g.eye_y + 42.5, 1.8, _fill((255, 240, 200)))


def draw_neck(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    half = 33 if look.feminine else 39
    top = g.cy + g.fh * 0.55
    path = skia.Path()
    path.moveTo(g.cx - half, top)
    path.lineTo(g.cx + half, top)
    path.cubicTo(g.cx + half, 500, g.cx + half + 6, 560, g.cx + half + 22, 600)
    path.lineTo(g.cx - half - 22, 600)
    path.cubicTo(g.cx - half - 6, 560, g.cx - half, 500, g.cx - half, top)
    path.close()
    canvas.drawPath(path, _linear(shade(look.skin, 0.86), shade(look.skin, 0.95), (g.cx, top), (g.cx, 600)))
    # The chin's shadow on the neck.
    canvas.drawOval(skia.Rect(g.cx - half - 4, g.chin_y - 26, g.cx + half + 4, g.chin_y + 22),
                    _soft(shade(look.skin, 0.55), 0.55, 7))


def draw_face(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    """Face fill, cheeks, nose, brows, age lines and open eyes (no mouth: that is a patch)."""
    skin = look.skin
    path = face_path(g)
    canvas.drawPath(path, _linear(shade(skin, 1.06), shade(skin, 0.93), (g.cx - g.fw, g.top),
                                  (g.cx + g.fw, g.chin_y)))
    canvas.save()
    canvas.clipPath(path, doAntiAlias=True)
    # Soft side shading gives the flat face some volume.
    canvas.drawOval(skia.Rect(g.cx + g.fw * 0.55, g.top, g.cx + g.fw * 1.5, g.chin_y), _soft(shade(skin, 0.8), 0.35, 18))
    if look.facial_hair == "stubble":
        lower = skia.Rect(g.cx - g.fw * 1.2, g.mouth_y - 42, g.cx + g.fw * 1.2, g.chin_y + 20)
        canvas.drawOval(lower, _soft(mix(skin, look.hair_color, 0.55), 0.35, 6))
    canvas.restore()
    for side in (-1, 1):  # cheeks
        canvas.drawCircle(g.cx + side * g.fw * 0.58, g.cy + g.fh * 0.3, g.fw * 0.22,
                          _soft(mix(skin, (225, 110, 110), 0.45), 0.22 if look.feminine else 0.12, 10))
    # Nose: a soft bridge shadow and the curve under the tip.
    nose_y = g.cy + g.fh * 0.30
    canvas.drawLine(g.cx + 5, g.eye_y + 14, g.cx + 8, nose_y - 8, _stroke(shade(skin, 0.86), 4, 0.5))
    nose = skia.Path()
    nose.moveTo(g.cx - 11, nose_y - 2)
    nose.quadTo(g.cx, nose_y + 9, g.cx + 11, nose_y - 2)
    canvas.drawPath(nose, _stroke(shade(skin, 0.68), 3.6))
    if look.age_lines >= 1:
        for side in (-1, 1):  # smile lines
            line = skia.Path()
            line.moveTo(g.cx + side * 18, nose_y + 2)
            line.quadTo(g.cx + side * 34, g.mouth_y - 12, g.cx + side * 31, g.mouth_y + 10)
            canvas.drawPath(line, _stroke(shade(skin, 0.72), 2.2, 0.45 if look.age_lines == 1 else 0.75))
    if look.age_lines >= 2:
        for k in range(2):  # forehead
            y = g.brow_y - 20 - k * 11
            canvas.drawArc(skia.Rect(g.cx - 36 + k * 6, y, g.cx + 36 - k * 6, y + 14), 200, 140, False,
                           _stroke(shade(skin, 0.75), 2.0, 0.6))
        for side in (-1, 1):  # under-eye
            x = g.cx + side * g.eye_dx
            canvas.drawArc(skia.Rect(x - 14, g.eye_y + 4, x + 14, g.eye_y + 18), 30, 120, False,
                           _stroke(shade(skin, 0.75), 1.8, 0.55))
    draw_eyes_open(canvas, look, g)
    draw_brows(canvas, look, g)
    if look.facial_hair in ("beard", "goatee"):
        draw_facial_hair(canvas, look, g)


def _eye_path(x: float, y: float, w: float, h: float) -> skia.Path:
    path = skia.Path()
    path.moveTo(x - w, y + 1)
    path.cubicTo(x - w * 0.5, y - h * 1.25, x + w * 0.55, y - h * 1.25, x + w, y - 1)
    path.cubicTo(x + w * 0.5, y + h * 1.05, x - w * 0.5, y + h * 1.05, x - w, y + 1)
    path.close()
    return path


def _eye_dims(look: AvatarLook) -> tuple[float, float]:
    return 15.5 * look.eye_size, 9.5 * look.eye_size


def draw_eyes_open(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    w, h = _eye_dims(look)
    for side in (-1, 1):
        x = g.cx + side * g.eye_dx
        y = g.eye_y
        eye = _eye_path(x, y, w, h)
        canvas.drawPath(eye, _fill((250, 248, 245)))
        canvas.save()
        canvas.clipPath(eye, doAntiAlias=True)
        iris_r = h * 0.95
        canvas.drawCircle(x + side * 0.5, y, iris_r, _linear(shade(look.eye_color, 1.2), shade(look.eye_color, 0.7),
                                                              (x, y - iris_r), (x, y + iris_r)))
        canvas.drawCircle(x + side * 0.5, y, iris_r * 0.48, _fill((20, 16, 14)))
        canvas.drawCircle(x + side * 0.5 + 3, y - 3, iris_r * 0.26, _fill((255, 255, 255), 0.95))
        # The upper lid casts a shadow on the eyeball.
        canvas.drawRect(skia.Rect(x - w, y - h * 2, x + w, y - h * 0.75), _soft((60, 40, 30), 0.25, 2))
        canvas.restore()
        lid = skia.Path()
        lid.moveTo(x - w - 1, y + 1)
        lid.cubicTo(x - w * 0.5, y - h * 1.28, x + w * 0.55, y - h * 1.28, x + w + 1, y - 1)
        canvas.drawPath(lid, _stroke((38, 28, 24), 3.4 if look.feminine else 2.8))
        if look.feminine:
            canvas.drawLine(x + side * (w + 0.5), y - 1.5, x + side * (w + 6), y - 6, _stroke((38, 28, 24), 2.6))
        crease = skia.Path()
        crease.moveTo(x - w * 0.8, y - h * 1.25)
        crease.quadTo(x, y - h * 2.1, x + w * 0.85, y - h * 1.2)
        canvas.drawPath(crease, _stroke(shade(look.skin, 0.78), 1.6, 0.6))


def draw_eyelids(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry, closure: float) -> None:
    """Eyelids lowered by `closure` (0 open .. 1 shut), drawn over open eyes."""
    if closure <= 0.0:
        return
    w, h = _eye_dims(look)
    lid_skin = shade(look.skin, 0.96)
    for side in (-1, 1):
        x = g.cx + side * g.eye_dx
        y = g.eye_y
        top = y - h * 1.3
        edge = top + (h * 2.2) * closure
        canvas.save()
        canvas.clipPath(_eye_path(x, y, w + 1.5, h + 1.5), doAntiAlias=True)
        canvas.drawRect(skia.Rect(x - w - 3, top - 4, x + w + 3, edge), _fill(lid_skin))
        canvas.restore()
        lash = skia.Path()
        sag = 2.0 + 4.0 * closure
        lash.moveTo(x - w - 1, y + 1 - (1 - closure) * h * 0.6)
        lash.quadTo(x, min(edge, y + h) + sag * 0.6, x + w + 1, y - 1 - (1 - closure) * h * 0.6)
        canvas.drawPath(lash, _stroke((38, 28, 24), 3.0))


def draw_brows(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    colour = shade(look.hair_color, 0.85) if look.hair_style not in ("bald",) else shade(look.skin, 0.5)
    if look.hair_color[0] > 150 and look.age_lines >= 2:
        colour = shade(look.hair_color, 0.75)
    width = 4.6 * look.brow_weight
    for side in (-1, 1):
        x = g.cx + side * g.eye_dx
        brow = skia.Path()
        brow.moveTo(x - side * 17, g.brow_y + 5)
        brow.quadTo(x + side * 2, g.brow_y - 5, x + side * 20, g.brow_y + 3)
        canvas.drawPath(brow, _stroke(colour, width))


def draw_facial_hair(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    colour = shade(look.hair_color, 0.95)
    fill = _fill(colour)
    my = g.mouth_y
    if look.facial_hair == "beard":
        pts = [(g.cx - g.fw * 0.98, g.cy + 8), (g.cx - g.fw * 0.93, g.cy + g.fh * 0.5),
               (g.cx - g.chin * 1.2, g.chin_y + 4), (g.cx, g.chin_y + 16), (g.cx + g.chin * 1.2, g.chin_y + 4),
               (g.cx + g.fw * 0.93, g.cy + g.fh * 0.5), (g.cx + g.fw * 0.98, g.cy + 8),
               (g.cx + g.fw * 0.72, g.cy + g.fh * 0.35), (g.cx + 30, my + 24), (g.cx, my + 28),
               (g.cx - 30, my + 24), (g.cx - g.fw * 0.72, g.cy + g.fh * 0.35)]
        canvas.drawPath(smooth_path(pts), fill)
    if look.facial_hair == "goatee":
        pts = [(g.cx - 22, my + 20), (g.cx, my + 14), (g.cx + 22, my + 20), (g.cx + 16, g.chin_y + 4),
               (g.cx, g.chin_y + 10), (g.cx - 16, g.chin_y + 4)]
        canvas.drawPath(smooth_path(pts), fill)


def draw_mustache(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    """The moustache every bearded style carries (drawn with the mouth so it sits over the lips)."""
    my = g.mouth_y - 7  # above the upper lip so open mouths stay visible
    fill = _fill(shade(look.hair_color, 0.95))
    stache = skia.Path()
    stache.moveTo(g.cx - 30, my + 2)
    stache.cubicTo(g.cx - 24, my - 20, g.cx - 6, my - 18, g.cx, my - 12)
    stache.cubicTo(g.cx + 6, my - 18, g.cx + 24, my - 20, g.cx + 30, my + 2)
    stache.cubicTo(g.cx + 18, my - 8, g.cx - 18, my - 8, g.cx - 30, my + 2)
    stache.close()
    canvas.drawPath(stache, fill)


def draw_glasses(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    """Frames over the eyes; drawn after the eyelid patch so blinks stay behind the lenses."""
    if look.glasses == "none":
        return
    frame = _stroke(look.glasses_color, 4.2)
    w, h = 25.0, 19.0
    for side in (-1, 1):
        x = g.cx + side * g.eye_dx
        if look.glasses == "round":
            rect = skia.Rect(x - w + 2, g.eye_y - h - 1, x + w - 2, g.eye_y + h + 1)
            canvas.drawOval(rect, frame)
        else:
            lift = 5.0 if look.glasses == "cateye" else 0.0
            path = skia.Path()
            path.addRRect(skia.RRect.MakeRectXY(skia.Rect(x - w, g.eye_y - h + 3, x + w, g.eye_y + h - 2), 9, 9))
            canvas.drawPath(path, frame)
            if lift:
                canvas.drawLine(x + side * (w - 6), g.eye_y - h + 3, x + side * (w + 4), g.eye_y - h - lift, frame)
        canvas.drawLine(x + side * w - side * 2, g.eye_y - 4, g.cx + side * g.fw * 0.98, g.eye_y - 8, frame)
    bridge = skia.Path()
    bridge.moveTo(g.cx - g.eye_dx + w - 2, g.eye_y - 4)
    bridge.quadTo(g.cx, g.eye_y - 12, g.cx + g.eye_dx - w + 2, g.eye_y - 4)
    canvas.drawPath(bridge, frame)


# --------------------------------------------------------------------------------------------- mouth


@dataclass(frozen=True)
class MouthShape:
    """A drawable mouth: half width, opening height, rounding, teeth and tongue visibility (bust units)."""

    width: float
    opening: float
    round: float
    upper_teeth: float
    lower_teeth: float
    tongue: float
    press: float  # lips pressed together (thicker, flatter)
    lip_bite: float  # lower lip tucked under the upper teeth (f, v)


# Per viseme: (half width, full opening, rounding, upper teeth, lower teeth, tongue, press, lip bite)
_VISEMES: dict[Viseme, tuple[float, ...]] = {
    Viseme.REST: (25, 0, 0, 0, 0, 0, 0, 0),
    Viseme.MBP: (23, 0, 0, 0, 0, 0, 1, 0),
    Viseme.FV: (25, 7, 0, 1, 0, 0, 0, 1),
    Viseme.L: (23, 17, 0.1, 0.9, 0.3, 1, 0, 0),
    Viseme.WQ: (12, 11, 1, 0, 0, 0, 0, 0),
    Viseme.U: (15, 16, 0.85, 0, 0, 0.3, 0, 0),
    Viseme.O: (19, 25, 0.7, 0.3, 0, 0.4, 0, 0),
    Viseme.AI: (27, 30, 0.15, 1, 0.4, 0.7, 0, 0),
    Viseme.E: (30, 15, 0, 1, 0.9, 0.2, 0, 0),
    Viseme.ETC: (24, 15, 0.2, 0.8, 0.2, 0.5, 0, 0),
}


def viseme_shape(viseme: Viseme, openness: float) -> MouthShape:
    """The mouth for a viseme at a jaw openness (0..1); closed shapes stay closed."""
    w, h, r, ut, lt, tg, press, bite = _VISEMES[viseme]
    scale = 0.0 if openness <= 0.02 else 0.35 + 0.65 * min(1.0, openness)
    return MouthShape(w, h * scale, r, ut, lt, tg, press, bite)


def blend_shapes(a: MouthShape, b: MouthShape, t: float) -> MouthShape:
    """Interpolate two mouths (t=0 -> a)."""
    return MouthShape(*(x + (y - x) * t for x, y in zip(a.__dict__.values(), b.__dict__.values())))


def mouth_for_frame(frame: MouthFrame) -> MouthShape:
    """The drawable mouth of one MouthFrame, blends included."""
    shape = viseme_shape(frame.shape, frame.openness)
    if frame.next_shape is not None and frame.blend > 0:
        shape = blend_shapes(shape, viseme_shape(frame.next_shape, frame.openness), frame.blend)
    return shape


def quantize(shape: MouthShape) -> MouthShape:
    """Round a mouth to a grid so sprites can be cached (a few hundred distinct mouths at most)."""
    return MouthShape(round(shape.width), round(shape.opening * 2) / 2, round(shape.round * 5) / 5,
                      round(shape.upper_teeth * 4) / 4, round(shape.lower_teeth * 4) / 4,
                      round(shape.tongue * 4) / 4, round(shape.press * 4) / 4, round(shape.lip_bite * 4) / 4)


def draw_mouth(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry, m: MouthShape) -> None:
    """Lips, and when open the inner mouth with teeth and tongue."""
    cx, my = g.cx, g.mouth_y
    lip = look.lip_color
    w = m.width
    h = m.opening
    if h < 1.5:
        # Closed: a gentle smile line with soft upper and lower lips.
        thick = 3.0 + 2.0 * m.press
        lower = skia.Path()
        lower.moveTo(cx - w, my - 1)
        lower.cubicTo(cx - w * 0.5, my + 9 + m.press * 2, cx + w * 0.5, my + 9 + m.press * 2, cx + w, my - 1)
        lower.quadTo(cx, my + 3, cx - w, my - 1)
        canvas.drawPath(lower, _fill(shade(lip, 1.08), 0.9))
        upper = skia.Path()
        upper.moveTo(cx - w, my - 1)
        upper.cubicTo(cx - w * 0.55, my - 7, cx - 5, my - 8, cx, my - 5)
        upper.cubicTo(cx + 5, my - 8, cx + w * 0.55, my - 7, cx + w, my - 1)
        upper.quadTo(cx, my + 3, cx - w, my - 1)
        canvas.drawPath(upper, _fill(lip, 0.95))
        line = skia.Path()
        line.moveTo(cx - w - 1, my - 2)
        line.quadTo(cx, my + 3.5 + m.press, cx + w + 1, my - 2)
        canvas.drawPath(line, _stroke(shade(lip, 0.45), thick * 0.7))
        return
    top = my - h * 0.35
    bottom = my + h * 0.65
    r = m.round
    inner = skia.Path()
    # Corners are pointed for spread shapes and rounded for o/u shapes.
    inner.moveTo(cx - w, my)
    inner.cubicTo(cx - w * (1 - r * 0.1), top - r * h * 0.1, cx - w * 0.45, top, cx, top)
    inner.cubicTo(cx + w * 0.45, top, cx + w * (1 - r * 0.1), top - r * h * 0.1, cx + w, my)
    inner.cubicTo(cx + w * (1 - r * 0.05), bottom * 0.5 + my * 0.5 + r * h * 0.3, cx + w * 0.5, bottom, cx, bottom)
    inner.cubicTo(cx - w * 0.5, bottom, cx - w * (1 - r * 0.05), bottom * 0.5 + my * 0.5 + r * h * 0.3, cx - w, my)
    inner.close()
    canvas.drawPath(inner, _fill((74, 28, 34)))
    canvas.save()
    canvas.clipPath(inner, doAntiAlias=True)
    if m.tongue > 0:
        canvas.drawOval(skia.Rect(cx - w * 0.6, bottom - h * 0.45 * m.tongue - 2, cx + w * 0.6, bottom + h * 0.4),
                        _fill((206, 96, 104)))
    teeth = _fill((252, 250, 246))
    if m.upper_teeth > 0:
        canvas.drawRect(skia.Rect(cx - w * 0.8, top - 2, cx + w * 0.8, top + min(7.5, h * 0.45) * m.upper_teeth), teeth)
    if m.lower_teeth > 0:
        canvas.drawRect(skia.Rect(cx - w * 0.7, bottom - min(6.0, h * 0.35) * m.lower_teeth, cx + w * 0.7,
                                  bottom + 2), teeth)
    canvas.restore()
    lip_w = 5.5 - 1.5 * r
    canvas.drawPath(inner, _stroke(lip, lip_w))
    if m.lip_bite > 0:
        # The lower lip tucks under the upper teeth.
        canvas.drawArc(skia.Rect(cx - w * 0.75, top, cx + w * 0.75, bottom + 4), 15, 150, False,
                       _stroke(shade(lip, 1.05), 5.0 * m.lip_bite))


# ---------------------------------------------------------------------------------------------- body


def draw_body(canvas: skia.Canvas, look: AvatarLook) -> None:
    """Shoulders and clothes (static; the head moves above them)."""
    cx = FACE_CX
    col = look.outfit_color
    acc = look.accent_color
    neck_half = 37 if look.feminine else 43
    shoulder_y = 572.0
    canvas.save()
    canvas.translate(0, -14)  # a shorter neck: the collar sits close under the chin
    body = skia.Path()
    body.moveTo(cx - neck_half - 14, 530)
    body.cubicTo(cx - 120, 548, cx - 205, 556, cx - 238, 600)
    body.cubicTo(cx - 262, 632, cx - 272, 680, cx - 276, BUST_H + 10)
    body.lineTo(cx - 282, TORSO_BOTTOM)
    body.lineTo(cx + 282, TORSO_BOTTOM)
    body.lineTo(cx + 276, BUST_H + 10)
    body.cubicTo(cx + 272, 680, cx + 262, 632, cx + 238, 600)
    body.cubicTo(cx + 205, 556, cx + 120, 548, cx + neck_half + 14, 530)
    body.close()
    # Soft shadow the body casts behind itself gives the bust depth against the scene.
    canvas.drawPath(body, _soft((0, 0, 0), 0.18, 14))
    canvas.drawPath(body, _linear(shade(col, 1.12), shade(col, 0.82), (cx - 200, 540), (cx + 220, BUST_H)))
    # Light falls from above: the torso darkens towards the bottom.
    dusk = skia.Paint(AntiAlias=True)
    dusk.setShader(skia.GradientShader.MakeLinear([skia.Point(cx, 700), skia.Point(cx, 1150)],
                                                  [skia.Color(0, 0, 0, 0), skia.Color(0, 0, 0, 110)]))
    canvas.save()
    canvas.clipPath(body, doAntiAlias=True)
    canvas.drawRect(skia.Rect(cx - 300, 640, cx + 300, TORSO_BOTTOM), dusk)
    canvas.restore()
    outfit = look.outfit
    if outfit in ("suit", "blazer"):
        shirt = acc if outfit == "blazer" else (244, 244, 240)
        v = skia.Path()
        v.moveTo(cx - neck_half - 12, 528)
        v.lineTo(cx + neck_half + 12, 528)
        v.lineTo(cx + 4, 690)
        v.lineTo(cx - 4, 690)
        v.close()
        canvas.drawPath(v, _fill(shirt))
        if outfit == "suit":
            collar_l = skia.Path()
            collar_l.moveTo(cx - neck_half - 10, 526)
            collar_l.lineTo(cx - 4, 584)
            collar_l.lineTo(cx - neck_half + 2, 592)
            collar_l.close()
            canvas.drawPath(collar_l, _fill(shade(shirt, 0.92)))
            collar_r = skia.Path()
            collar_r.moveTo(cx + neck_half + 10, 526)
            collar_r.lineTo(cx + 4, 584)
            collar_r.lineTo(cx + neck_half - 2, 592)
            collar_r.close()
            canvas.drawPath(collar_r, _fill(shade(shirt, 0.92)))
            tie = skia.Path()
            tie.moveTo(cx - 9, 578)
            tie.lineTo(cx + 9, 578)
            tie.lineTo(cx + 15, 680)
            tie.lineTo(cx, 700)
            tie.lineTo(cx - 15, 680)
            tie.close()
            canvas.drawPath(tie, _linear(shade(acc, 1.1), shade(acc, 0.8), (cx, 578), (cx, 700)))
            canvas.drawRect(skia.Rect(cx - 10, 570, cx + 10, 586), _fill(shade(acc, 0.9)))
        for side in (-1, 1):  # lapels
            lapel = skia.Path()
            lapel.moveTo(cx + side * (neck_half + 14), 530)
            lapel.lineTo(cx + side * (neck_half + 40), 590)
            lapel.lineTo(cx + side * (neck_half + 24), 606)
            lapel.lineTo(cx + side * 6, 700)
            lapel.lineTo(cx + side * 2, 700)
            lapel.lineTo(cx + side * (neck_half + 4), 532)
            lapel.close()
            canvas.drawPath(lapel, _fill(shade(col, 0.9)))
            canvas.drawPath(lapel, _stroke(shade(col, 0.7), 2.0, 0.7))
        if outfit == "blazer" and look.feminine:
            canvas.drawArc(skia.Rect(cx - 34, 520, cx + 34, 600), 20, 140, False, _stroke((232, 205, 140), 2.5))
            canvas.drawCircle(cx, 600, 5, _fill((236, 214, 160)))
    elif outfit == "hoodie":
        for side in (-1, 1):
            hood = skia.Path()
            hood.moveTo(cx + side * (neck_half + 4), 520)
            hood.cubicTo(cx + side * (neck_half + 60), 520, cx + side * (neck_half + 70), 580,
                         cx + side * 20, 608)
            hood.lineTo(cx + side * (neck_half - 4), 560)
            hood.close()
            canvas.drawPath(hood, _fill(shade(col, 0.88)))
            canvas.drawLine(cx + side * 14, 600, cx + side * 16, 670, _stroke(acc, 3.5))
            canvas.drawCircle(cx + side * 16, 672, 4, _fill(shade(acc, 0.85)))
    elif outfit in ("shirt", "cardigan"):
        inner = acc if outfit == "cardigan" else col
        if outfit == "cardigan":
            v = skia.Path()
            v.moveTo(cx - neck_half - 30, 536)
            v.lineTo(cx + neck_half + 30, 536)
            v.lineTo(cx + 10, 720)
            v.lineTo(cx - 10, 720)
            v.close()
            canvas.drawPath(v, _fill(inner))
            canvas.drawArc(skia.Rect(cx - neck_half - 8, 510, cx + neck_half + 8, 566), 0, 180, False,
                           _stroke(shade(inner, 0.8), 5))
            for y in (620, 670):
                canvas.drawCircle(cx + 14, y, 3.5, _fill(shade(col, 0.7)))
        for side in (-1, 1):  # open collar
            collar = skia.Path()
            collar.moveTo(cx + side * (neck_half + 2), 524)
            collar.lineTo(cx + side * (neck_half + 36), 548)
            collar.lineTo(cx + side * 4, 600)
            collar.close()
            canvas.drawPath(collar, _fill(shade(inner if outfit == "shirt" else col, 1.08)))
            canvas.drawPath(collar, _stroke(shade(inner if outfit == "shirt" else col, 0.75), 1.5, 0.6))
        if outfit == "shirt":
            opening = skia.Path()
            opening.moveTo(cx - neck_half + 2, 528)
            opening.lineTo(cx + neck_half - 2, 528)
            opening.lineTo(cx, 598)
            opening.close()
            canvas.drawPath(opening, _fill(shade(look.skin, 0.92)))
            canvas.drawLine(cx, 600, cx, 720, _stroke(shade(col, 0.75), 2))
            for y in (630, 680):
                canvas.drawCircle(cx + 5, y, 3, _fill(shade(col, 0.7)))
    else:  # tshirt, sweater, blouse: a round neckline
        depth = 26 if outfit != "blouse" else 44
        neckline = skia.Path()
        neckline.moveTo(cx - neck_half - 12, 530)
        neckline.quadTo(cx, 530 + depth * 2, cx + neck_half + 12, 530)
        neckline.close()
        canvas.drawPath(neckline, _fill(shade(look.skin, 0.9)))
        rib = _stroke(shade(col, 0.8) if outfit != "blouse" else acc, 7 if outfit == "sweater" else 5)
        canvas.drawPath(_open_curve(cx - neck_half - 12, 530, cx, 530 + depth * 2, cx + neck_half + 12, 530), rib)
        if outfit == "blouse":
            canvas.drawCircle(cx, 530 + depth - 6, 4.5, _fill((240, 230, 210)))
    # Shoulder seams and a fold keep the flat shape from looking like a cut-out.
    for side in (-1, 1):
        canvas.drawArc(skia.Rect(cx + side * 210 - 40, shoulder_y + 10, cx + side * 210 + 40, shoulder_y + 150),
                       180 if side < 0 else 270, 90, False, _stroke(shade(col, 0.78), 2.0, 0.5))
    canvas.restore()


def _open_curve(x0: float, y0: float, xc: float, yc: float, x1: float, y1: float) -> skia.Path:
    path = skia.Path()
    path.moveTo(x0, y0)
    path.quadTo(xc, yc, x1, y1)
    return path


# ---------------------------------------------------------------------------------------------- sprites


def _surface(width: int, height: int) -> tuple[np.ndarray, skia.Surface]:
    pixels = np.zeros((height, width, 4), np.uint8)
    return pixels, skia.Surface(pixels, colorType=skia.kRGBA_8888_ColorType, alphaType=skia.kPremul_AlphaType)


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
        x0 = math.floor((HEAD_BOX[0] - margin) * s)
        y0 = math.floor((HEAD_BOX[1] - margin) * s)
        x1 = math.ceil((HEAD_BOX[2] + margin) * s)
        y1 = math.ceil((HEAD_BOX[3] + margin) * s)
        pixels, surface = _surface(x1 - x0, y1 - y0)
        canvas = surface.getCanvas()
        canvas.translate(-x0, -y0)
        canvas.scale(s, s)
        canvas.rotate(step * ANGLE_STEP, *NECK_PIVOT)
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
        """Draw the mouth and eyelids on a canvas already in (tilted) bust units.

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


REST_MOUTH = viseme_shape(Viseme.REST, 0.0)
# A closed, slightly wider mouth reads as a friendly resting smile on covers and idle clips.
SMILE_MOUTH = MouthShape(27, 0, 0, 0, 0, 0, 0, 0)
