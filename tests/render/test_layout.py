"""Layouts: sizes, even regions inside the frame, and deliberate framing of the head."""

from __future__ import annotations

import pytest

from lib.engine.render.bust import FACE_CX
from lib.engine.render.layout import EYE_Y_UNITS, SCREEN_STYLES, SIZES, all_layouts, make_layout


def _inside(rect: tuple[int, int, int, int], width: int, height: int) -> bool:
    x0, y0, x1, y1 = rect
    return 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height


@pytest.mark.parametrize("layout", all_layouts(), ids=lambda lay: f"{lay.aspect_ratio}-{lay.screen_style}")
def test_layout_geometry(layout) -> None:
    assert (layout.width, layout.height) == SIZES[layout.aspect_ratio]
    for rect in (layout.head_region, layout.caption_rect, layout.scene_rect):
        assert _inside(rect, layout.width, layout.height)
    for rect in (layout.head_region, layout.caption_rect):
        assert all(v % 2 == 0 for v in rect)  # YUV 4:2:0 patches need even corners
    eyes_x = layout.bust_x + FACE_CX * layout.bust_scale
    eyes_y = layout.bust_y + EYE_Y_UNITS * layout.bust_scale
    x0, y0, x1, y1 = layout.clip_rect
    # The face sits in the middle of its area and the eyes in its upper half (head room, shoulders below).
    assert x0 + (x1 - x0) * 0.3 < eyes_x < x0 + (x1 - x0) * 0.7
    assert y0 + (y1 - y0) * 0.25 < eyes_y < y0 + (y1 - y0) * 0.5
    if layout.screen_style == 1:
        assert layout.panel_rect is None and layout.circle is None
    else:
        assert layout.panel_rect is not None and layout.title_rect is not None and layout.sentence_rect is not None
    assert (layout.circle is not None) == (layout.screen_style == 3)


def test_unknown_values_are_rejected() -> None:
    with pytest.raises(ValueError):
        make_layout("panorama", 1)
    with pytest.raises(ValueError):
        make_layout("portrait", 4)


def test_scaled_layouts_keep_proportions() -> None:
    for style in SCREEN_STYLES:
        full, half = make_layout("portrait", style), make_layout("portrait", style, size_scale=0.5)
        assert (half.width, half.height) == (360, 640)
        assert abs(half.bust_scale - full.bust_scale / 2) < 1e-6
