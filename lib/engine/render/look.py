"""What makes one avatar look like itself, as plain data: the look, its colours and colour arithmetic.

No drawing library here, so the catalog can describe 320 avatars without importing Skia.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def shade(c: Color, factor: float) -> Color:
    """Darken (<1) or lighten (>1) a colour, lightening towards white."""
    if factor >= 1.0:
        t = factor - 1.0
        return tuple(round(v + (255 - v) * t) for v in c)  # type: ignore[return-value]
    return tuple(round(v * factor) for v in c)  # type: ignore[return-value]


def mix(a: Color, b: Color, t: float) -> Color:
    """Linear blend of two colours (t=0 -> a)."""
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]
