"""The public avatar catalog: size, stable ids, coverage of every filter value, distinct covers."""

from __future__ import annotations

import io
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lib.engine.catalog import avatars as catalog
from lib.engine.catalog.avatars import find_public_avatar, public_avatars
from lib.engine.render.previews import render_cover_jpeg


def test_catalog_size_ids_and_names() -> None:
    items = public_avatars()
    assert len(items) >= 300
    ids = [a.id for a in items]
    assert len(set(ids)) == len(ids) and ids == sorted(ids)
    assert len({a.name for a in items}) == len(items)
    assert all(" " in a.name and a.name[0].isupper() for a in items)
    assert find_public_avatar(81) is not None and find_public_avatar(81).id == 81
    assert find_public_avatar(0) is None and find_public_avatar(10_000) is None


def test_the_catalog_loads_without_skia() -> None:
    """Looks are plain data: listing avatars must not import the drawing library (a server answers
    catalog requests without paying for Skia's import)."""
    code = ("import sys; from lib.engine.catalog.avatars import public_avatars; public_avatars(); "
            "print(sorted(m for m in sys.modules if m == 'skia' or m.startswith('lib.engine.render.')))")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "['lib.engine.render.look']"


@pytest.mark.parametrize("field,values", [
    ("gender", catalog.GENDERS), ("age", catalog.AGES), ("style", catalog.STYLES), ("scene", catalog.SCENES),
    ("ethnicity", catalog.ETHNICITIES), ("aspect_ratio", catalog.ASPECT_RATIOS)])
def test_every_filter_value_is_covered(field: str, values: tuple) -> None:
    seen = {getattr(a, field) for a in public_avatars()}
    assert seen == set(values)


def test_generation_is_deterministic() -> None:
    again = [catalog._make_avatar(i) for i in (1, 81, 300)]
    assert [a.look for a in again] == [find_public_avatar(i).look for i in (1, 81, 300)]


@pytest.mark.timeout(240)
def test_covers_of_fifty_random_avatars_are_pairwise_distinct() -> None:
    chosen = random.Random(2024).sample(public_avatars(), 50)
    thumbs = []
    for avatar in chosen:
        data = render_cover_jpeg(avatar)
        image = Image.open(io.BytesIO(data)).convert("RGB").resize((64, 64))
        thumbs.append(np.asarray(image, np.float32))
    closest = min(np.abs(thumbs[i] - thumbs[j]).mean() for i in range(50) for j in range(i + 1, 50))
    assert closest > 4.0  # mean per-channel difference on 0..255: visibly different pictures


@pytest.mark.parametrize("outfit", ["tshirt", "sweater", "blouse"])
def test_a_round_neckline_has_no_seam_across_the_neck(outfit: str) -> None:
    """The torso's top edge and the neckline's share a line; smoothed both, the outfit's colour used to show
    through as a thin line across the neck. Inside the neck's width that row must be skin alone."""
    import skia

    from lib.engine.render.look import shade
    from lib.engine.render.outfits import CX, draw_body

    avatar = next(a for a in public_avatars() if a.look.outfit == outfit)
    look = avatar.look
    pixels = np.zeros((720, 600, 4), np.uint8)
    surface = skia.Surface(pixels, colorType=skia.kRGBA_8888_ColorType, alphaType=skia.kUnpremul_AlphaType)
    draw_body(surface.getCanvas(), look)
    neck_half = 37 if look.feminine else 43
    edge_rows = pixels[513:519, int(CX - neck_half + 2):int(CX + neck_half - 2)].reshape(-1, 4)
    skin = np.array(shade(look.skin, 0.9), float)
    assert (edge_rows[:, 3] == 255).all()  # covered, not smoothed against what lies under the bust
    assert np.abs(edge_rows[:, :3].astype(float) - skin).max() <= 2, (outfit, avatar.id)
