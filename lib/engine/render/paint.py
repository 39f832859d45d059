"""Skia paints and paths shared by everything that draws the avatar and its scenes."""

from __future__ import annotations

import skia

from lib.engine.render.look import Color

Point = tuple[float, float]


def skia_color(c: Color, alpha: float = 1.0) -> int:
    """A Skia colour from an RGB triple and an opacity (0..1)."""
    return skia.Color(int(c[0]), int(c[1]), int(c[2]), round(alpha * 255))


def fill(c: Color, alpha: float = 1.0) -> skia.Paint:
    """An anti-aliased solid fill."""
    return skia.Paint(AntiAlias=True, Color=skia_color(c, alpha))


def stroke(c: Color, width: float, alpha: float = 1.0) -> skia.Paint:
    """An anti-aliased stroke with round caps and joins."""
    return skia.Paint(AntiAlias=True, Color=skia_color(c, alpha), Style=skia.Paint.kStroke_Style, StrokeWidth=width,
                      StrokeCap=skia.Paint.kRound_Cap, StrokeJoin=skia.Paint.kRound_Join)


def linear(c0: Color, c1: Color, p0: Point, p1: Point) -> skia.Paint:
    """A fill that runs from `c0` at `p0` to `c1` at `p1`."""
    paint = skia.Paint(AntiAlias=True)
    paint.setShader(skia.GradientShader.MakeLinear([skia.Point(*p0), skia.Point(*p1)], [skia_color(c0), skia_color(c1)]))
    return paint


def soft(c: Color, alpha: float, sigma: float) -> skia.Paint:
    """A fill blurred at its edges (shadows, blush, shading)."""
    paint = fill(c, alpha)
    paint.setMaskFilter(skia.MaskFilter.MakeBlur(skia.kNormal_BlurStyle, sigma))
    return paint


def polygon(points: list[Point]) -> skia.Path:
    """A closed path of straight edges through `points`."""
    path = skia.Path()
    path.moveTo(*points[0])
    for point in points[1:]:
        path.lineTo(*point)
    path.close()
    return path


def quad_curve(start: Point, control: Point, end: Point) -> skia.Path:
    """An open quadratic curve."""
    path = skia.Path()
    path.moveTo(*start)
    path.quadTo(*control, *end)
    return path


def smooth_path(points: list[Point], closed: bool = True, tension: float = 1.0) -> skia.Path:
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
