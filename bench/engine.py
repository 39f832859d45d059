"""Benchmark the local engine: one 30-second English portrait render, and API latency while it renders.

Prints: time from POST to `completed`, the video's duration and real-time factor, and the p50/p95
latency of `GET avatar_video/{id}` and `GET avatars/public` measured while the render runs.
Targets: ready in < 15 s; status reads < 20 ms p95 during rendering.

    python bench/engine.py [--workers N] [--runs N] [--batch N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.engine_process import start_engine

# About 30 seconds of speech at espeak's default rate.
SCRIPT_30S = (
    "Welcome to Avatar Studio. In the next half minute you will see how a short script becomes a "
    "talking video on an ordinary laptop, without a network connection and without a graphics card. "
    "The engine turns the text into speech, works out where every word and every sound falls, and "
    "moves the avatar's mouth to match. It draws each frame from a vector portrait, blinks and "
    "breathes a little, and hands the pictures to the video encoder. When the file is ready, the "
    "dashboard shows it right away, and you can share the link with your team."
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def measure_reads(session: requests.Session, url: str, headers: dict, stop: threading.Event,
                  out: list[float], pause: float) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        session.get(url, headers=headers, timeout=10).raise_for_status()
        out.append((time.perf_counter() - started) * 1000)
        time.sleep(pause)


def run_once(engine) -> dict:
    headers = engine.headers()
    body = {
        "avatar": {"avatar_id": 81, "avatar_type": 0},
        "voice": {"type": "script", "voice_id": "en-US-ChristopherNeural", "script": SCRIPT_30S},
        "aspect_ratio": "portrait", "screen_style": 1, "caption": True,
    }
    status_ms: list[float] = []
    catalog_ms: list[float] = []
    stop = threading.Event()
    started = time.perf_counter()
    answer = requests.post(engine.v2 + "/create_video_from_avatar", json=body, headers=headers, timeout=30).json()
    video_id = answer["data"]["video_id"]
    readers = [
        threading.Thread(target=measure_reads, args=(requests.Session(), engine.v2 + f"/avatar_video/{video_id}",
                                                     headers, stop, status_ms, 0.05)),
        threading.Thread(target=measure_reads, args=(requests.Session(), engine.v2 + "/avatars/public?page_size=10",
                                                     headers, stop, catalog_ms, 0.05)),
    ]
    for reader in readers:
        reader.start()
    while True:
        job = requests.get(engine.v2 + f"/avatar_video/{video_id}", headers=headers, timeout=10).json()["data"]
        if job["status"] in ("completed", "failed"):
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    stop.set()
    for reader in readers:
        reader.join()
    if job["status"] != "completed":
        raise SystemExit(f"render failed: {job.get('error')}")
    return {"elapsed": elapsed, "duration": job["duration"], "status_ms": status_ms, "catalog_ms": catalog_ms}


def run_batch(engine, count: int) -> tuple[float, float]:
    """Submit `count` 30-second jobs at once; return (seconds until all completed, seconds of video)."""
    headers = engine.headers()
    body = {
        "avatar": {"avatar_id": 81, "avatar_type": 0},
        "voice": {"type": "script", "voice_id": "en-US-ChristopherNeural", "script": SCRIPT_30S},
        "aspect_ratio": "portrait", "screen_style": 1, "caption": True,
    }
    started = time.perf_counter()
    ids = [requests.post(engine.v2 + "/create_video_from_avatar", json=body, headers=headers, timeout=30)
           .json()["data"]["video_id"] for _ in range(count)]
    video_seconds = 0.0
    for video_id in ids:
        while True:
            job = requests.get(engine.v2 + f"/avatar_video/{video_id}", headers=headers, timeout=10).json()["data"]
            if job["status"] in ("completed", "failed"):
                video_seconds += job.get("duration") or 0.0
                break
            time.sleep(0.2)
    return time.perf_counter() - started, video_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=0,
                        help="also submit this many jobs at once and report throughput (compare --workers)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        engine = start_engine(Path(data_dir), extra_args=["--workers", str(args.workers)])
        try:
            # Warm the catalog and the worker (a fresh worker process imports the renderer once).
            requests.get(engine.v2 + "/avatars/public", headers=engine.headers(), timeout=30)
            time.sleep(3)
            for run in range(1, args.runs + 1):
                result = run_once(engine)
                status_ms, catalog_ms = result["status_ms"], result["catalog_ms"]
                print(f"run {run}: 30 s English portrait script (caption on), workers={args.workers}")
                print(f"  POST -> completed        {result['elapsed']:6.2f} s   (target < 15 s)")
                print(f"  video duration           {result['duration']:6.2f} s   "
                      f"(real-time factor {result['duration'] / result['elapsed']:.2f})")
                print(f"  GET avatar_video/{{id}}   p50 {statistics.median(status_ms):6.2f} ms   "
                      f"p95 {percentile(status_ms, 95):6.2f} ms   n={len(status_ms)}   (target p95 < 20 ms)")
                print(f"  GET avatars/public       p50 {statistics.median(catalog_ms):6.2f} ms   "
                      f"p95 {percentile(catalog_ms, 95):6.2f} ms   n={len(catalog_ms)}")
            if args.batch:
                elapsed, video_seconds = run_batch(engine, args.batch)
                print(f"batch of {args.batch} x 30 s jobs, workers={args.workers}: all completed in {elapsed:.1f} s "
                      f"({video_seconds / elapsed:.2f} s of video per second)")
        finally:
            engine.stop()


if __name__ == "__main__":
    main()
