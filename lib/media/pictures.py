"""Still pictures for finishing a video: the end card (text on a product image) and the logo, drawn
with Pillow at the video's own size so ffmpeg only has to overlay and concatenate them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from lib.media.music import MediaError

CARD_BACKGROUND = (17, 24, 39)  # a dark slate: product photos and white text both read on it
CARD_TEXT = (255, 255, 255)
LOGO_CORNERS = ("top-right", "top-left", "bottom-right", "bottom-left")
LOGO_WIDTH = 0.18  # of the frame's shorter side
LOGO_MARGIN = 0.035  # from the edges, of the shorter side
MAX_CARD_LINES = 3
_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")
_FONT_FILES = ("NotoSans-Bold.ttf", "DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf")


@dataclass(frozen=True)
class EndCard:
    """A few seconds appended to the video: ``text`` under (or, without one, instead of) a product image."""

    text: str = ""
    image: str | os.PathLike[str] | None = None
    seconds: float = 3.0


def open_image(path: str | os.PathLike[str], what: str) -> Image.Image:
    """An uploaded picture, RGBA; MediaError naming ``what`` when it is not a picture."""
    try:
        with Image.open(path) as picture:
            picture.load()
            return picture.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise MediaError(f"the {what} is not a PNG, JPEG or WebP picture") from error


@lru_cache(maxsize=8)
def card_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A bold sans font at ``size`` px: Noto or DejaVu when installed, else Pillow's own scalable one."""
    for root in _FONT_DIRS:
        for name in _FONT_FILES:
            found = next(iter(sorted(root.rglob(name))), None) if root.is_dir() else None
            if found is not None:
                return ImageFont.truetype(str(found), size)
    return ImageFont.load_default(size)


def wrap_text(text: str, font, max_width: float, max_lines: int = MAX_CARD_LINES) -> list[str]:
    """Greedy word wrap into at most ``max_lines`` lines no wider than ``max_width`` (an ellipsis when cut)."""
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(".,;:") + "…"
    return lines


def end_card_image(card: EndCard, width: int, height: int) -> Image.Image:
    """The end card as an RGB picture of ``width`` × ``height``: the product image fitted into the upper
    part (or the whole card without text), the text centred under it."""
    canvas = Image.new("RGB", (width, height), CARD_BACKGROUND)
    short = min(width, height)
    margin = round(short * 0.06)
    font = card_font(max(12, round(short * 0.065)))
    lines = wrap_text(card.text.strip(), font, width - 2 * margin) if card.text.strip() else []
    line_height = round(font.size * 1.25) if hasattr(font, "size") else 16
    text_height = line_height * len(lines)
    if card.image is not None:
        product = open_image(card.image, "product image")
        box_w, box_h = width - 2 * margin, height - 2 * margin - (text_height + margin if lines else 0)
        if box_w > 0 and box_h > 0:
            scale = min(box_w / product.width, box_h / product.height)
            size = (max(1, round(product.width * scale)), max(1, round(product.height * scale)))
            fitted = product.resize(size, Image.Resampling.LANCZOS)
            left = (width - size[0]) // 2
            top = margin + (box_h - size[1]) // 2
            canvas.paste(fitted, (left, top), fitted)  # the picture's own alpha, over the card colour
        text_top = height - margin - text_height
    else:
        text_top = (height - text_height) // 2
    draw = ImageDraw.Draw(canvas)
    for index, line in enumerate(lines):
        draw.text((width / 2, text_top + index * line_height), line, font=font, fill=CARD_TEXT, anchor="ma")
    return canvas


def logo_image(path: str | os.PathLike[str], width: int, height: int) -> Image.Image:
    """The logo scaled for a ``width`` × ``height`` frame (``LOGO_WIDTH`` of its shorter side, never
    taller than a fifth of it), alpha kept."""
    logo = open_image(path, "logo")
    short = min(width, height)
    scale = min(LOGO_WIDTH * short / logo.width, 0.2 * short / logo.height)
    size = (max(2, round(logo.width * scale)), max(2, round(logo.height * scale)))
    return logo.resize(size, Image.Resampling.LANCZOS)


def logo_position(corner: str, frame: tuple[int, int], logo: tuple[int, int]) -> tuple[int, int]:
    """The logo's top-left pixel for ``corner`` (one of LOGO_CORNERS)."""
    if corner not in LOGO_CORNERS:
        raise ValueError(f"logo corner must be one of {', '.join(LOGO_CORNERS)}")
    margin = round(min(frame) * LOGO_MARGIN)
    x = frame[0] - logo[0] - margin if corner.endswith("right") else margin
    y = frame[1] - logo[1] - margin if corner.startswith("bottom") else margin
    return x, y
