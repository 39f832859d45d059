"""The threaded ffmpeg writer keeps frames in order and fails cleanly; the split panel never repeats
the burned-in caption."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import av
import numpy as np
import pytest

from lib.engine.render.encode import EncodeError, VideoEncoder, YuvFrame
from lib.engine.render.layout import make_layout
from lib.engine.render.overlays import build_overlays
from lib.engine.render.timeline import WordTiming

pytestmark = pytest.mark.timeout(120)


def test_frames_arrive_in_order_although_the_caller_reuses_its_buffer(tmp_path: Path) -> None:
    frame = YuvFrame(64, 48)
    levels = [30 + 9 * i for i in range(20)]
    out = tmp_path / "ramp.mp4"
    with VideoEncoder(out, 64, 48) as encoder:
        for level in levels:
            frame.y[:] = level  # the same buffer every time: write() must have copied it
            frame.u[:] = 128
            frame.v[:] = 128
            encoder.write(frame)
    with av.open(str(out)) as container:
        means = [float(f.to_ndarray(format="yuv420p")[:48].mean()) for f in container.decode(video=0)]
    assert len(means) == len(levels)
    assert np.allclose(means, levels, atol=2.0)


def test_a_dead_encoder_raises_and_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "dead.mp4"
    frame = YuvFrame(320, 240)
    frame.buffer[:] = 100
    with pytest.raises(EncodeError), VideoEncoder(out, 320, 240) as encoder:
        os.kill(encoder.pid, signal.SIGKILL)
        for _ in range(2000):  # the writer notices the broken pipe within a few frames
            encoder.write(frame)
    assert not out.exists()
    assert not list(tmp_path.glob("*.partial.mp4"))


def _words(script: str) -> tuple[WordTiming, ...]:
    words, t = [], 0.2
    for match in re.finditer(r"\S+", script):
        core = match.group().rstrip(".!?,")
        words.append(WordTiming(core, t, t + 0.3, match.start(), match.start() + len(core),
                                sentence_end=match.group()[-1] in ".!?"))
        t += 0.35
    return tuple(words)


@pytest.mark.parametrize("aspect,style", [("portrait", 2), ("landscape", 3), ("square", 2)])
def test_panel_shows_the_coming_sentence_only_when_captions_are_on(aspect: str, style: int) -> None:
    script = "First point here. Second point there. Last one now."
    words = _words(script)
    layout = make_layout(aspect, style)
    last_sentence_at = words[-1].start + 0.01
    with_captions, _ = build_overlays(layout, script, words, True)
    without, _ = build_overlays(layout, script, words, False)
    panel_on, panel_off = with_captions[0], without[0]
    assert panel_on.rect == layout.sentence_rect
    # Without captions the panel carries the spoken sentence, the last one included.
    assert panel_off.draw_state(0, last_sentence_at)[1][..., 3].any()
    # With captions: text while a sentence is still to come, then only the progress bar.
    first = panel_on.draw_state(0, 0.3)[1]
    last = panel_on.draw_state(0, last_sentence_at)[1]
    text_rows = slice(0, first.shape[0] // 2)
    assert first[text_rows, :, 3].any()
    assert not last[text_rows, :, 3].any()
    assert last[..., 3].any()  # the finished progress bar
