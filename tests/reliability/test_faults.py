"""Fault injection against real engine processes: dead workers, a full or unwritable disk, bad receivers.

Covered elsewhere and not repeated here: kill -9 of the engine mid-render and restart
(tests/engine/test_recovery.py), a job whose worker is killed on every attempt failing after 3
(tests/engine/test_webhooks.py::test_killed_workers_are_retried_then_the_job_fails_with_a_failed_event),
a receiver answering 500 then 200 (tests/engine/test_webhooks.py::test_success_delivery_signed_filtered_and_retried).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import pytest
import requests

from tests.engine.render_checks import check_completed_media, wait_for_video
from tests.engine_process import EngineProcess, start_engine

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

VOICE = "en-US-ChristopherNeural"
LONG_SCRIPT = ("A render worker may die at any moment; the engine must notice and try again. " * 5).strip()


def call(engine: EngineProcess, method: str, path: str, payload: dict | None = None) -> tuple[int, dict]:
    answer = requests.request(method, engine.v2 + path, headers=engine.headers(), json=payload, timeout=15)
    return answer.status_code, answer.json()


def create(engine: EngineProcess, script: str, **extra: object) -> str:
    status, answer = call(engine, "POST", "/create_video_from_avatar", {
        "avatar": {"avatar_id": 81, "avatar_type": 0},
        "voice": {"type": "script", "voice_id": VOICE, "script": script},
        "aspect_ratio": "square", **extra})
    assert status == 200 and answer["code"] == 0, answer
    return answer["data"]["video_id"]


def job_status(engine: EngineProcess, video_id: str) -> dict:
    return call(engine, "GET", f"/avatar_video/{video_id}")[1]["data"]


def wait_until_processing(engine: EngineProcess, video_id: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = job_status(engine, video_id)
        if job["status"] == "processing":
            return
        assert job["status"] == "pending", job
        time.sleep(0.05)
    raise AssertionError(f"video {video_id} never started rendering")


def render_workers(engine: EngineProcess) -> list[psutil.Process]:
    """The engine's spawned render worker processes (not the multiprocessing resource tracker)."""
    workers = []
    for child in psutil.Process(engine.pid).children():
        with contextlib.suppress(psutil.Error):
            if child.status() != psutil.STATUS_ZOMBIE and any("spawn_main" in a for a in child.cmdline()):
                workers.append(child)
    return workers


def read_db(engine: EngineProcess, sql: str, *args: object) -> list[tuple]:
    conn = sqlite3.connect(f"file:{engine.data_dir / 'engine.sqlite3'}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def fault_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineProcess]:
    """Its own engine: its workers get killed and its webhooks point at broken receivers."""
    running = start_engine(tmp_path_factory.mktemp("fault-engine"))
    yield running
    running.stop()


def test_a_killed_render_worker_is_retried_and_the_engine_keeps_serving(fault_engine):
    video_id = create(fault_engine, LONG_SCRIPT)
    wait_until_processing(fault_engine, video_id)
    deadline = time.monotonic() + 30
    while not (workers := render_workers(fault_engine)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers, "no render worker process found"
    for worker in workers:
        worker.kill()
    # The API answers while the pool is being rebuilt.
    assert call(fault_engine, "GET", "/user/whoami")[0] == 200
    job, _ = wait_for_video(fault_engine, video_id)
    check_completed_media(job, caption=False)
    [(attempts,)] = read_db(fault_engine, "SELECT attempts FROM jobs WHERE video_id = ?", video_id)
    assert attempts == 2  # one retry: bounded by max_render_attempts (3), proven in test_webhooks
    assert "render worker died on video " + video_id in fault_engine.log_text()
    # And the rebuilt pool renders new work.
    assert wait_for_video(fault_engine, create(fault_engine, "Still working."))[0]["status"] == "completed"


class HangingReceiver:
    """A webhook receiver that never answers until released; with `trickle`, it sends its status line
    one byte per second instead (each read is quick, the answer never completes)."""

    def __init__(self, trickle: bool = False) -> None:
        self.release = threading.Event()
        self.arrivals: list[float] = []
        self.trickling = 0  # requests still being trickled
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                receiver.arrivals.append(time.monotonic())
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if not trickle:
                    receiver.release.wait(60)
                    return
                receiver.trickling += 1
                try:
                    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" * 3:
                        if receiver.release.wait(1.0):
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                except OSError:  # the engine gave up and closed the connection
                    pass
                finally:
                    receiver.trickling -= 1

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def closed_port_url() -> str:
    """A loopback URL where nothing listens: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def attempts_for(engine: EngineProcess, url: str) -> list[tuple]:
    return read_db(engine, "SELECT a.attempt, a.http_status, a.error, a.at FROM webhook_attempts a "
                           "JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.url = ? ORDER BY a.attempt",
                   url)


def wait_for_attempts(engine: EngineProcess, url: str, count: int, timeout: float = 60) -> list[tuple]:
    deadline = time.monotonic() + timeout
    while len(rows := attempts_for(engine, url)) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return rows


def test_hanging_and_down_webhook_receivers_never_block_renders(fault_engine):
    hanging = HangingReceiver()
    down = closed_port_url()
    try:
        first = create(fault_engine, "The receiver of this event hangs.", webhook_url=hanging.url)
        also = create(fault_engine, "The receiver of this event is down.", webhook_url=down)
        assert wait_for_video(fault_engine, first)[0]["status"] == "completed"
        assert wait_for_video(fault_engine, also)[0]["status"] == "completed"
        deadline = time.monotonic() + 30
        while not hanging.arrivals and time.monotonic() < deadline:
            time.sleep(0.05)
        assert hanging.arrivals, "the hanging receiver was never called"
        # While a delivery hangs, a new render goes from POST to completed.
        started = time.monotonic()
        later, _ = wait_for_video(fault_engine, create(fault_engine, "Rendered while a webhook hangs."))
        finished = time.monotonic()
        assert later["status"] == "completed"
        print(f"render while a webhook hangs: {finished - started:.1f} s")

        # Each failed attempt is recorded (a hang as a timeout) and retried after the backoff (1 s, 4 s...).
        [hung] = wait_for_attempts(fault_engine, hanging.url, 1)[:1]
        assert hung[0] == 1 and hung[1] is None and hung[2] == "ReadTimeout", hung
        refused = wait_for_attempts(fault_engine, down, 2)
        assert [row[0] for row in refused[:2]] == [1, 2] and refused[0][2] == "ConnectionError", refused
        assert refused[1][3] - refused[0][3] >= 1.0  # the backoff waited (a floor, not a speed target)
        [(status,)] = read_db(fault_engine, "SELECT status FROM webhook_deliveries WHERE url = ?", down)
        assert status == "pending"  # still being retried, not dropped
    finally:
        hanging.close()


def test_a_trickling_receiver_is_cut_off_at_the_delivery_timeout(fault_engine):
    trickler = HangingReceiver(trickle=True)
    try:
        video_id = create(fault_engine, "The receiver of this event trickles.", webhook_url=trickler.url)
        assert wait_for_video(fault_engine, video_id)[0]["status"] == "completed"
        [first] = wait_for_attempts(fault_engine, trickler.url, 1)[:1]
        # A per-read timeout would wait for the whole 43-second answer and record a 200; the delivery
        # timeout bounds the attempt as a whole.
        assert first[1] is None and first[2] == "ReadTimeout", first
    finally:
        trickler.close()


# ---------------------------------------------------------------- full and unwritable disks

def mount_tmpfs(where: Path, size: str) -> None:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root and mount(8) to give the engine a small tmpfs as its 'disk'")
    where.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                            check=False, capture_output=True, text=True, timeout=20)
    if result.returncode != 0:
        pytest.skip(f"mount -t tmpfs is not permitted here: {result.stderr.strip()}")


def unmount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True, timeout=20)


def fill(path: Path) -> None:
    """Write zeros until the file system says it is full."""
    with open(path, "wb") as out:
        block = b"\x00" * 65536
        with contextlib.suppress(OSError):
            while True:
                out.write(block)
                out.flush()


@pytest.fixture
def small_disks(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """Two small "disks": a data dir (32 MB), and inside it the render scratch (work/, 16 MB) on its own."""
    data, work = tmp_path / "data", tmp_path / "data" / "work"
    mount_tmpfs(data, "32m")
    try:
        mount_tmpfs(work, "16m")
        yield data, work
    finally:
        unmount(work)
        unmount(data)


def test_a_full_disk_fails_jobs_clearly_and_recovers_when_space_returns(small_disks):
    data, work = small_disks
    engine = start_engine(data)
    try:
        fine = create(engine, "Written before the disk filled up.")
        check_completed_media(wait_for_video(engine, fine)[0], caption=False)  # published across devices

        # The scratch disk is full: the render fails with a clear message (not "internal error").
        fill(work / "filler.bin")
        job, _ = wait_for_video(engine, create(engine, LONG_SCRIPT))
        assert job["status"] == "failed" and "disk space" in job["error"]["message"], job
        (work / "filler.bin").unlink()

        # The data disk is full: creates are a clear 507, status reads still work, nothing is a crash.
        fill(data / "filler.bin")
        for _ in range(3):
            answer = requests.post(engine.v2 + "/create_video_from_avatar", headers=engine.headers(), timeout=30,
                                   json={"avatar": {"avatar_id": 81, "avatar_type": 0}, "aspect_ratio": "square",
                                         "voice": {"type": "script", "voice_id": VOICE, "script": "Disk full."}})
            body = answer.json()
            assert answer.status_code == 507 and body["code"] == 50000 and "disk" in body["msg"], body
            assert str(data) not in body["msg"]
        assert job_status(engine, fine)["status"] == "completed"
        (data / "filler.bin").unlink()

        # Space is back: the same engine renders again and the earlier video is intact.
        again, _ = wait_for_video(engine, create(engine, "Space is back."))
        check_completed_media(again, caption=False)
        check_completed_media(job_status(engine, fine), caption=False)
        [(check,)] = read_db(engine, "PRAGMA quick_check")
        assert check == "ok"
        assert "unhandled error" not in engine.log_text()  # every failure was foreseen, none a crash
    finally:
        engine.stop()


def test_a_render_that_finishes_while_the_database_disk_is_full_is_not_lost(small_disks):
    data, work = small_disks
    engine = start_engine(data)
    try:
        video_id = create(engine, LONG_SCRIPT)
        wait_until_processing(engine, video_id)
        fill(data / "filler.bin")  # the render goes on in work/, but its outcome cannot be recorded
        cover = work / video_id / "attempt-1" / "cover.jpg"
        deadline = time.monotonic() + 120
        while not cover.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert cover.exists(), "the render did not finish"
        time.sleep(2)  # let the dispatcher try (and fail) to record it while the disk is still full
        assert job_status(engine, video_id)["status"] == "processing"
        (data / "filler.bin").unlink()
        # Kept and retried, not dropped (it used to stay "processing" until the next restart).
        job, _ = wait_for_video(engine, video_id, timeout=60)
        if job["status"] == "completed":
            check_completed_media(job, caption=False)
        else:
            assert "disk" in job["error"]["message"], job
    finally:
        engine.stop()


def test_an_unwritable_media_dir_is_a_clear_error_and_corrupts_nothing(tmp_path):
    engine = start_engine(tmp_path / "data")
    media = engine.data_dir / "media"
    try:
        fine = create(engine, "Stored before the media folder became read-only.")
        assert wait_for_video(engine, fine)[0]["status"] == "completed"
        # A file where the engine expects its asset folder: every write below it fails, even as root.
        assets = media / "a"
        shutil.rmtree(assets, ignore_errors=True)
        assets.write_text("not a folder")
        asked = call(engine, "POST", "/upload/asset", {"filename": "a.wav", "content_type": "audio/wav"})[1]
        assert asked["code"] == 0, asked
        put = requests.put(asked["data"]["sign_url"], data=b"RIFF....WAVE", timeout=15,
                           headers={"Content-Type": "audio/wav"})
        assert put.status_code in (400, 500, 507) and put.headers["content-type"].startswith("application/json")
        body = put.json()
        assert body["code"] in (40000, 50000) and str(engine.data_dir) not in body["msg"], body
        # The video folder too: a finished render cannot be published.
        videos = media / "v"
        moved = tmp_path / "videos-aside"
        videos.rename(moved)
        videos.write_text("not a folder")
        blocked = create(engine, "This video cannot be stored.")
        job, _ = wait_for_video(engine, blocked)
        assert job["status"] == "failed" and "could not store the finished video" in job["error"]["message"], job
        # Put things back: the old video is intact, new ones work.
        videos.unlink()
        moved.rename(videos)
        check_completed_media(job_status(engine, fine), caption=False)
        assert wait_for_video(engine, create(engine, "Writable again."))[0]["status"] == "completed"
    finally:
        engine.stop()
