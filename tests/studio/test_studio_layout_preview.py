"""The still preview of a layout: the product, background and logo land where the layout puts them (pixels)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from lib.studio.layout_preview import caption_sample, first_sentence, render_layout_preview

RED, BLUE, GREEN, YELLOW = (230, 20, 20), (20, 40, 230), (20, 200, 60), (250, 220, 0)


def png(colour, size=(400, 300), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, format="PNG")
    return out.getvalue()


def pixels(preview):
    return Image.open(io.BytesIO(preview.png)).convert("RGB")


def centre(box):
    return ((box[0] + box[2]) // 2, (box[1] + box[3]) // 2)


def near(pixel, colour, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


@pytest.mark.parametrize("aspect_ratio", ["portrait", "landscape", "square"])
def test_split_screen_puts_the_product_in_the_panel_beside_the_avatar(aspect_ratio: str) -> None:
    preview = render_layout_preview(aspect_ratio=aspect_ratio, screen_style=2, cover=png(BLUE), content=png(RED),
                                    title="Launch", sentence=first_sentence("Meet the bottle. It keeps tea hot."))
    image, regions = pixels(preview), preview.regions
    assert near(image.getpixel(centre(regions.content)), RED)
    assert near(image.getpixel(centre(regions.avatar)), BLUE)
    # The product stays inside the panel: nothing red where the avatar is.
    avatar_area = image.crop(regions.avatar)
    assert not any(near(p, RED, 40) for p in avatar_area.get_flattened_data())
    width, height = image.size
    if aspect_ratio == "portrait":
        assert regions.content[1] >= height // 2  # the panel is the lower half
    else:
        assert regions.content[0] >= width // 2  # the panel is the right half


def test_picture_in_picture_fills_the_frame_with_the_product_and_bubbles_the_avatar() -> None:
    preview = render_layout_preview(aspect_ratio="portrait", screen_style=3, cover=png(BLUE), content=png(RED))
    image = pixels(preview)
    assert near(image.getpixel((5, 5)), RED) and near(image.getpixel((image.width // 4, image.height // 3)), RED)
    assert near(image.getpixel(centre(preview.regions.avatar)), BLUE)
    x0, y0, _, _ = preview.regions.avatar
    assert not near(image.getpixel((x0 + 1, y0 + 1)), BLUE, 40)  # the bubble's corner is outside the circle


def test_full_screen_stands_the_avatar_in_front_of_the_background_with_the_logo_in_a_corner() -> None:
    preview = render_layout_preview(aspect_ratio="landscape", screen_style=1, cover=png(BLUE), background=png(GREEN),
                                    logo=png((*YELLOW, 255), size=(64, 64), mode="RGBA"))
    image, regions = pixels(preview), preview.regions
    assert near(image.getpixel((3, image.height // 2)), GREEN)  # background at the side
    assert near(image.getpixel(centre(regions.avatar)), BLUE)
    assert near(image.getpixel(centre(regions.logo)), YELLOW)
    assert regions.logo[0] > image.width * 0.8 and regions.logo[3] < image.height * 0.25  # top right


def test_a_video_as_content_is_a_labelled_box_and_the_note_says_so() -> None:
    preview = render_layout_preview(aspect_ratio="square", screen_style=2, cover=png(BLUE), content=b"\x00\x00ftypmp42")
    assert preview.regions.content is not None and any("box" in note for note in preview.notes)
    assert not near(pixels(preview).getpixel(centre(preview.regions.content)), RED)


def test_captions_are_drawn_in_their_band_only_when_on() -> None:
    with_captions = render_layout_preview(aspect_ratio="portrait", screen_style=1, cover=png(BLUE),
                                          caption=caption_sample("Meet the new bottle, it keeps tea hot"),
                                          caption_style="bold")
    without = render_layout_preview(aspect_ratio="portrait", screen_style=1, cover=png(BLUE))
    band = with_captions.regions.caption
    assert without.regions.caption is None and band is not None
    lit = [p for p in pixels(with_captions).crop(band).get_flattened_data() if min(p) > 200]  # white caption letters
    assert lit and not [p for p in pixels(without).crop(band).get_flattened_data() if min(p) > 200]
    assert first_sentence("Meet the bottle. It keeps tea hot.") == "Meet the bottle."
    assert caption_sample("") and caption_sample("one two three four five six seven") == "one two three four five six"
