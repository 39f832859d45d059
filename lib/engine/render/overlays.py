"""Text overlays: rectangles of the frame whose content switches between a few states over time
(the panel's current or coming sentence, burned-in captions), each state drawn once as a sprite."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from lib.engine.render.captions import (
    DEFAULT_PRESET,
    CaptionChunk,
    CaptionPreset,
    active_index,
    chunk_words,
    current_word,
    render_caption,
    render_text_block,
    sentences,
)
from lib.engine.render.layout import Layout
from lib.engine.render.timeline import WordTiming

# Sprites kept per overlay: states follow the clock, so only the current one (and the one a still
# just asked for) is ever wanted again; keeping every state grew memory with the script's length.
_SPRITES_KEPT = 2


class TextOverlay:
    """A rectangle of the frame whose content switches between a few states (captions, sentences)."""

    def __init__(self, rect: tuple[int, int, int, int], spans: list[tuple[float, float]],
                 draw_state: Callable[[int, float], tuple[int, np.ndarray | None]]) -> None:
        self.rect = rect
        self.spans = spans
        self.draw_state = draw_state  # (state index, time) -> (cache key, RGBA sprite or None)


def _up_next_sprite(text: str | None, width: int, height: int, size: int, progress: float) -> np.ndarray:
    """The panel while captions run: a small "Up next" label over the coming sentence (none after the
    last one), and a progress bar through the script along the bottom."""
    bar_h = max(4, int(size * 0.16))
    room = height - bar_h * 4
    parts = []
    if text:
        label_size = max(12, int(size * 0.6))
        label_h = int(label_size * 1.9)
        parts.append(render_text_block("UP NEXT", width, label_h, size=label_size, colour=(150, 164, 204),
                                       bold_ui=True, max_lines=1))
        parts.append(render_text_block(text, width, max(1, room - label_h), size=int(size * 0.85),
                                       colour=(196, 204, 222), max_lines=8))
    parts.append(np.zeros((height - sum(part.shape[0] for part in parts), width, 4), np.uint8))
    image = Image.fromarray(np.concatenate(parts, axis=0))
    draw = ImageDraw.Draw(image)
    y0 = height - bar_h * 2
    draw.rounded_rectangle((0, y0, width - 1, y0 + bar_h), radius=bar_h // 2, fill=(255, 255, 255, 46))
    filled = max(bar_h, int((width - 1) * progress))
    draw.rounded_rectangle((0, y0, filled, y0 + bar_h), radius=bar_h // 2, fill=(196, 204, 222, 230))
    return np.asarray(image)


def build_overlays(layout: Layout, script: str, words: tuple[WordTiming, ...], caption: bool,
                   preset: CaptionPreset = DEFAULT_PRESET) -> tuple[list[TextOverlay], list[CaptionChunk]]:
    """Text overlays for a layout: the panel's current sentence and burned-in captions (in `preset`'s look)."""
    overlays: list[TextOverlay] = []
    chunks = chunk_words(words) if caption else []
    if layout.sentence_rect is not None:
        sx0, sy0, sx1, sy1 = layout.sentence_rect
        spoken = sentences(words)
        size = int(layout.width * (0.06 if layout.aspect_ratio != "landscape" else 0.03))
        if spoken:
            # With burned-in captions the spoken sentence is already on screen: the panel shows the
            # one coming next instead, so the two never repeat each other.
            def sentence_state(_: int, t: float, spoken: list[CaptionChunk] = spoken) -> tuple[int, np.ndarray | None]:
                index = 0
                for i, chunk in enumerate(spoken):
                    if chunk.start <= t:
                        index = i
                return index, _sentence_sprite(index)

            @lru_cache(maxsize=_SPRITES_KEPT)
            def _sentence_sprite(index: int) -> np.ndarray:
                if not caption:
                    return render_text_block(spoken[index].text(script), sx1 - sx0, sy1 - sy0,
                                             size=size, colour=(236, 240, 248), max_lines=8)
                coming = spoken[index + 1].text(script) if index + 1 < len(spoken) else None
                return _up_next_sprite(coming, sx1 - sx0, sy1 - sy0, size, (index + 1) / len(spoken))

            overlays.append(TextOverlay(layout.sentence_rect, [], sentence_state))
        elif script.strip():
            sprite = render_text_block(script.strip(), sx1 - sx0, sy1 - sy0, size=size, colour=(236, 240, 248))
            overlays.append(TextOverlay(layout.sentence_rect, [], lambda _i, _t: (0, sprite)))
    if chunks:
        cx0, cy0, cx1, cy1 = layout.caption_rect

        @lru_cache(maxsize=_SPRITES_KEPT)
        def caption_sprite(index: int, word: int) -> np.ndarray:
            return render_caption(chunks[index], script, word, cx1 - cx0, cy1 - cy0, preset=preset)

        def caption_state(_: int, t: float) -> tuple[tuple[int, int] | None, np.ndarray | None]:
            index = active_index(chunks, t)
            if index is None:
                return None, None
            key = (index, current_word(chunks[index], t))
            return key, caption_sprite(*key)

        overlays.append(TextOverlay(layout.caption_rect, [], caption_state))
    return overlays, chunks


def still_overlay(rect: tuple[int, int, int, int], sprite: np.ndarray) -> TextOverlay:
    """An overlay that never changes (the logo): pasted once, and kept above the head where they meet."""
    return TextOverlay(rect, [], lambda _i, _t: (0, sprite))
