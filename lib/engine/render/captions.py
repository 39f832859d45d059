"""Captions: chunking word timings, WebVTT, and the text sprites burned into frames.

Text is laid out word by word (so the current word can be highlighted) with Pillow; libraqm shapes
Arabic and Indic scripts when available, and right-to-left lines are placed from the right.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from lib.engine.render.fonts import dominant_script, font_for_text, is_rtl, ui_font
from lib.engine.render.timeline import WordTiming
from lib.joggai.contract import CAPTION_STYLES, DEFAULT_CAPTION_STYLE

MAX_WORDS = 6
MAX_CHARS = 42
HIGHLIGHT = (255, 212, 71)
BOX = (14, 18, 28)


@dataclass(frozen=True)
class CaptionPreset:
    """How one named caption style (contract.CAPTION_STYLES) looks: the caption box's height factor and
    lift (in frame heights, up), the highlight pill's colour and the word's colour on it, the box opacity."""

    size: float
    lift: float
    highlight: tuple[int, int, int]
    highlight_text: tuple[int, int, int]
    box_alpha: int


# In the contract's order: classic, bold, minimal, karaoke.
CAPTION_PRESETS: dict[str, CaptionPreset] = dict(zip(CAPTION_STYLES, (
    CaptionPreset(1.0, 0.0, HIGHLIGHT, (20, 20, 24), 178),
    CaptionPreset(1.3, 0.0, (255, 86, 104), (255, 255, 255), 214),
    CaptionPreset(0.8, -0.03, (150, 210, 255), (16, 24, 40), 96),
    CaptionPreset(1.15, 0.03, (72, 226, 158), (12, 28, 20), 178),
), strict=True))
DEFAULT_PRESET = CAPTION_PRESETS[DEFAULT_CAPTION_STYLE]

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class CaptionChunk:
    """A few words shown together, with the time span they cover."""

    start: float
    end: float
    words: tuple[WordTiming, ...]

    def text(self, script: str) -> str:
        """The chunk's text as written in the script (original spacing and punctuation)."""
        return _span_text(self.words, script)


def _span_text(words: tuple[WordTiming, ...], script: str) -> str:
    if not words:
        return ""
    first, last = words[0], words[-1]
    if 0 <= first.char_start < last.char_end <= len(script):
        return _with_trailing_punct(script, first.char_start, last.char_end).strip()
    return " ".join(w.text for w in words)


def _with_trailing_punct(script: str, start: int, end: int) -> str:
    # Keep closing punctuation espeak leaves outside the word ("world." / "你好。").
    while end < len(script) and not script[end].isspace() and not script[end].isalnum():
        end += 1
    return script[start:end]


def _word_text(word: WordTiming, script: str) -> str:
    if 0 <= word.char_start < word.char_end <= len(script):
        return _with_trailing_punct(script, word.char_start, word.char_end)
    return word.text


def chunk_words(words: tuple[WordTiming, ...] | list[WordTiming], *, max_words: int = MAX_WORDS,
                max_chars: int = MAX_CHARS) -> list[CaptionChunk]:
    """Group words into caption chunks: at most `max_words` words / `max_chars` characters, and a
    sentence end always closes a chunk. Chunk times run back to back so captions never flicker off
    between words of one chunk."""
    chunks: list[CaptionChunk] = []
    current: list[WordTiming] = []
    chars = 0
    for word in words:
        if current and (len(current) >= max_words or chars + len(word.text) + 1 > max_chars):
            chunks.append(CaptionChunk(current[0].start, current[-1].end, tuple(current)))
            current, chars = [], 0
        current.append(word)
        chars += len(word.text) + 1
        if word.sentence_end:
            chunks.append(CaptionChunk(current[0].start, current[-1].end, tuple(current)))
            current, chars = [], 0
    if current:
        chunks.append(CaptionChunk(current[0].start, current[-1].end, tuple(current)))
    return chunks


def sentences(words: tuple[WordTiming, ...] | list[WordTiming]) -> list[CaptionChunk]:
    """Whole sentences (for the split-screen panel)."""
    return chunk_words(words, max_words=10_000, max_chars=10_000)


def _vtt_time(seconds: float) -> str:
    ms = round(max(0.0, seconds) * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def webvtt(chunks: list[CaptionChunk], script: str) -> str:
    """A WebVTT document with one cue per chunk."""
    lines = ["WEBVTT", ""]
    for index, chunk in enumerate(chunks, 1):
        end = max(chunk.end, chunk.start + 0.2)
        if index < len(chunks):  # cues never overlap
            end = min(end, chunks[index].start) if chunks[index].start > chunk.start else end
        text = chunk.text(script).replace("-->", "→")
        lines += [str(index), f"{_vtt_time(chunk.start)} --> {_vtt_time(end)}", text, ""]
    return "\n".join(lines)


def active_index(chunks: list[CaptionChunk], t: float, hold: float = 0.6) -> int | None:
    """The chunk to show at time t: the one being spoken, or the last one for `hold` s after it ends."""
    shown = None
    for i, chunk in enumerate(chunks):
        if chunk.start <= t:
            shown = i
        else:
            break
    if shown is None:
        return None
    chunk = chunks[shown]
    nxt = chunks[shown + 1].start if shown + 1 < len(chunks) else float("inf")
    if t <= chunk.end + hold and t < nxt:
        return shown
    return None


def current_word(chunk: CaptionChunk, t: float) -> int:
    """Index of the word being spoken in the chunk at time t (the last started one)."""
    index = 0
    for i, word in enumerate(chunk.words):
        if word.start <= t:
            index = i
    return index


# ----------------------------------------------------------------------------------------- drawing


def _line_metrics(font: Font) -> tuple[int, int]:
    try:
        ascent, descent = font.getmetrics()
    except AttributeError:  # the bitmap fallback font
        ascent, descent = 11, 3
    return ascent, descent


def _layout_words(texts: list[str], font: Font, max_width: float, joiner: str, extra: float = 0.0
                  ) -> list[list[int]]:
    space = (font.getlength(joiner) if joiner else 0.0) + extra
    lines: list[list[int]] = [[]]
    width = 0.0
    for i, text in enumerate(texts):
        w = font.getlength(text)
        needed = w if not lines[-1] else width + space + w
        if lines[-1] and needed > max_width:
            lines.append([i])
            width = w
        else:
            lines[-1].append(i)
            width = needed
    return lines


@dataclass(frozen=True)
class _CaptionLayout:
    """A chunk laid out once: the box with every word in white, and where each word sits."""

    base: Image.Image
    font: Font
    size: int
    line_h: int
    ascent: int
    descent: int
    places: tuple[tuple[float, float, float], ...]  # (x, y, width) of each word


@lru_cache(maxsize=16)
def _caption_layout(chunk: CaptionChunk, script: str, width: int, height: int, font_px: int | None,
                    box_alpha: int = DEFAULT_PRESET.box_alpha, font_scale: float = 1.0) -> _CaptionLayout:
    texts = [_word_text(w, script) for w in chunk.words]
    sample = " ".join(texts)
    rtl = is_rtl(sample)
    joiner = "" if dominant_script(sample) == "cjk" else " "
    size = font_px or max(14, int(min(height / 2.7, width * 0.08 * font_scale)))
    pad_x, max_lines = 0, 2
    while True:
        font = font_for_text(sample, size)
        pad_x = int(size * 0.55)
        lines = _layout_words(texts, font, width - 2 * pad_x - size * 0.2, joiner, size * 0.16)
        ascent, descent = _line_metrics(font)
        fits_height = int((ascent + descent) * 1.12) * len(lines) + 2 * int(size * 0.32) <= height
        if (len(lines) <= max_lines and fits_height) or size <= 14:
            break
        size = int(size * 0.88)
    ascent, descent = _line_metrics(font)
    line_h = int((ascent + descent) * 1.12)
    pad_y = int(size * 0.32)
    # Extra room between words so the highlight pill never touches its neighbours.
    space = (font.getlength(joiner) if joiner else 0.0) + size * 0.16
    widths = [font.getlength(t) for t in texts]
    line_widths = [sum(widths[i] for i in line) + space * (len(line) - 1) for line in lines]
    box_w = int(max(line_widths) + 2 * pad_x)
    box_h = int(line_h * len(lines) + 2 * pad_y)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    bx = (width - box_w) // 2
    by = max(0, height - box_h) // 2
    draw.rounded_rectangle((bx, by, bx + box_w, by + box_h), radius=int(size * 0.45), fill=(*BOX, box_alpha))
    places: list[tuple[float, float, float]] = [(0.0, 0.0, 0.0)] * len(texts)
    for row, line in enumerate(lines):
        y = by + pad_y + row * line_h
        x = (width - line_widths[row]) / 2
        for i in (list(reversed(line)) if rtl else line):
            places[i] = (x, y, widths[i])
            draw.text((x, y + (line_h - ascent - descent) / 2), texts[i], font=font, fill=(255, 255, 255, 255))
            x += widths[i] + space
    return _CaptionLayout(image, font, size, line_h, ascent, descent, tuple(places))


def render_caption(chunk: CaptionChunk, script: str, highlight: int | None, width: int, height: int,
                   *, font_px: int | None = None, preset: CaptionPreset = DEFAULT_PRESET) -> np.ndarray:
    """An RGBA (straight alpha) sprite of `width` x `height` with the chunk on a rounded dark box,
    word `highlight` marked in the preset's colours; text shrinks until it fits in two lines."""
    layout = _caption_layout(chunk, script, width, height, font_px, preset.box_alpha, preset.size)
    if highlight is None or not 0 <= highlight < len(layout.places):
        return np.asarray(layout.base)
    # The chunk is laid out once; each highlight only paints its pill and one dark word over it.
    image = layout.base.copy()
    draw = ImageDraw.Draw(image)
    x, y, w = layout.places[highlight]
    size = layout.size
    draw.rounded_rectangle((x - size * 0.14, y + size * 0.02, x + w + size * 0.14, y + layout.line_h - size * 0.02),
                           radius=int(size * 0.22), fill=(*preset.highlight, 255))
    draw.text((x, y + (layout.line_h - layout.ascent - layout.descent) / 2),
              _word_text(chunk.words[highlight], script), font=layout.font, fill=(*preset.highlight_text, 255))
    return np.asarray(image)


def wrap_text(text: str, font: Font, max_width: float) -> list[str]:
    """Greedy word wrap (per character for scripts written without spaces)."""
    joiner = "" if dominant_script(text) == "cjk" else " "
    parts = list(text) if not joiner else text.split()
    return [joiner.join(parts[i] for i in line) for line in _layout_words(parts, font, max_width, joiner) if line]


def render_text_block(text: str, width: int, height: int, *, size: int, colour: tuple[int, int, int],
                      bold_ui: bool = False, max_lines: int = 8, align: str = "left") -> np.ndarray:
    """RGBA sprite with `text` wrapped into the box, shrinking the size until it fits."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if not text.strip():
        return np.asarray(image)
    while True:
        font = ui_font(size) if bold_ui and dominant_script(text) == "latin" else font_for_text(text, size)
        lines = wrap_text(text, font, width)
        ascent, descent = _line_metrics(font)
        line_h = int((ascent + descent) * 1.18)
        if (len(lines) <= max_lines and line_h * len(lines) <= height) or size <= 12:
            break
        size = int(size * 0.9)
    draw = ImageDraw.Draw(image)
    rtl = is_rtl(text)
    for row, line in enumerate(lines[: max(1, height // max(1, line_h))]):
        w = font.getlength(line)
        x = (width - w) / 2 if align == "center" else (width - w if rtl else 0)
        draw.text((x, row * line_h), line, font=font, fill=(*colour, 255))
    return np.asarray(image)
