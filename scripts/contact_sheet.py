"""Write a contact sheet of 48 avatar covers and stills of the nine layouts into a folder.

    python scripts/contact_sheet.py OUT_DIR [--first-id 1]

Produces OUT_DIR/covers.png (a grid of 48 covers with names) and OUT_DIR/layouts.png plus one
OUT_DIR/layout_<aspect>_<style>.png per layout, rendered mid-sentence with captions on.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.engine.catalog.avatars import find_public_avatar, public_avatars
from lib.engine.render.composer import FrameComposer
from lib.engine.render.fonts import ui_font
from lib.engine.render.layout import SCREEN_STYLES, SIZES, make_layout
from lib.engine.render.motion import HeadPose
from lib.engine.render.mouth_shapes import viseme_shape
from lib.engine.render.overlays import build_overlays
from lib.engine.render.previews import render_cover_jpeg
from lib.engine.render.timeline import Viseme, WordTiming

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--first-id", type=int, default=1)
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    covers_sheet(args.out_dir, args.first_id)
    layout_stills(args.out_dir)
    print(f"wrote {args.out_dir / 'covers.png'} and {args.out_dir / 'layouts.png'}")


if __name__ == "__main__":
    main()
