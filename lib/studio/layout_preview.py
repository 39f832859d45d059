"""A quick still of a video's layout before rendering: the avatar's cover, the product visuals and a caption
sample, placed the way the chosen aspect ratio and screen style place them.

It is an approximation drawn with Pillow from the cover image (the engine renders the real frames and
its exact framing is its own; the studio never imports it), good for checking what goes where: the
product in the split panel or behind the picture-in-picture bubble, the background behind the avatar,
the logo in its corner, the captions' place and size.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from lib.joggai import contract

PREVIEW_SCALE = 0.5  # of the 720p frame: enough to judge the layout, quick to draw
APPROXIMATION_NOTE = ("An approximation of the layout from the avatar's cover image, not a rendered frame: "
                      "the video frames the avatar, the panel's text and the captions a little differently.")
_STAGE = (38, 42, 52)  # behind everything when nothing else fills it
_PANEL = (24, 27, 36)
_PANEL_TEXT = (236, 238, 244)
# How each caption preset looks here (size as a share of the frame's short side, highlight colour of the
# current word); the engine's presets are its own, these only suggest them.
_CAPTION_LOOKS = {"classic": (0.045, (255, 214, 10)), "bold": (0.062, (255, 214, 10)),
                  "minimal": (0.036, (255, 255, 255)), "karaoke": (0.05, (64, 224, 208))}

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in preview pixels


@dataclass(frozen=True)
class PreviewRegions:
    """Where the preview put things (the tests read pixels there)."""

    size: tuple[int, int]
    avatar: Box  # the avatar's area (for picture in picture: the bubble's bounding box)
    content: Box | None  # the product image (split panel, or the whole picture in picture in picture)
    caption: Box | None
    logo: Box | None


@dataclass(frozen=True)
class LayoutPreview:
    """The PNG, where things went, and what could not be shown as given."""

    png: bytes
    regions: PreviewRegions
    notes: tuple[str, ...] = ()


def _frame_size(aspect_ratio: str) -> tuple[int, int]:
    width, height = contract.FRAME_SIZES[contract.DEFAULT_RESOLUTION][aspect_ratio]
    return round(width * PREVIEW_SCALE), round(height * PREVIEW_SCALE)


def _areas(aspect_ratio: str, screen_style: int, width: int, height: int) -> tuple[Box, Box | None, Box]:
    """(avatar area or bubble, content panel, caption band) for one aspect ratio × screen style."""
    short = min(width, height)
    if screen_style == 2:
        if aspect_ratio == "portrait":
            return (0, 0, width, height // 2), (0, height // 2, width, height), \
                (int(width * 0.05), int(height * 0.38), int(width * 0.95), int(height * 0.48))
        half = width // 2
        caption = (int(width * 0.03), int(height * 0.77), width - int(width * 0.03), int(height * 0.96)) \
            if aspect_ratio == "square" else (int(width * 0.02), int(height * 0.74), half, int(height * 0.94))
        return (0, 0, half, height), (half, 0, width, height), caption
    if screen_style == 3:
        radius = short * (0.24 if aspect_ratio == "portrait" else 0.22)
        margin = short * 0.06
        cx = width - margin - radius
        cy = height - margin * (2.2 if aspect_ratio == "portrait" else 1.0) - radius
        bubble = (int(cx - radius), int(cy - radius), int(cx + radius), int(cy + radius))
        caption = (int(width * 0.05), int(height * 0.54), int(width * 0.95), int(height * 0.64)) \
            if aspect_ratio == "portrait" else (int(width * 0.04), int(height * 0.76), bubble[0], int(height * 0.95))
        return bubble, (0, 0, width, height), caption
    portrait = aspect_ratio == "portrait"
    band = int(height * (0.15 if portrait else 0.2))
    bottom = int(height * (0.86 if portrait else 0.90))
    return (0, 0, width, height), None, (int(width * 0.05), bottom - band, int(width * 0.95), bottom)


# The next two follow the engine's split panel and logo corner (its layout is its own; these only mirror it).
def _panel_rects(aspect_ratio: str, width: int, height: int) -> tuple[Box, Box, Box]:
    """(product, title, sentence) in a split screen's panel."""
    def box(x0: float, y0: float, x1: float, y1: float) -> Box:
        return (int(x0), int(height * y0), int(x1), int(height * y1))
    if aspect_ratio == "portrait":
        x0, x1 = width * 0.06, width * 0.94
        return box(x0, 0.525, x1, 0.80), box(x0, 0.815, x1, 0.875), box(x0, 0.88, x1, 0.975)
    x0, x1 = width // 2 + width * 0.04, width * 0.96
    if aspect_ratio == "square":  # the captions run across the bottom: the panel stops above them
        return box(x0, 0.06, x1, 0.46), box(x0, 0.49, x1, 0.59), box(x0, 0.60, x1, 0.75)
    return box(x0, 0.07, x1, 0.62), box(x0, 0.66, x1, 0.76), box(x0, 0.77, x1, 0.94)


def _logo_box(aspect_ratio: str, screen_style: int, width: int, height: int, logo_size: tuple[int, int]) -> Box:
    """Top right, or top left over the avatar's half of a side-by-side split; the logo's aspect kept."""
    short = min(width, height)
    fit = min(short * 0.30 / logo_size[0], short * 0.11 / logo_size[1])
    side_w, side_h, margin = round(logo_size[0] * fit), round(logo_size[1] * fit), round(short * 0.035)
    x0 = margin if screen_style == 2 and aspect_ratio != "portrait" else width - margin - side_w
    return (x0, margin, x0 + side_w, margin + side_h)


def _open(data: bytes | None) -> Image.Image | None:
    if not data:
        return None
    try:
        picture = Image.open(io.BytesIO(data))
        picture.load()
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    return picture.convert("RGBA")


def _fill(canvas: Image.Image, picture: Image.Image, box: Box, *, whole: bool = False) -> None:
    """``picture`` into ``box``: covering it (cropped), or ``whole`` (fitted inside, centred)."""
    size = (max(1, box[2] - box[0]), max(1, box[3] - box[1]))
    if whole:
        fitted = ImageOps.contain(picture, size)
        canvas.alpha_composite(fitted, (box[0] + (size[0] - fitted.width) // 2,
                                        box[1] + (size[1] - fitted.height) // 2))
    else:
        canvas.alpha_composite(ImageOps.fit(picture, size), (box[0], box[1]))


def _placeholder(draw: ImageDraw.ImageDraw, box: Box, label: str, font: ImageFont.ImageFont) -> None:
    draw.rectangle(box, fill=(70, 76, 92), outline=(150, 156, 170), width=2)
    draw.text(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), label, fill=_PANEL_TEXT, font=font, anchor="mm")


def _font(size: float) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=max(8, round(size)))


def _fitted_text(draw: ImageDraw.ImageDraw, where: tuple[int, int], text: str, font: ImageFont.ImageFont,
                 room: float) -> None:
    while len(text) > 1 and draw.textlength(text, font=font) > room:
        text = text[:-2].rstrip() + "…"
    draw.text(where, text, fill=_PANEL_TEXT, font=font)


def _caption(draw: ImageDraw.ImageDraw, box: Box, text: str, style: str, short: int) -> None:
    size_share, highlight = _CAPTION_LOOKS.get(style, _CAPTION_LOOKS[contract.DEFAULT_CAPTION_STYLE])
    font = _font(short * size_share)
    words = text.split()
    if not words:
        return
    spans = [draw.textlength(word + " ", font=font) for word in words]
    x = (box[0] + box[2] - sum(spans)) / 2
    y = (box[1] + box[3]) / 2
    for index, (word, span) in enumerate(zip(words, spans, strict=True)):
        # The second word stands for the one being spoken.
        draw.text((x, y), word, font=font, anchor="lm", fill=highlight if index == 1 else (255, 255, 255),
                  stroke_width=max(1, round(font.size / 12)), stroke_fill=(0, 0, 0))
        x += span


def render_layout_preview(*, aspect_ratio: str, screen_style: int, cover: bytes | None,
                          content: bytes | None = None, background: bytes | None = None,
                          logo: bytes | None = None, title: str = "", caption: str | None = None,
                          caption_style: str = contract.DEFAULT_CAPTION_STYLE,
                          content_label: str = "product", content_chosen: bool = False,
                          sentence: str = "") -> LayoutPreview:
    """The still: images as bytes (None when not chosen), ``caption`` the sample (None: captions off),
    ``sentence`` the first one of the script (the split panel shows it).

    A chosen visual that Pillow cannot open (a short video, say), or content chosen but not fetched
    (``content_chosen``), shows as a labelled box; a note says when a file could not be drawn.
    """
    width, height = _frame_size(aspect_ratio)
    short = min(width, height)
    avatar_box, panel, caption_box = _areas(aspect_ratio, screen_style, width, height)
    canvas = Image.new("RGBA", (width, height), (*_STAGE, 255))
    draw = ImageDraw.Draw(canvas)
    label_font = _font(short * 0.05)
    notes: list[str] = []
    avatar = _open(cover)
    content_picture, content_box = _open(content), None
    content_chosen = content_chosen or bool(content)
    if content and content_picture is None:
        notes.append(f"The {content_label} cannot be drawn here (a video?): a box stands in for it.")

    if screen_style == 1:
        background_picture = _open(background)
        if background_picture is not None:
            _fill(canvas, background_picture, (0, 0, width, height))
            # The avatar stands in front of the background: its cover, narrower, on the lower part.
            avatar_box = (int(width * 0.15), int(height * 0.22), int(width * 0.85), height)
        if avatar is not None:
            _fill(canvas, avatar, avatar_box)
    elif screen_style == 2:
        draw.rectangle(panel, fill=_PANEL)
        if avatar is not None:
            _fill(canvas, avatar, avatar_box)
        # As the engine's panel: the product on top, then the video's name, then the sentence being spoken.
        content_box, title_box, sentence_box = _panel_rects(aspect_ratio, width, height)
        if content_picture is not None:
            _fill(canvas, content_picture, content_box, whole=True)
        elif content_chosen:
            _placeholder(draw, content_box, content_label, label_font)
        for text, box, share in ((title, title_box, 0.05), (sentence, sentence_box, 0.038)):
            if text:
                _fitted_text(draw, box[:2], text, _font(short * share), box[2] - box[0])
    else:
        content_box = panel
        if content_picture is not None:
            _fill(canvas, content_picture, panel)
        else:
            draw.rectangle(panel, fill=_PANEL)
            if content_chosen:
                _placeholder(draw, (width // 8, height // 8, width * 7 // 8, height // 2), content_label, label_font)
        mask = Image.new("L", (avatar_box[2] - avatar_box[0], avatar_box[3] - avatar_box[1]), 0)
        ImageDraw.Draw(mask).ellipse((0, 0, mask.width - 1, mask.height - 1), fill=255)
        face = ImageOps.fit(avatar, mask.size) if avatar is not None else Image.new("RGBA", mask.size, (90, 96, 110, 255))
        canvas.paste(face, avatar_box[:2], mask)
        draw.ellipse(avatar_box, outline=(255, 255, 255), width=max(2, short // 120))

    logo_box = None
    if logo:
        logo_picture = _open(logo)
        logo_box = _logo_box(aspect_ratio, screen_style, width, height, logo_picture.size if logo_picture else (1, 1))
        if logo_picture is not None:
            _fill(canvas, logo_picture, logo_box, whole=True)
        else:
            notes.append("The logo cannot be drawn here: a box stands in for it.")
            _placeholder(draw, logo_box, "logo", _font(short * 0.035))
    if caption is not None:
        _caption(draw, caption_box, caption, caption_style, short)
    out = io.BytesIO()
    canvas.convert("RGB").save(out, format="PNG")
    regions = PreviewRegions((width, height), avatar_box, content_box if content_chosen else None,
                             caption_box if caption is not None else None, logo_box)
    return LayoutPreview(out.getvalue(), regions, tuple(notes))


def first_sentence(script: str) -> str:
    """The script's first sentence (the split panel's text while it is spoken)."""
    text = " ".join((script or "").split())
    ends = [index for index in (text.find(mark) for mark in ".!?") if index >= 0]
    return text[:min(ends) + 1] if ends else text


def caption_sample(script: str, words: int = 6) -> str:
    """The first few words of the script, as the captions would show them first."""
    return " ".join((script or "").split()[:words]) or "Your captions appear here"
