"""Benchmark the renderer: a 30-second English script with captions, in portrait full screen (720p) and
in split screen with a content picture in the panel at 720p and 1080p.

    python bench/render.py

Prints, per case, wall time, real-time factor (seconds of video per second of wall time), peak memory of
this process plus the ffmpeg child, and the ratio of our render time to libx264 alone encoding the same
frames (read back from our output) with the same settings, measured in the same run.
Targets: 720p RTF >= 4 (about 6-9), ratio <= 1.3, peak <= 500 MB; 1080p RTF >= 3, ratio <= 1.3,
peak <= 600 MB. The split-screen cases carry a music bed, mixed as `ext.music_url` is.

The machine is a shared 2-core box, so our render and the floor are timed in alternation over
several rounds (ROUNDS) and medians are printed, next to the CPU seconds each side used.
"""

from __future__ import annotations

import multiprocessing
import resource
import statistics
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

from PIL import Image, ImageDraw

from lib.engine.catalog.avatars import find_public_avatar
from lib.engine.catalog.voices import all_voices, find_voice
from lib.engine.render.encode import VideoEncoder, write_wav
from lib.engine.render.pipeline import RenderRequest, render_video
from lib.engine.render.speech import synthesize
from lib.engine.render.timeline import Speech
from lib.engine.render.visuals import Visuals

SCRIPT = (
    "Good morning, everyone, and thank you for joining this quick update. Over the last quarter our team "
    "shipped three major features, cut the average response time in half, and welcomed four new colleagues. "
    "Today I want to walk you through what went well, what we learned the hard way, and where we are heading "
    "next. First, the wins. Our new onboarding flow is live, and early numbers look very encouraging. "
    "Second, the lessons. We underestimated testing time, and we will plan for it properly from now on."
)


ROUNDS = 3


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds used so far by this process and by its finished children (ffmpeg)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


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


def product_picture() -> np.ndarray:
    """A drawn product photo for the content panel (the bench downloads nothing)."""
    image = Image.new("RGBA", (1200, 900), (236, 196, 150, 255))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((480, 200, 720, 800), radius=50, fill=(40, 110, 160, 255))
    draw.rectangle((540, 90, 660, 210), fill=(30, 70, 110, 255))
    return np.asarray(image)


def music_file(directory: Path, speech: Speech) -> Path:
    """A quiet two-tone loop, as a music bed would be."""
    t = np.arange(int(8 * speech.sample_rate)) / speech.sample_rate
    tone = (np.sin(2 * np.pi * 220 * t) + np.sin(2 * np.pi * 330 * t)) * 3000
    path = directory / "music.wav"
    write_wav(path, tone.astype(np.int16), speech.sample_rate)
    return path


def fresh_peak(request: RenderRequest) -> int:
    """Peak memory of one render in a fresh process (this one keeps heap from earlier cases)."""
    with tempfile.TemporaryDirectory() as tmp, PeakMemory() as memory:
        render_video(request, Path(tmp))
    return memory.peak


def measure(request: RenderRequest, out: Path) -> dict:
    """Our render and the encoder-only floor, alternating over ROUNDS; medians, and the peak of a render
    in a fresh process."""
    ours: list[float] = []
    floors: list[float] = []
    ours_cpu: list[tuple[float, float]] = []
    floor_cpu: list[tuple[float, float]] = []
    frame_count = 0
    speech = request.speech
    for round_index in range(ROUNDS):
        before = cpu_seconds()
        started = time.perf_counter()
        result = render_video(request, out / f"ours{round_index}")
        ours.append(time.perf_counter() - started)
        after = cpu_seconds()
        ours_cpu.append((after[0] - before[0], after[1] - before[1]))
        # The floor: the same frames, already in memory as yuv420p, through the same encoder settings.
        frames = []
        with av.open(str(result.video_path)) as container:
            for frame in container.decode(video=0):
                frames.append(np.ascontiguousarray(frame.to_ndarray(format="yuv420p")).reshape(-1))
        frame_count = len(frames)
        before = cpu_seconds()
        started = time.perf_counter()
        with VideoEncoder(out / f"floor{round_index}.mp4", result.width, result.height, pcm=speech.pcm,
                          sample_rate=speech.sample_rate) as encoder:
            for data in frames:
                encoder.write(data)
        floors.append(time.perf_counter() - started)
        after = cpu_seconds()
        floor_cpu.append((after[0] - before[0], after[1] - before[1]))
        del frames
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        peak = pool.apply(fresh_peak, (request,))
    return {"result": result, "ours": ours, "floors": floors, "ours_cpu": ours_cpu, "floor_cpu": floor_cpu,
            "peak": peak, "frames": frame_count}


def report(name: str, m: dict, rtf_target: float, peak_target: int) -> None:
    result = m["result"]
    wall, floor = statistics.median(m["ours"]), statistics.median(m["floors"])
    ratio = statistics.median(o / f for o, f in zip(m["ours"], m["floors"], strict=True))
    print(f"== {name}: {result.duration:.2f} s at {result.width}x{result.height}, captions on, {m['frames']} frames; "
          f"{ROUNDS} alternating rounds, medians")
    print(f"wall time: {wall:.2f} s  (rounds: {', '.join(f'{x:.2f}' for x in m['ours'])})")
    print(f"real-time factor: {result.duration / wall:.2f}  (target >= {rtf_target:g})")
    print(f"encoder-only floor: {floor:.2f} s (RTF {result.duration / floor:.2f}; rounds: "
          f"{', '.join(f'{x:.2f}' for x in m['floors'])}); ratio ours/floor: {ratio:.2f}  (target <= 1.3)")
    ours_cpu, floor_cpu = m["ours_cpu"], m["floor_cpu"]
    print(f"CPU seconds, renderer process / ffmpeg: ours {statistics.median(c[0] for c in ours_cpu):.2f} / "
          f"{statistics.median(c[1] for c in ours_cpu):.2f}, floor {statistics.median(c[0] for c in floor_cpu):.2f} / "
          f"{statistics.median(c[1] for c in floor_cpu):.2f}")
    print(f"peak memory (this process + ffmpeg, sampled every 20 ms, one render in a fresh process): {m['peak'] / 2**20:.0f} MB  "
          f"(target <= {peak_target})")
    print(f"load average after this case: {' '.join(f'{x:.1f}' for x in psutil.getloadavg())} (2 cores)")


def main() -> None:
    voice = find_voice("en-US-ChristopherNeural") or all_voices()[0]
    speech = synthesize(SCRIPT, voice)
    avatar = find_public_avatar(81)
    content = product_picture()
    print(f"load average before: {' '.join(f'{x:.1f}' for x in psutil.getloadavg())} (2 cores)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        music = music_file(out, speech)
        cases = [
            ("720p portrait full screen", RenderRequest(avatar, speech, SCRIPT, "portrait", 1, True,
                                                        "Quarterly update", 1), 4, 500),
            ("720p portrait split screen with content and music", RenderRequest(
                avatar, speech, SCRIPT, "portrait", 2, True, "Quarterly update", 1, Visuals(content=content),
                music), 4, 500),
            ("1080p portrait split screen with content and music", RenderRequest(
                avatar, speech, SCRIPT, "portrait", 2, True, "Quarterly update", 1,
                Visuals(content=content, resolution="1080p"), music), 3, 600),
        ]
        for index, (name, request, rtf_target, peak_target) in enumerate(cases):
            case_dir = out / f"case{index}"
            case_dir.mkdir()
            report(name, measure(request, case_dir), rtf_target, peak_target)


if __name__ == "__main__":
    main()
