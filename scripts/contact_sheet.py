"""Write a contact sheet of 48 avatar covers and stills of the nine layouts into a folder.

    python scripts/contact_sheet.py OUT_DIR [--first-id 1]

Produces OUT_DIR/covers.png (a grid of 48 covers with names) and OUT_DIR/layouts.png plus one
OUT_DIR/layout_<aspect>_<style>.png per layout, rendered mid-sentence with captions on; and
OUT_DIR/ext_layouts.png plus one OUT_DIR/ext_<name>.png per `ext` layout (a drawn product picture in
split screen and picture in picture, a background and a logo in full screen, 1080p, caption presets).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.engine.catalog.avatars import find_public_avatar, public_avatars
from lib.engine.render.captions import CAPTION_PRESETS
from lib.engine.render.composer import FrameComposer
from lib.engine.render.fonts import ui_font
from lib.engine.render.layout import SCREEN_STYLES, SIZES, make_layout
from lib.engine.render.motion import HeadPose
from lib.engine.render.mouth_shapes import viseme_shape
from lib.engine.render.overlays import build_overlays
from lib.engine.render.pipeline import layout_for
from lib.engine.render.previews import render_cover_jpeg
from lib.engine.render.timeline import Viseme, WordTiming
from lib.engine.render.visuals import Visuals

SCRIPT = ("Welcome back, everyone! Today we look at three ideas that will change how your team works. "
          "Let us start with the first one.")
CELL = 240


def _words(script: str) -> tuple[WordTiming, ...]:
    words, t, pos = [], 0.2, 0
    for token in script.split():
        start = script.index(token, pos)
        pos = start + len(token)
        core = token.rstrip(",.!?")
        words.append(WordTiming(core, t, t + 0.32, start, start + len(core), sentence_end=token[-1] in ".!?"))
        t += 0.36
    return tuple(words)


def covers_sheet(out: Path, first_id: int) -> None:
    avatars = [a for a in public_avatars() if a.id >= first_id][:48]
    cols = 8
    rows = (len(avatars) + cols - 1) // cols
    label_h = 22
    sheet = Image.new("RGB", (cols * CELL, rows * (CELL + label_h)), (250, 250, 250))
    draw = ImageDraw.Draw(sheet)
    font = ui_font(13)
    for k, avatar in enumerate(avatars):
        cover = Image.open(io.BytesIO(render_cover_jpeg(avatar)))
        cover.thumbnail((CELL - 8, CELL - 8))
        x, y = (k % cols) * CELL, (k // cols) * (CELL + label_h)
        sheet.paste(cover, (x + (CELL - cover.width) // 2, y + (CELL - cover.height) // 2))
        draw.text((x + 6, y + CELL), f"{avatar.id} {avatar.name}", font=font, fill=(40, 40, 48))
    sheet.save(out / "covers.png")


def layout_stills(out: Path) -> None:
    avatar = find_public_avatar(81)
    words = _words(SCRIPT)
    t = words[4].start + 0.1
    stills = []
    for aspect in SIZES:
        for style in SCREEN_STYLES:
            layout = make_layout(aspect, style)
            overlays, _ = build_overlays(layout, SCRIPT, words, True)
            composer = FrameComposer(avatar, layout, title="Three ideas for better teamwork",
                                     overlays_spec={"overlays": overlays})
            rgb = composer.still(t, HeadPose(0.0, 0.0, 0.0), viseme_shape(Viseme.AI, 0.8), 0.0)
            Image.fromarray(rgb).save(out / f"layout_{aspect}_{style}.png")
            stills.append(Image.fromarray(rgb))
    scale = 0.3
    width = max(int(sum(im.width for im in stills[k:k + 3]) * scale) for k in (0, 3, 6)) + 40
    sheet = Image.new("RGB", (width, int(1280 * scale * 2 + 720 * scale) + 60), (235, 236, 240))
    y = 10
    for row in range(3):
        x, row_h = 10, 0
        for im in stills[row * 3: row * 3 + 3]:
            small = im.resize((int(im.width * scale), int(im.height * scale)), Image.LANCZOS)
            sheet.paste(small, (x, y))
            x += small.width + 10
            row_h = max(row_h, small.height)
        y += row_h + 10
    sheet.crop((0, 0, sheet.width, y)).save(out / "layouts.png")


def product_picture() -> np.ndarray:
    """A drawn stand-in for a product photo: a bottle on a warm studio backdrop."""
    image = Image.new("RGBA", (900, 700), (242, 200, 150, 255))
    draw = ImageDraw.Draw(image)
    for y in range(700):
        draw.line((0, y, 900, y), fill=(250 - y // 10, 214 - y // 8, 170 - y // 9, 255))
    draw.ellipse((260, 560, 640, 640), fill=(150, 110, 80, 255))
    draw.rounded_rectangle((360, 180, 540, 610), radius=40, fill=(40, 110, 160, 255))
    draw.rectangle((410, 100, 490, 190), fill=(30, 70, 110, 255))
    draw.rounded_rectangle((375, 300, 525, 440), radius=12, fill=(250, 250, 245, 255))
    draw.text((398, 352), "AQUA", font=ui_font(40), fill=(30, 70, 110, 255))
    return np.asarray(image)


def background_picture() -> np.ndarray:
    """A drawn stand-in for a background photo: a soft office wall with a window."""
    image = Image.new("RGBA", (1280, 1280), (190, 205, 215, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((120, 160, 620, 900), fill=(226, 238, 246, 255))
    draw.line((370, 160, 370, 900), fill=(160, 175, 185, 255), width=14)
    draw.line((120, 530, 620, 530), fill=(160, 175, 185, 255), width=14)
    draw.rectangle((0, 1000, 1280, 1280), fill=(120, 100, 86, 255))
    draw.ellipse((860, 600, 1120, 1000), fill=(70, 130, 80, 255))
    return np.asarray(image)


def logo_picture() -> np.ndarray:
    """A logo with a transparent background (so the corner shows through around it)."""
    image = Image.new("RGBA", (400, 140), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((6, 6, 128, 128), fill=(255, 120, 40, 255))
    draw.text((40, 34), "A", font=ui_font(64), fill=(255, 255, 255, 255))
    draw.text((146, 38), "ACME", font=ui_font(60), fill=(255, 255, 255, 235))
    return np.asarray(image)


# name -> (aspect, screen style, which ext pictures, resolution, caption style)
EXT_STILLS = {
    "split_portrait_content": ("portrait", 2, ("content",), "720p", "classic"),
    "split_landscape_content_logo": ("landscape", 2, ("content", "logo"), "720p", "bold"),
    "split_square_content": ("square", 2, ("content",), "720p", "minimal"),
    "pip_portrait_content": ("portrait", 3, ("content", "logo"), "720p", "karaoke"),
    "pip_landscape_content": ("landscape", 3, ("content",), "720p", "classic"),
    "pip_square_content": ("square", 3, ("content",), "720p", "classic"),
    "full_portrait_background_logo": ("portrait", 1, ("background", "logo"), "720p", "classic"),
    "split_landscape_content_1080p": ("landscape", 2, ("content", "logo"), "1080p", "classic"),
}


def ext_stills(out: Path) -> None:
    avatar = find_public_avatar(81)
    words = _words(SCRIPT)
    t = words[4].start + 0.1
    pictures = {"content": product_picture(), "background": background_picture(), "logo": logo_picture()}
    stills = []
    for name, (aspect, style, parts, resolution, caption_style) in EXT_STILLS.items():
        visuals = Visuals(**{part: pictures[part] for part in parts}, resolution=resolution,
                          caption_style=caption_style)
        layout = layout_for(aspect, style, visuals)
        overlays, _ = build_overlays(layout, SCRIPT, words, True, CAPTION_PRESETS[caption_style])
        composer = FrameComposer(avatar, layout, title="Aqua: the bottle that keeps it cold",
                                 overlays_spec={"overlays": overlays}, visuals=visuals)
        rgb = composer.still(t, HeadPose(0.0, 0.0, 0.0), viseme_shape(Viseme.AI, 0.8), 0.0)
        Image.fromarray(rgb).save(out / f"ext_{name}.png")
        stills.append(Image.fromarray(rgb))
    row_h = 380
    smalls = [im.resize((int(im.width * row_h / im.height), row_h), Image.LANCZOS) for im in stills]
    rows = [smalls[:4], smalls[4:]]
    width = max(sum(im.width + 10 for im in row) for row in rows) + 10
    sheet = Image.new("RGB", (width, (row_h + 10) * len(rows) + 10), (235, 236, 240))
    for r, row in enumerate(rows):
        x = 10
        for im in row:
            sheet.paste(im, (x, 10 + r * (row_h + 10)))
            x += im.width + 10
    sheet.save(out / "ext_layouts.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--first-id", type=int, default=1)
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    covers_sheet(args.out_dir, args.first_id)
    layout_stills(args.out_dir)
    ext_stills(args.out_dir)
    print(f"wrote {args.out_dir / 'covers.png'}, {args.out_dir / 'layouts.png'} and "
          f"{args.out_dir / 'ext_layouts.png'}")


if __name__ == "__main__":
    main()
