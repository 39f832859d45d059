"""Load the local engine: N short script jobs through lib/joggai as fast as allowed, then wait for all.

Prints: submit rate, time until every job is terminal, throughput; the p50/p95/max latency of
`GET avatar_video/{id}` sampled throughout (target p95 < 100 ms); the engine's memory (RSS of the
server plus its render workers, sampled every 0.5 s); and the checks: every job completed, no video id
returned twice, the engine holds exactly N jobs for the run (none duplicated, none lost).

    python bench/load.py [--jobs 200] [--submitters 8] [--workers N] [--url URL --key KEY --pid PID]

Without --url it starts its own engine on a free loopback port with a temporary data dir.
Exit code 1 when a check fails (not when a speed target is missed: the figures say that).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.joggai import CreateVideoRequest, JoggAIClient
from tests.engine_process import start_engine

STATUS_P95_TARGET_MS = 100.0


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def engine_rss(pid: int) -> int:
    """Resident memory of the engine process and all its children, in bytes."""
    try:
        root = psutil.Process(pid)
        total = root.memory_info().rss
        for child in root.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:  # a worker exited while we looked
                pass
        return total
    except psutil.Error:
        return 0


@dataclass
class Samples:
    """What the background sampler and the pollers measured."""

    status_ms: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_status(self, ms: float) -> None:
        with self.lock:
            self.status_ms.append(ms)


def timed_status(client: JoggAIClient, video_id: str, samples: Samples):
    """One GET avatar_video, timed."""
    started = time.perf_counter()
    job = client.get_avatar_video(video_id)
    samples.add_status((time.perf_counter() - started) * 1000)
    return job


def sampler(client: JoggAIClient, pid: int | None, ids: list[str], samples: Samples,
            stop: threading.Event) -> None:
    """Every 0.1 s a status read of a random known job; every 0.5 s the engine's memory."""
    last_rss = 0.0
    while not stop.is_set():
        if ids:
            try:
                timed_status(client, random.choice(ids), samples)
            except Exception as exc:  # noqa: BLE001 - a failed read is a finding, not a crash
                print(f"status read failed: {exc}", file=sys.stderr)
        if pid is not None and time.monotonic() - last_rss >= 0.5:
            last_rss = time.monotonic()
            samples.rss.append(engine_rss(pid))
        stop.wait(0.1)


def run(base_url: str, api_key: str, pid: int | None, data_dir: Path | None, *, jobs: int,
        submitters: int, timeout: float) -> bool:
    """Submit `jobs` jobs, wait for all, print the figures; True when every check passed."""
    client = JoggAIClient(base_url, api_key, max_retries=3)
    voice = "en-US-ChristopherNeural"
    run_id = uuid.uuid4().hex[:8]
    ids: list[str] = []
    samples = Samples()
    stop = threading.Event()
    background = threading.Thread(target=sampler, args=(client, pid, ids, samples, stop), daemon=True)
    background.start()
    started_at = time.time()

    def submit(index: int) -> str:
        request = CreateVideoRequest(avatar_id=81, voice_id=voice, aspect_ratio="square",
                                     script=f"Load test video number {index + 1}.")
        # The key makes the client's own retries safe: a repeated POST is never a second video.
        video_id = client.create_avatar_video(request, idempotency_key=f"load-{run_id}-{index}")
        ids.append(video_id)
        return video_id

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=submitters) as pool:
        submitted = list(pool.map(submit, range(jobs)))
    submit_s = time.monotonic() - t0
    print(f"submitted {jobs} jobs in {submit_s:.1f} s ({jobs / submit_s:.0f}/s) with {submitters} threads")

    pending = set(submitted)
    outcomes: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for video_id in list(pending):
            job = timed_status(client, video_id, samples)
            if job.status.value in ("completed", "failed"):
                outcomes[video_id] = job.status.value
                pending.discard(video_id)
        if pending:
            time.sleep(0.5)
    total_s = time.monotonic() - t0
    stop.set()
    background.join(5)

    completed = sum(1 for status in outcomes.values() if status == "completed")
    failed = sum(1 for status in outcomes.values() if status == "failed")
    print(f"all terminal after {total_s:.1f} s: {completed} completed, {failed} failed, "
          f"{len(pending)} unfinished; {completed / total_s * 60:.0f} videos/min")
    ms = samples.status_ms
    p95 = percentile(ms, 95)
    print(f"GET avatar_video: n={len(ms)} p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, "
          f"p99 {percentile(ms, 99):.1f} ms, max {max(ms):.1f} ms "
          f"(target p95 < {STATUS_P95_TARGET_MS:.0f} ms: {'met' if p95 < STATUS_P95_TARGET_MS else 'MISSED'})")
    if samples.rss:
        mb = [value / 2**20 for value in samples.rss]
        third = max(1, len(mb) // 3)
        print(f"engine RSS incl. workers: start {mb[0]:.0f} MB, median {statistics.median(mb):.0f} MB, "
              f"max {max(mb):.0f} MB, last third max {max(mb[-third:]):.0f} MB (n={len(mb)})")

    checks = {
        "every job completed": completed == jobs,
        "no video id returned twice": len(set(submitted)) == jobs,
    }
    if data_dir is not None:
        conn = sqlite3.connect(f"file:{data_dir / 'engine.sqlite3'}?mode=ro", uri=True, timeout=10)
        try:
            [(stored,)] = conn.execute("SELECT COUNT(*) FROM jobs WHERE created_at >= ?",
                                       (int(started_at),)).fetchall()
        finally:
            conn.close()
        checks["the engine holds exactly one job per submission"] = stored == jobs
    for name, passed in checks.items():
        print(f"{'ok  ' if passed else 'FAIL'} {name}")
    return all(checks.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--submitters", type=int, default=8, help="client threads submitting at once")
    parser.add_argument("--workers", type=int, default=None, help="render workers of the engine we start")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for all jobs")
    parser.add_argument("--url", help="an engine that is already running (then also --key)")
    parser.add_argument("--key", help="its API key")
    parser.add_argument("--pid", type=int, help="its process id, to sample memory")
    args = parser.parse_args()
    if args.url:
        return 0 if run(args.url, args.key, args.pid, None, jobs=args.jobs, submitters=args.submitters,
                        timeout=args.timeout) else 1
    with tempfile.TemporaryDirectory(prefix="load-engine-") as tmp:
        extra = ["--workers", str(args.workers)] if args.workers is not None else []
        engine = start_engine(Path(tmp), extra_args=extra)
        try:
            print(f"engine {engine.base_url} (pid {engine.pid}), workers: {args.workers or 'default'}")
            ok = run(engine.base_url, engine.api_key, engine.pid, Path(tmp), jobs=args.jobs,
                     submitters=args.submitters, timeout=args.timeout)
        finally:
            engine.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
