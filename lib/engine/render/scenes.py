"""Scene backgrounds for the seven avatar scenes, drawn once per render in frame pixels.

Each scene is flat vector art with gradients; it is softly blurred like a shallow depth of field so
the sharp avatar reads as the subject.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import skia

from lib.engine.render.look import Color, mix, shade
from lib.engine.render.paint import fill as _fill
from lib.engine.render.paint import skia_color as _c

SCENES = ("studio", "business", "news", "education", "health_fitness", "outdoors", "lifestyle")


def _vgrad(c0: Color, c1: Color, y0: float, y1: float) -> skia.Paint:
    paint = skia.Paint(AntiAlias=True)
    paint.setShader(skia.GradientShader.MakeLinear([skia.Point(0, y0), skia.Point(0, y1)], [_c(c0), _c(c1)]))
    return paint


def _radial(c0: Color, c1: Color, cx: float, cy: float, r: float, a0: float = 1.0, a1: float = 1.0) -> skia.Paint:
    paint = skia.Paint(AntiAlias=True)
    paint.setShader(skia.GradientShader.MakeRadial(skia.Point(cx, cy), r, [_c(c0, a0), _c(c1, a1)]))
    return paint


def _studio(canvas: skia.Canvas, w: float, h: float, accent: Color) -> None:
    base = mix(accent, (236, 240, 246), 0.72)
    canvas.drawRect(skia.Rect(0, 0, w, h), _vgrad(shade(base, 1.08), shade(base, 0.86), 0, h))
    # A soft key light behind the subject.
    canvas.drawRect(skia.Rect(0, 0, w, h), _radial((255, 255, 255), base, w * 0.5, h * 0.38, max(w, h) * 0.55,
                                                   0.55, 0.0))
    canvas.drawRect(skia.Rect(0, 0, w, h), _radial(base, shade(base, 0.6), w * 0.5, h * 0.45, max(w, h) * 0.85,
                                                   0.0, 0.45))


def _business(canvas: skia.Canvas, w: float, h: float, accent: Color) -> None:
    wall = (226, 222, 214)
    canvas.drawRect(skia.Rect(0, 0, w, h), _vgrad(shade(wall, 1.04), shade(wall, 0.9), 0, h))
    # A wide window onto a city skyline.
    win = skia.Rect(w * 0.06, h * 0.1, w * 0.94, h * 0.62)
    canvas.drawRect(win, _vgrad((160, 196, 226), (222, 234, 242), win.top(), win.bottom()))
    rng = np.random.default_rng(7)
    x = win.left()
    while x < win.right():
        bw = w * (0.05 + 0.06 * rng.random())
        bh = (win.height()) * (0.25 + 0.5 * rng.random())
        canvas.drawRect(skia.Rect(x, win.bottom() - bh, min(x + bw, win.right()), win.bottom()),
                        _fill(mix((120, 142, 168), (176, 196, 214), rng.random()), 0.9))
        x += bw + w * 0.008
    frame = skia.Paint(AntiAlias=True, Color=_c((70, 74, 82)), Style=skia.Paint.kStroke_Style,
                       StrokeWidth=max(4.0, w * 0.012))
    canvas.drawRect(win, frame)
    for k in range(1, 3):
        xm = win.left() + win.width() * k / 3
        canvas.drawLine(xm, win.top(), xm, win.bottom(), frame)
    # Desk line, a plant and a shelf.
    canvas.drawRect(skia.Rect(0, h * 0.72, w, h), _vgrad((120, 92, 70), (84, 62, 48), h * 0.72, h))
    pot_x = w * 0.86
    canvas.drawRect(skia.Rect(pot_x - w * 0.04, h * 0.62, pot_x + w * 0.04, h * 0.72), _fill((210, 200, 186)))
    for k in range(7):
        a = math.radians(-150 + k * 20)
        canvas.drawOval(skia.Rect(pot_x + math.cos(a) * w * 0.05 - w * 0.025, h * 0.52 + math.sin(a) * h * 0.06,
                                  pot_x + math.cos(a) * w * 0.05 + w * 0.025, h * 0.62 + math.sin(a) * h * 0.04),
                        _fill((64 + k * 6, 124 + k * 4, 84)))
    canvas.drawRect(skia.Rect(0, 0, w, h), _radial(accent, accent, w * 0.1, h * 0.9, w * 0.8, 0.10, 0.0))


def _news(canvas: skia.Canvas, w: float, h: float, accent: Color) -> None:
    deep = mix(accent, (16, 34, 74), 0.7)
    canvas.drawRect(skia.Rect(0, 0, w, h), _vgrad(shade(deep, 1.25), shade(deep, 0.55), 0, h))
    grid = skia.Paint(AntiAlias=True, Color=_c((140, 190, 255), 0.12), Style=skia.Paint.kStroke_Style,
                      StrokeWidth=max(1.5, w * 0.002))
    cx, cy = w * 0.5, h * 0.42
    for k in range(1, 9):  # globe rings
        r = min(w, h) * 0.06 * k
        canvas.drawOval(skia.Rect(cx - r, cy - r * 0.55, cx + r, cy + r * 0.55), grid)
    for k in range(-6, 7):
        canvas.drawLine(cx + k * w * 0.08, 0, cx + k * w * 0.16, h, grid)
    # Light bars.
    for k, y in enumerate((0.16, 0.24)):
        canvas.drawRect(skia.Rect(0, h * y, w, h * y + h * 0.008), _fill((120, 200, 255), 0.18 - k * 0.06))
    canvas.drawRect(skia.Rect(0, h * 0.78, w, h), _vgrad((30, 40, 60), (12, 16, 28), h * 0.78, h))
    canvas.drawRect(skia.Rect(0, h * 0.78, w, h * 0.786), _fill(shade(accent, 1.3), 0.9))


def _education(canvas: skia.Canvas, w: float, h: float, accent: Color) -> None:
    wall = (236, 226, 204)
    canvas.drawRect(skia.Rect(0, 0, w, h), _vgrad(wall, shade(wall, 0.9), 0, h))
    board = skia.Rect(w * 0.05, h * 0.08, w * 0.95, h * 0.6)
    canvas.drawRRect(skia.RRect.MakeRectXY(board.makeOutset(w * 0.015, w * 0.015), 8, 8), _fill((150, 108, 70)))
    canvas.drawRect(board, _vgrad((52, 96, 78), (38, 74, 60), board.top(), board.bottom()))
    chalk = skia.Paint(AntiAlias=True, Color=_c((240, 240, 230), 0.55), Style=skia.Paint.kStroke_Style,
                       StrokeWidth=max(2.0, w * 0.004), StrokeCap=skia.Paint.kRound_Cap)
    # Chalk doodles: a curve on axes, a triangle, a few "lines of text".
    ox, oy = board.left() + board.width() * 0.1, board.bottom() - board.height() * 0.15
    canvas.drawLine(ox, oy, ox + board.width() * 0.25, oy, chalk)
    canvas.drawLine(ox, oy, ox, oy - board.height() * 0.5, chalk)
    curve = skia.Path()
    curve.moveTo(ox, oy - 4)
    curve.cubicTo(ox + board.width() * 0.1, oy - 10, ox + board.width() * 0.12, oy - board.height() * 0.45,
                  ox + board.width() * 0.24, oy - board.height() * 0.42)
    canvas.drawPath(curve, chalk)
    tx = board.right() - board.width() * 0.3
    for k in range(4):
        y = board.top() + board.height() * (0.18 + 0.14 * k)
        canvas.drawLine(tx, y, tx + board.width() * (0.18 - 0.03 * (k % 2)), y, chalk)
    tri = skia.Path()
    tri.moveTo(board.left() + board.width() * 0.5, board.top() + board.height() * 0.15)
    tri.lineTo(board.left() + board.width() * 0.42, board.top() + board.height() * 0.4)
    tri.lineTo(board.left() + board.width() * 0.58, board.top() + board.height() * 0.4)
    tri.close()
    canvas.drawPath(tri, chalk)
    canvas.drawRect(skia.Rect(board.left(), board.bottom(), board.right(), board.bottom() + h * 0.015),
                    _fill((170, 128, 88)))
    canvas.drawRect(skia.Rect(0, h * 0.78, w, h), _vgrad((190, 150, 110), (150, 112, 80), h * 0.78, h))


def _gym(canvas: skia.Canvas, w: float, h: float, accent: Color) -> None:
    wall = (232, 236, 238)
    canvas.drawRect(skia.Rect(0, 0, w, h), _vgrad(wall, shade(wall, 0.88), 0, h))
    stripe = mix(accent, (255, 120, 60), 0.5)
    for k, (y, t) in enumerate(((0.30, 0.05), (0.37, 0.02))):
        canvas.drawRect(skia.Rect(0, h * y, w, h * (y + t)), _fill(shade(stripe, 1.0 + 0.1 * k), 0.85))
    # Dumbbell rack.
    rack_y = h * 0.66
    canvas.drawRect(skia.Rect(w * 0.04, rack_y, w * 0.96, rack_y + h * 0.018), _fill((70, 74, 80)))
    n = 7
    for k in range(n):
        x = w * (0.1 + 0.8 * k / (n - 1))
        r = min(w, h) * (0.022 + 0.004 * (k % 3))
        for dx in (-r * 1.3, r * 1.3):
            canvas.drawCircle(x + dx, rack_y - r, r, _fill((46, 48, 54)))
        canvas.drawRect(skia.Rect(x - r * 1.3, rack_y - r - r * 0.2, x + r * 1.3, rack_y - r + r * 0.2),
                        _fill((150, 154, 160)))
    canvas.drawRect(skia.Rect(0, h * 0.76, w, h), _vgrad((60, 64, 72), (36, 38, 44), h * 0.76, h))
    canvas.drawRect(skia.Rect(0, 0, w, h), _radial((255, 255, 255), wall, w * 0.5, h * 0.1, w * 0.7, 0.4, 0.0))


def _outdoors(canvas: skia.Canvas, w: float, h: float, accent: Color) -> None:
    canvas.drawRect(skia.Rect(0, 0, w, h), _vgrad((120, 180, 232), (222, 238, 246), 0, h * 0.62))
    canvas.drawCircle(w * 0.8, h * 0.16, min(w, h) * 0.07, _fill((255, 246, 214)))
    canvas.drawCircle(w * 0.8, h * 0.16, min(w, h) * 0.16, _radial((255, 246, 214), (255, 246, 214), w * 0.8,
                                                                     h * 0.16, min(w, h) * 0.16, 0.5, 0.0))
    for k, (base_y, colour) in enumerate(((0.52, (136, 184, 140)), (0.6, (98, 156, 104)), (0.7, (70, 128, 80)))):
        hill = skia.Path()
        hill.moveTo(0, h)
        y0 = h * base_y
        hill.lineTo(0, y0)
        for i in range(1, 9):
            x = w * i / 8
            hill.quadTo(x - w / 16, y0 - h * 0.05 * math.sin(i * 1.7 + k * 2.1), x, y0 + h * 0.01 * math.cos(i + k))
        hill.lineTo(w, h)
        hill.close()
        canvas.drawPath(hill, _fill(colour))
    rng = np.random.default_rng(11)
    for _ in range(6):  # trees
        x = w * rng.random()
        y = h * (0.56 + 0.1 * rng.random())
        r = min(w, h) * (0.05 + 0.04 * rng.random())
        canvas.drawRect(skia.Rect(x - r * 0.12, y, x + r * 0.12, y + r * 1.5), _fill((96, 72, 54)))
        canvas.drawCircle(x, y, r, _fill((58 + int(rng.random() * 30), 118, 70)))
    canvas.drawRect(skia.Rect(0, h * 0.8, w, h), _vgrad((84, 140, 82), (60, 110, 62), h * 0.8, h))


def _lifestyle(canvas: skia.Canvas, w: float, h: float, accent: Color) -> None:
    wall = mix(accent, (238, 222, 204), 0.8)
    canvas.drawRect(skia.Rect(0, 0, w, h), _vgrad(shade(wall, 1.05), shade(wall, 0.88), 0, h))
    # Window with warm light.
    win = skia.Rect(w * 0.62, h * 0.08, w * 0.92, h * 0.5)
    canvas.drawRect(win, _vgrad((255, 244, 222), (250, 226, 190), win.top(), win.bottom()))
    bars = skia.Paint(AntiAlias=True, Color=_c((250, 250, 246)), Style=skia.Paint.kStroke_Style,
                      StrokeWidth=max(4.0, w * 0.01))
    canvas.drawRect(win, bars)
    canvas.drawLine(win.centerX(), win.top(), win.centerX(), win.bottom(), bars)
    canvas.drawLine(win.left(), win.centerY(), win.right(), win.centerY(), bars)
    # Framed picture and a floor lamp.
    pic = skia.Rect(w * 0.1, h * 0.14, w * 0.3, h * 0.3)
    canvas.drawRect(pic.makeOutset(6, 6), _fill((90, 70, 56)))
    canvas.drawRect(pic, _vgrad(mix(accent, (250, 200, 150), 0.4), mix(accent, (120, 160, 190), 0.5),
                                pic.top(), pic.bottom()))
    lamp_x = w * 0.12
    canvas.drawLine(lamp_x, h * 0.42, lamp_x, h * 0.8, skia.Paint(AntiAlias=True, Color=_c((60, 56, 52)),
                                                                   StrokeWidth=max(3.0, w * 0.006)))
    shade_path = skia.Path()
    shade_path.moveTo(lamp_x - w * 0.05, h * 0.43)
    shade_path.lineTo(lamp_x + w * 0.05, h * 0.43)
    shade_path.lineTo(lamp_x + w * 0.035, h * 0.36)
    shade_path.lineTo(lamp_x - w * 0.035, h * 0.36)
    shade_path.close()
    canvas.drawPath(shade_path, _fill((246, 232, 200)))
    canvas.drawCircle(lamp_x, h * 0.42, w * 0.14, _radial((255, 236, 190), wall, lamp_x, h * 0.42, w * 0.14, 0.5, 0.0))
    # Sofa back behind the subject.
    sofa = mix(accent, (120, 96, 84), 0.5)
    canvas.drawRRect(skia.RRect.MakeRectXY(skia.Rect(w * 0.08, h * 0.66, w * 0.92, h * 0.92), 24, 24),
                     _vgrad(shade(sofa, 1.1), shade(sofa, 0.85), h * 0.66, h * 0.92))
    canvas.drawRect(skia.Rect(0, h * 0.88, w, h), _vgrad((168, 130, 100), (136, 102, 78), h * 0.88, h))


_DRAW = {"studio": _studio, "business": _business, "news": _news, "education": _education,
         "health_fitness": _gym, "outdoors": _outdoors, "lifestyle": _lifestyle}


def draw_scene(canvas: skia.Canvas, scene: str, width: int, height: int, accent: Color,
               blur: float | None = None) -> None:
    """Paint `scene` into the (0, 0, width, height) area of `canvas`, softly blurred."""
    canvas.drawImage(scene_image(scene, width, height, tuple(accent), blur), 0, 0)


@lru_cache(maxsize=8)
def scene_image(scene: str, width: int, height: int, accent: Color, blur: float | None = None) -> skia.Image:
    """The blurred scene as an image, cached: a worker renders the same avatars' scenes many times and
    the blur is most of a scene's cost. Treat the result as read-only."""
    pixels = np.zeros((height, width, 4), np.uint8)
    surface = skia.Surface(pixels, colorType=skia.kRGBA_8888_ColorType, alphaType=skia.kPremul_AlphaType)
    _DRAW.get(scene, _studio)(surface.getCanvas(), float(width), float(height), accent)
    image = skia.Image.fromarray(pixels, colorType=skia.kRGBA_8888_ColorType, alphaType=skia.kPremul_AlphaType)
    sigma = blur if blur is not None else max(1.0, min(width, height) * 0.005)
    paint = skia.Paint(ImageFilter=skia.ImageFilters.Blur(sigma, sigma, skia.TileMode.kClamp))
    blurred = np.zeros((height, width, 4), np.uint8)
    target = skia.Surface(blurred, colorType=skia.kRGBA_8888_ColorType, alphaType=skia.kPremul_AlphaType)
    target.getCanvas().drawImage(image, 0, 0, skia.SamplingOptions(), paint)
    return skia.Image.fromarray(blurred, colorType=skia.kRGBA_8888_ColorType, alphaType=skia.kPremul_AlphaType)
