"""Caption chunking, WebVTT output and text sprites in several scripts."""

from __future__ import annotations

import re

import numpy as np
import pytest

from lib.engine.render.captions import (
    active_index,
    chunk_words,
    current_word,
    render_caption,
    render_text_block,
    webvtt,
)
from lib.engine.render.timeline import WordTiming


def _words(script: str, step: float = 0.3) -> tuple[WordTiming, ...]:
    out, pos, t = [], 0, 0.1
    for token in script.split():
        start = script.index(token, pos)
        pos = start + len(token)
        core = token.rstrip(".,!?")
        out.append(WordTiming(core, t, t + step * 0.9, start, start + len(core), token[-1] in ".!?"))
        t += step
    return tuple(out)


SCRIPT = "One two three four five six seven eight. Short one! And a final sentence here"


def test_chunks_respect_word_limit_and_sentence_ends() -> None:
    chunks = chunk_words(_words(SCRIPT))
    assert all(len(c.words) <= 6 for c in chunks)
    assert [w.text for c in chunks for w in c.words] == [w.text for w in _words(SCRIPT)]
    for c in chunks:  # a sentence end only ever closes a chunk
        assert all(not w.sentence_end for w in c.words[:-1])
    assert chunks[1].text(SCRIPT) == "seven eight."
    assert chunks[2].text(SCRIPT) == "Short one!"


def test_webvtt_is_well_formed() -> None:
    chunks = chunk_words(_words(SCRIPT))
    text = webvtt(chunks, SCRIPT)
    lines = text.split("\n")
    assert lines[0] == "WEBVTT" and lines[1] == ""
    stamps = re.findall(r"^(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})$", text, re.MULTILINE)
    assert len(stamps) == len(chunks)
    previous_end = "00:00:00.000"
    for start, end in stamps:
        assert previous_end <= start < end
        previous_end = end
    assert "seven eight." in text


def test_active_chunk_and_word_follow_time() -> None:
    words = _words(SCRIPT)
    chunks = chunk_words(words)
    assert active_index(chunks, 0.0) is None
    assert active_index(chunks, words[0].start + 0.01) == 0
    assert current_word(chunks[0], words[2].start + 0.01) == 2
    assert active_index(chunks, words[-1].end + 5) is None


@pytest.mark.parametrize("script", [
    "Hello world, this is a caption test.", "Привет, как дела сегодня?", "Καλημέρα σας φίλοι",
    "مرحبا بكم في الاستوديو", "नमस्ते दुनिया आज", "你好 世界 欢迎", "こんにちは 世界"])
def test_caption_sprites_render_any_script(script: str) -> None:
    chunk = chunk_words(_words(script))[0]
    sprite = render_caption(chunk, script, 1 if len(chunk.words) > 1 else 0, 640, 140)
    assert sprite.shape == (140, 640, 4)
    opaque = sprite[..., 3] > 0
    assert opaque.mean() > 0.05
    # White text and the yellow highlight are both present.
    rgb = sprite[..., :3][sprite[..., 3] == 255].astype(int)
    assert ((rgb[:, 0] > 230) & (rgb[:, 1] > 230) & (rgb[:, 2] > 230)).any()
    assert ((rgb[:, 0] > 230) & (rgb[:, 2] < 120)).any()


def test_text_block_wraps_and_shrinks_to_fit() -> None:
    long = "A rather long sentence that has to wrap over several lines in a narrow box. " * 3
    block = render_text_block(long, 300, 200, size=40, colour=(255, 255, 255))
    assert block.shape == (200, 300, 4)
    rows = np.nonzero(block[..., 3].any(axis=1))[0]
    assert rows.size and rows[-1] < 200
    assert render_text_block("   ", 100, 50, size=20, colour=(0, 0, 0))[..., 3].max() == 0


def test_every_contract_caption_style_has_a_look() -> None:
    from lib.engine.render.captions import CAPTION_PRESETS
    from lib.joggai.contract import CAPTION_STYLES

    assert tuple(CAPTION_PRESETS) == CAPTION_STYLES
    assert len({preset.highlight for preset in CAPTION_PRESETS.values()}) == len(CAPTION_STYLES)
