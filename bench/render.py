"""Benchmark the renderer: a 30-second English script at 720x1280 with captions.

    python bench/render.py

Prints wall time, real-time factor (seconds of video per second of wall time), peak memory of this
process plus the ffmpeg child, and the ratio of our render time to libx264 alone encoding the same
frames (read back from our output) with the same settings, measured in the same run.
Targets: RTF >= 4, ratio <= 1.3, peak <= 500 MB.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Self

import av
import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.engine.catalog.avatars import find_public_avatar
from lib.engine.catalog.voices import all_voices, find_voice
from lib.engine.render.encode import VideoEncoder
from lib.engine.render.pipeline import RenderRequest, render_video
from lib.engine.render.speech import synthesize

SCRIPT = (
    "Good morning, everyone, and thank you for joining this quick update. Over the last quarter our team "
    "shipped three major features, cut the average response time in half, and welcomed four new colleagues. "
    "Today I want to walk you through what went well, what we learned the hard way, and where we are heading "
    "next. First, the wins. Our new onboarding flow is live, and early numbers look very encouraging. "
    "Second, the lessons. We underestimated testing time, and we will plan for it properly from now on."
)


class PeakMemory:
    """Samples the resident memory of this process and its children every 20 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = me.memory_info().rss
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.02)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    voice = find_voice("en-US-ChristopherNeural") or all_voices()[0]
    speech = synthesize(SCRIPT, voice)
    avatar = find_public_avatar(81)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        request = RenderRequest(avatar, speech, SCRIPT, "portrait", 1, True, "Quarterly update", 1)
        with PeakMemory() as memory:
            started = time.perf_counter()
            result = render_video(request, out / "ours")
            ours = time.perf_counter() - started
        # The floor: the same frames, already in memory as yuv420p, through the same encoder settings.
        frames = []
        with av.open(str(result.video_path)) as container:
            for frame in container.decode(video=0):
                frames.append(np.ascontiguousarray(frame.to_ndarray(format="yuv420p")).reshape(-1))
        started = time.perf_counter()
        with VideoEncoder(out / "floor.mp4", result.width, result.height, pcm=speech.pcm,
                          sample_rate=speech.sample_rate) as encoder:
            for data in frames:
                encoder.write(data)
        floor = time.perf_counter() - started
    print(f"video: {result.duration:.2f} s at {result.width}x{result.height}, captions on, {len(frames)} frames")
    print(f"wall time: {ours:.2f} s")
    print(f"real-time factor: {result.duration / ours:.2f}  (target >= 4)")
    print(f"encoder-only floor: {floor:.2f} s (RTF {result.duration / floor:.2f}); "
          f"ratio ours/floor: {ours / floor:.2f}  (target <= 1.3)")
    print(f"peak memory (this process + ffmpeg, sampled every 20 ms): {memory.peak / 2**20:.0f} MB  (target <= 500)")


if __name__ == "__main__":
    main()
