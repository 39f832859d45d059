"""The bust's coordinate frame and where a face's features sit in it (plain numbers, no drawing).

All avatar drawing happens in "bust units": a 600 x 720 box with the face centred near (300, 345).
A renderer picks a pixel scale; layouts place the bust in the frame from these constants.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.engine.render.look import AvatarLook

BUST_W, BUST_H = 600.0, 720.0
TORSO_BOTTOM = 1600.0  # the torso runs past any frame's bottom edge
FACE_CX, FACE_CY = 300.0, 345.0
NECK_PIVOT = (300.0, 500.0)  # the head turns and nods around the base of the neck

# The head is drawn this much larger than the body, about the neck pivot (a bust read as small-headed).
HEAD_SCALE = 1.06

# Boxes (x0, y0, x1, y1) in the head's own units that each sprite covers (see `on_body`).
HEAD_BOX = (60.0, 95.0, 540.0, 640.0)
MOUTH_BOX = (240.0, 366.0, 360.0, 470.0)
EYES_BOX = (216.0, 310.0, 384.0, 366.0)


def on_body(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A box in the head's units as it lands in bust units once the head is scaled about the neck."""
    px, py = NECK_PIVOT
    x0, y0, x1, y1 = box
    return (px + (x0 - px) * HEAD_SCALE, py + (y0 - py) * HEAD_SCALE,
            px + (x1 - px) * HEAD_SCALE, py + (y1 - py) * HEAD_SCALE)


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
