"""The body drawn with Skia in bust units: the shoulders every avatar shares, then one small function
per outfit for what sits on them (collars, lapels, ties, necklines). An unknown outfit gets a round
neckline."""

from __future__ import annotations

from collections.abc import Callable

import skia

from lib.engine.render.bust import BUST_H, FACE_CX, TORSO_BOTTOM
from lib.engine.render.look import AvatarLook, Color, shade
from lib.engine.render.paint import fill, linear, polygon, quad_curve, soft, stroke

CX = FACE_CX
SHOULDER_Y = 572.0
# (canvas, look, half width of the neck) -> None
OutfitDrawing = Callable[[skia.Canvas, AvatarLook, float], None]


def _torso(neck_half: float) -> skia.Path:
    body = skia.Path()
    body.moveTo(CX - neck_half - 14, 530)
    body.cubicTo(CX - 120, 548, CX - 205, 556, CX - 238, 600)
    body.cubicTo(CX - 262, 632, CX - 272, 680, CX - 276, BUST_H + 10)
    body.lineTo(CX - 282, TORSO_BOTTOM)
    body.lineTo(CX + 282, TORSO_BOTTOM)
    body.lineTo(CX + 276, BUST_H + 10)
    body.cubicTo(CX + 272, 680, CX + 262, 632, CX + 238, 600)
    body.cubicTo(CX + 205, 556, CX + 120, 548, CX + neck_half + 14, 530)
    body.close()
    return body


def _shirt_front(canvas: skia.Canvas, shirt: Color, neck_half: float) -> None:
    """The shirt showing in a jacket's V."""
    canvas.drawPath(polygon([(CX - neck_half - 12, 528), (CX + neck_half + 12, 528), (CX + 4, 690), (CX - 4, 690)]),
                    fill(shirt))


def _lapels(canvas: skia.Canvas, col: Color, neck_half: float) -> None:
    for side in (-1, 1):
        lapel = polygon([(CX + side * (neck_half + 14), 530), (CX + side * (neck_half + 40), 590),
                         (CX + side * (neck_half + 24), 606), (CX + side * 6, 700), (CX + side * 2, 700),
                         (CX + side * (neck_half + 4), 532)])
        canvas.drawPath(lapel, fill(shade(col, 0.9)))
        canvas.drawPath(lapel, stroke(shade(col, 0.7), 2.0, 0.7))


def _suit(canvas: skia.Canvas, look: AvatarLook, neck_half: float) -> None:
    shirt, acc = (244, 244, 240), look.accent_color
    _shirt_front(canvas, shirt, neck_half)
    for side in (-1, 1):  # shirt collar points
        collar = polygon([(CX + side * (neck_half + 10), 526), (CX + side * 4, 584), (CX + side * (neck_half - 2), 592)])
        canvas.drawPath(collar, fill(shade(shirt, 0.92)))
    tie = polygon([(CX - 9, 578), (CX + 9, 578), (CX + 15, 680), (CX, 700), (CX - 15, 680)])
    canvas.drawPath(tie, linear(shade(acc, 1.1), shade(acc, 0.8), (CX, 578), (CX, 700)))
    canvas.drawRect(skia.Rect(CX - 10, 570, CX + 10, 586), fill(shade(acc, 0.9)))
    _lapels(canvas, look.outfit_color, neck_half)


def _blazer(canvas: skia.Canvas, look: AvatarLook, neck_half: float) -> None:
    _shirt_front(canvas, look.accent_color, neck_half)
    _lapels(canvas, look.outfit_color, neck_half)
    if look.feminine:  # a fine necklace with a pendant
        canvas.drawArc(skia.Rect(CX - 34, 520, CX + 34, 600), 20, 140, False, stroke((232, 205, 140), 2.5))
        canvas.drawCircle(CX, 600, 5, fill((236, 214, 160)))


def _hoodie(canvas: skia.Canvas, look: AvatarLook, neck_half: float) -> None:
    col, acc = look.outfit_color, look.accent_color
    for side in (-1, 1):
        hood = skia.Path()
        hood.moveTo(CX + side * (neck_half + 4), 520)
        hood.cubicTo(CX + side * (neck_half + 60), 520, CX + side * (neck_half + 70), 580, CX + side * 20, 608)
        hood.lineTo(CX + side * (neck_half - 4), 560)
        hood.close()
        canvas.drawPath(hood, fill(shade(col, 0.88)))
        canvas.drawLine(CX + side * 14, 600, CX + side * 16, 670, stroke(acc, 3.5))
        canvas.drawCircle(CX + side * 16, 672, 4, fill(shade(acc, 0.85)))


def _open_collar(canvas: skia.Canvas, col: Color, neck_half: float) -> None:
    for side in (-1, 1):
        collar = polygon([(CX + side * (neck_half + 2), 524), (CX + side * (neck_half + 36), 548), (CX + side * 4, 600)])
        canvas.drawPath(collar, fill(shade(col, 1.08)))
        canvas.drawPath(collar, stroke(shade(col, 0.75), 1.5, 0.6))


def _cardigan(canvas: skia.Canvas, look: AvatarLook, neck_half: float) -> None:
    col, inner = look.outfit_color, look.accent_color
    canvas.drawPath(polygon([(CX - neck_half - 30, 536), (CX + neck_half + 30, 536), (CX + 10, 720), (CX - 10, 720)]),
                    fill(inner))
    canvas.drawArc(skia.Rect(CX - neck_half - 8, 510, CX + neck_half + 8, 566), 0, 180, False,
                   stroke(shade(inner, 0.8), 5))
    for y in (620, 670):
        canvas.drawCircle(CX + 14, y, 3.5, fill(shade(col, 0.7)))
    _open_collar(canvas, col, neck_half)


def _shirt(canvas: skia.Canvas, look: AvatarLook, neck_half: float) -> None:
    col = look.outfit_color
    _open_collar(canvas, col, neck_half)
    canvas.drawPath(polygon([(CX - neck_half + 2, 528), (CX + neck_half - 2, 528), (CX, 598)]),
                    fill(shade(look.skin, 0.92)))
    canvas.drawLine(CX, 600, CX, 720, stroke(shade(col, 0.75), 2))
    for y in (630, 680):
        canvas.drawCircle(CX + 5, y, 3, fill(shade(col, 0.7)))


def _round_neck(canvas: skia.Canvas, look: AvatarLook, neck_half: float) -> None:
    """T-shirts, sweaters and blouses: a round neckline with a ribbed edge (deeper on a blouse)."""
    outfit, col = look.outfit, look.outfit_color
    depth = 26 if outfit != "blouse" else 44
    neckline = skia.Path()
    neckline.moveTo(CX - neck_half - 12, 530)
    neckline.quadTo(CX, 530 + depth * 2, CX + neck_half + 12, 530)
    neckline.close()
    skin = fill(shade(look.skin, 0.9))
    canvas.drawPath(neckline, skin)
    # The neckline's top edge is the torso's: both smoothed there, the outfit's colour bled through as a thin
    # line across the neck. A strip over that edge, inside the neck's width, covers it with skin.
    canvas.drawRect(skia.Rect(CX - neck_half + 1, 526, CX + neck_half - 1, 532), skin)
    rib = stroke(shade(col, 0.8) if outfit != "blouse" else look.accent_color, 7 if outfit == "sweater" else 5)
    canvas.drawPath(quad_curve((CX - neck_half - 12, 530), (CX, 530 + depth * 2), (CX + neck_half + 12, 530)), rib)
    if outfit == "blouse":
        canvas.drawCircle(CX, 530 + depth - 6, 4.5, fill((240, 230, 210)))


OUTFITS: dict[str, OutfitDrawing] = {
    "suit": _suit, "blazer": _blazer, "hoodie": _hoodie, "shirt": _shirt, "cardigan": _cardigan,
    "tshirt": _round_neck, "sweater": _round_neck, "blouse": _round_neck,
}


def draw_body(canvas: skia.Canvas, look: AvatarLook) -> None:
    """Shoulders and clothes (static; the head moves above them)."""
    col = look.outfit_color
    neck_half = 37 if look.feminine else 43
    canvas.save()
    canvas.translate(0, -14)  # a shorter neck: the collar sits close under the chin
    body = _torso(neck_half)
    # Soft shadow the body casts behind itself gives the bust depth against the scene.
    canvas.drawPath(body, soft((0, 0, 0), 0.18, 14))
    canvas.drawPath(body, linear(shade(col, 1.12), shade(col, 0.82), (CX - 200, 540), (CX + 220, BUST_H)))
    # Light falls from above: the torso darkens towards the bottom.
    dusk = skia.Paint(AntiAlias=True)
    dusk.setShader(skia.GradientShader.MakeLinear([skia.Point(CX, 700), skia.Point(CX, 1150)],
                                                  [skia.Color(0, 0, 0, 0), skia.Color(0, 0, 0, 110)]))
    canvas.save()
    canvas.clipPath(body, doAntiAlias=True)
    canvas.drawRect(skia.Rect(CX - 300, 640, CX + 300, TORSO_BOTTOM), dusk)
    canvas.restore()
    OUTFITS.get(look.outfit, _round_neck)(canvas, look, neck_half)
    # Shoulder seams and a fold keep the flat shape from looking like a cut-out.
    for side in (-1, 1):
        canvas.drawArc(skia.Rect(CX + side * 210 - 40, SHOULDER_Y + 10, CX + side * 210 + 40, SHOULDER_Y + 150),
                       180 if side < 0 else 270, 90, False, stroke(shade(col, 0.78), 2.0, 0.5))
    canvas.restore()
