"""The face drawn with Skia in bust units: outline, ears, neck, skin shading, eyes and eyelids, brows,
facial hair, glasses, and the mouth patch drawn per frame (its shapes live in `mouth_shapes`)."""

from __future__ import annotations

import skia

from lib.engine.render.bust import FaceGeometry
from lib.engine.render.look import AvatarLook, mix, shade
from lib.engine.render.mouth_shapes import MouthShape
from lib.engine.render.paint import fill, linear, smooth_path, soft, stroke


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


def draw_ears(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    """Both ears, with earrings when the look has them."""
    skin = look.skin
    for side in (-1, 1):
        x = g.cx + side * g.fw * 0.97
        rect = skia.Rect(x - 13, g.eye_y - 8, x + 13, g.eye_y + 40)
        canvas.drawOval(rect, fill(shade(skin, 0.93)))
        canvas.drawArc(skia.Rect(x - 7, g.eye_y, x + 7, g.eye_y + 30), 270 - side * 60, side * 120, False,
                       stroke(shade(skin, 0.75), 2.5, 0.7))
        if look.earrings:
            canvas.drawCircle(x + side * 1, g.eye_y + 44, 5.5, fill((226, 186, 90)))
            canvas.drawCircle(x + side * 0 - 1.5, g.eye_y + 42.5, 1.8, fill((255, 240, 200)))


def draw_neck(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    """The neck down into the collar, with the chin's shadow on it."""
    half = 33 if look.feminine else 39
    top = g.cy + g.fh * 0.55
    path = skia.Path()
    path.moveTo(g.cx - half, top)
    path.lineTo(g.cx + half, top)
    path.cubicTo(g.cx + half, 500, g.cx + half + 6, 560, g.cx + half + 22, 600)
    path.lineTo(g.cx - half - 22, 600)
    path.cubicTo(g.cx - half - 6, 560, g.cx - half, 500, g.cx - half, top)
    path.close()
    canvas.drawPath(path, linear(shade(look.skin, 0.86), shade(look.skin, 0.95), (g.cx, top), (g.cx, 600)))
    # The chin's shadow on the neck.
    canvas.drawOval(skia.Rect(g.cx - half - 4, g.chin_y - 26, g.cx + half + 4, g.chin_y + 22),
                    soft(shade(look.skin, 0.55), 0.55, 7))


def draw_face(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    """Face fill, cheeks, nose, brows, age lines and open eyes (no mouth: that is a patch)."""
    skin = look.skin
    path = face_path(g)
    canvas.drawPath(path, linear(shade(skin, 1.06), shade(skin, 0.93), (g.cx - g.fw, g.top),
                                  (g.cx + g.fw, g.chin_y)))
    canvas.save()
    canvas.clipPath(path, doAntiAlias=True)
    # Soft side shading gives the flat face some volume.
    canvas.drawOval(skia.Rect(g.cx + g.fw * 0.55, g.top, g.cx + g.fw * 1.5, g.chin_y), soft(shade(skin, 0.8), 0.35, 18))
    if look.facial_hair == "stubble":
        lower = skia.Rect(g.cx - g.fw * 1.2, g.mouth_y - 42, g.cx + g.fw * 1.2, g.chin_y + 20)
        canvas.drawOval(lower, soft(mix(skin, look.hair_color, 0.55), 0.35, 6))
    canvas.restore()
    for side in (-1, 1):  # cheeks
        canvas.drawCircle(g.cx + side * g.fw * 0.58, g.cy + g.fh * 0.3, g.fw * 0.22,
                          soft(mix(skin, (225, 110, 110), 0.45), 0.22 if look.feminine else 0.12, 10))
    # Nose: a soft bridge shadow and the curve under the tip.
    nose_y = g.cy + g.fh * 0.30
    canvas.drawLine(g.cx + 5, g.eye_y + 14, g.cx + 8, nose_y - 8, stroke(shade(skin, 0.86), 4, 0.5))
    nose = skia.Path()
    nose.moveTo(g.cx - 11, nose_y - 2)
    nose.quadTo(g.cx, nose_y + 9, g.cx + 11, nose_y - 2)
    canvas.drawPath(nose, stroke(shade(skin, 0.68), 3.6))
    if look.age_lines >= 1:
        for side in (-1, 1):  # smile lines
            line = skia.Path()
            line.moveTo(g.cx + side * 18, nose_y + 2)
            line.quadTo(g.cx + side * 34, g.mouth_y - 12, g.cx + side * 31, g.mouth_y + 10)
            canvas.drawPath(line, stroke(shade(skin, 0.72), 2.2, 0.45 if look.age_lines == 1 else 0.75))
    if look.age_lines >= 2:
        for k in range(2):  # forehead
            y = g.brow_y - 20 - k * 11
            canvas.drawArc(skia.Rect(g.cx - 36 + k * 6, y, g.cx + 36 - k * 6, y + 14), 200, 140, False,
                           stroke(shade(skin, 0.75), 2.0, 0.6))
        for side in (-1, 1):  # under-eye
            x = g.cx + side * g.eye_dx
            canvas.drawArc(skia.Rect(x - 14, g.eye_y + 4, x + 14, g.eye_y + 18), 30, 120, False,
                           stroke(shade(skin, 0.75), 1.8, 0.55))
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
    """Open eyes: eyeball, iris, pupil, highlight, lid line and crease (blinks are a patch over them)."""
    w, h = _eye_dims(look)
    for side in (-1, 1):
        x = g.cx + side * g.eye_dx
        y = g.eye_y
        eye = _eye_path(x, y, w, h)
        canvas.drawPath(eye, fill((250, 248, 245)))
        canvas.save()
        canvas.clipPath(eye, doAntiAlias=True)
        iris_r = h * 0.95
        canvas.drawCircle(x + side * 0.5, y, iris_r, linear(shade(look.eye_color, 1.2), shade(look.eye_color, 0.7),
                                                              (x, y - iris_r), (x, y + iris_r)))
        canvas.drawCircle(x + side * 0.5, y, iris_r * 0.48, fill((20, 16, 14)))
        canvas.drawCircle(x + side * 0.5 + 3, y - 3, iris_r * 0.26, fill((255, 255, 255), 0.95))
        # The upper lid casts a shadow on the eyeball.
        canvas.drawRect(skia.Rect(x - w, y - h * 2, x + w, y - h * 0.75), soft((60, 40, 30), 0.25, 2))
        canvas.restore()
        lid = skia.Path()
        lid.moveTo(x - w - 1, y + 1)
        lid.cubicTo(x - w * 0.5, y - h * 1.28, x + w * 0.55, y - h * 1.28, x + w + 1, y - 1)
        canvas.drawPath(lid, stroke((38, 28, 24), 3.4 if look.feminine else 2.8))
        if look.feminine:
            canvas.drawLine(x + side * (w + 0.5), y - 1.5, x + side * (w + 6), y - 6, stroke((38, 28, 24), 2.6))
        crease = skia.Path()
        crease.moveTo(x - w * 0.8, y - h * 1.25)
        crease.quadTo(x, y - h * 2.1, x + w * 0.85, y - h * 1.2)
        canvas.drawPath(crease, stroke(shade(look.skin, 0.78), 1.6, 0.6))


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
        canvas.drawRect(skia.Rect(x - w - 3, top - 4, x + w + 3, edge), fill(lid_skin))
        canvas.restore()
        lash = skia.Path()
        sag = 2.0 + 4.0 * closure
        lash.moveTo(x - w - 1, y + 1 - (1 - closure) * h * 0.6)
        lash.quadTo(x, min(edge, y + h) + sag * 0.6, x + w + 1, y - 1 - (1 - closure) * h * 0.6)
        canvas.drawPath(lash, stroke((38, 28, 24), 3.0))


def draw_brows(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    """Brows in the hair colour (skin-toned on bald heads), as heavy as the look says."""
    colour = shade(look.hair_color, 0.85) if look.hair_style not in ("bald",) else shade(look.skin, 0.5)
    if look.hair_color[0] > 150 and look.age_lines >= 2:
        colour = shade(look.hair_color, 0.75)
    width = 4.6 * look.brow_weight
    for side in (-1, 1):
        x = g.cx + side * g.eye_dx
        brow = skia.Path()
        brow.moveTo(x - side * 17, g.brow_y + 5)
        brow.quadTo(x + side * 2, g.brow_y - 5, x + side * 20, g.brow_y + 3)
        canvas.drawPath(brow, stroke(colour, width))


def draw_facial_hair(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    """Beard or goatee over the jaw (the moustache is drawn with the mouth)."""
    colour = shade(look.hair_color, 0.95)
    beard = fill(colour)
    my = g.mouth_y
    if look.facial_hair == "beard":
        pts = [(g.cx - g.fw * 0.98, g.cy + 8), (g.cx - g.fw * 0.93, g.cy + g.fh * 0.5),
               (g.cx - g.chin * 1.2, g.chin_y + 4), (g.cx, g.chin_y + 16), (g.cx + g.chin * 1.2, g.chin_y + 4),
               (g.cx + g.fw * 0.93, g.cy + g.fh * 0.5), (g.cx + g.fw * 0.98, g.cy + 8),
               (g.cx + g.fw * 0.72, g.cy + g.fh * 0.35), (g.cx + 30, my + 24), (g.cx, my + 28),
               (g.cx - 30, my + 24), (g.cx - g.fw * 0.72, g.cy + g.fh * 0.35)]
        canvas.drawPath(smooth_path(pts), beard)
    if look.facial_hair == "goatee":
        pts = [(g.cx - 22, my + 20), (g.cx, my + 14), (g.cx + 22, my + 20), (g.cx + 16, g.chin_y + 4),
               (g.cx, g.chin_y + 10), (g.cx - 16, g.chin_y + 4)]
        canvas.drawPath(smooth_path(pts), beard)


def draw_mustache(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    """The moustache every bearded style carries (drawn with the mouth so it sits over the lips)."""
    my = g.mouth_y - 7  # above the upper lip so open mouths stay visible
    stache_fill = fill(shade(look.hair_color, 0.95))
    stache = skia.Path()
    stache.moveTo(g.cx - 30, my + 2)
    stache.cubicTo(g.cx - 24, my - 20, g.cx - 6, my - 18, g.cx, my - 12)
    stache.cubicTo(g.cx + 6, my - 18, g.cx + 24, my - 20, g.cx + 30, my + 2)
    stache.cubicTo(g.cx + 18, my - 8, g.cx - 18, my - 8, g.cx - 30, my + 2)
    stache.close()
    canvas.drawPath(stache, stache_fill)


def draw_glasses(canvas: skia.Canvas, look: AvatarLook, g: FaceGeometry) -> None:
    """Frames over the eyes; drawn after the eyelid patch so blinks stay behind the lenses."""
    if look.glasses == "none":
        return
    frame = stroke(look.glasses_color, 4.2)
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
        canvas.drawPath(lower, fill(shade(lip, 1.08), 0.9))
        upper = skia.Path()
        upper.moveTo(cx - w, my - 1)
        upper.cubicTo(cx - w * 0.55, my - 7, cx - 5, my - 8, cx, my - 5)
        upper.cubicTo(cx + 5, my - 8, cx + w * 0.55, my - 7, cx + w, my - 1)
        upper.quadTo(cx, my + 3, cx - w, my - 1)
        canvas.drawPath(upper, fill(lip, 0.95))
        line = skia.Path()
        line.moveTo(cx - w - 1, my - 2)
        line.quadTo(cx, my + 3.5 + m.press, cx + w + 1, my - 2)
        canvas.drawPath(line, stroke(shade(lip, 0.45), thick * 0.7))
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
    canvas.drawPath(inner, fill((74, 28, 34)))
    canvas.save()
    canvas.clipPath(inner, doAntiAlias=True)
    if m.tongue > 0:
        canvas.drawOval(skia.Rect(cx - w * 0.6, bottom - h * 0.45 * m.tongue - 2, cx + w * 0.6, bottom + h * 0.4),
                        fill((206, 96, 104)))
    teeth = fill((252, 250, 246))
    if m.upper_teeth > 0:
        canvas.drawRect(skia.Rect(cx - w * 0.8, top - 2, cx + w * 0.8, top + min(7.5, h * 0.45) * m.upper_teeth), teeth)
    if m.lower_teeth > 0:
        canvas.drawRect(skia.Rect(cx - w * 0.7, bottom - min(6.0, h * 0.35) * m.lower_teeth, cx + w * 0.7,
                                  bottom + 2), teeth)
    canvas.restore()
    lip_w = 5.5 - 1.5 * r
    canvas.drawPath(inner, stroke(lip, lip_w))
    if m.lip_bite > 0:
        # The lower lip tucks under the upper teeth.
        canvas.drawArc(skia.Rect(cx - w * 0.75, top, cx + w * 0.75, bottom + 4), 15, 150, False,
                       stroke(shade(lip, 1.05), 5.0 * m.lip_bite))
