"""Hair and outfit registries: every style the catalog can pick has a drawing, and each drawing paints."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import skia

from lib.engine.catalog.avatars import find_public_avatar, public_avatars
from lib.engine.render.bust import BUST_H, BUST_W, face_geometry
from lib.engine.render.hair import HAIR_BACK, HAIR_FRONT
from lib.engine.render.look import HAIR_STYLES, AvatarLook
from lib.engine.render.outfits import OUTFITS

BASE_LOOK = find_public_avatar(81).look
CATALOG_OUTFITS = sorted({a.look.outfit for a in public_avatars()})


def _painted_pixels(draw: object, look: AvatarLook, *args: object) -> int:
    pixels = np.zeros((int(BUST_H), int(BUST_W), 4), np.uint8)
    surface = skia.Surface(pixels, colorType=skia.kRGBA_8888_ColorType, alphaType=skia.kPremul_AlphaType)
    draw(surface.getCanvas(), look, *args)  # type: ignore[operator]
    return int(np.count_nonzero(pixels[..., 3]))


def test_every_catalog_style_is_registered() -> None:
    assert set(HAIR_FRONT) == set(HAIR_STYLES)
    assert set(HAIR_BACK) <= set(HAIR_STYLES)
    assert {a.look.hair_style for a in public_avatars()} <= set(HAIR_STYLES)
    assert set(CATALOG_OUTFITS) == set(OUTFITS)


@pytest.mark.parametrize("style", HAIR_STYLES)
def test_each_hair_drawing_paints_where_it_should(style: str) -> None:
    look = dataclasses.replace(BASE_LOOK, hair_style=style)
    g = face_geometry(look)
    front = _painted_pixels(HAIR_FRONT[style], look, g)
    assert (front == 0) == (style == "bald")
    if style in HAIR_BACK:
        assert _painted_pixels(HAIR_BACK[style], look, g) > 1000


@pytest.mark.parametrize("outfit", CATALOG_OUTFITS)
def test_each_outfit_drawing_paints(outfit: str) -> None:
    look = dataclasses.replace(BASE_LOOK, outfit=outfit)
    assert _painted_pixels(OUTFITS[outfit], look, 43) > 500
