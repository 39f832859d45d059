"""Drawable mouth shapes: the mouth a `MouthFrame` asks for, blends between visemes, and the grid
mouths are rounded to so their drawings can be cached. Plain numbers; `face.draw_mouth` draws them."""

from __future__ import annotations

from dataclasses import dataclass

from lib.engine.render.timeline import MouthFrame, Viseme


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


REST_MOUTH = viseme_shape(Viseme.REST, 0.0)
# A closed, slightly wider mouth reads as a friendly resting smile on covers and idle clips.
SMILE_MOUTH = MouthShape(27, 0, 0, 0, 0, 0, 0, 0)
