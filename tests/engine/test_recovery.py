"""Nothing accepted is lost: kill -9 the engine mid-render, restart it, the job completes."""

from __future__ import annotations

import time

import psutil
import pytest
import requests

from tests.engine.render_checks import check_completed_media, wait_for_video
from tests.engine_process import start_engine

pytestmark = pytest.mark.slow

LONG_SCRIPT = ("Recovery matters. A video accepted before a crash must still arrive after the restart. " * 6).strip()


def create(engine, script):
    answer = requests.post(engine.v2 + "/create_video_from_avatar", headers=engine.headers(), timeout=30, json={
        "avatar": {"avatar_id": 81, "avatar_type": 0},
        "voice": {"type": "script", "voice_id": "en-US-ChristopherNeural", "script": script},
        "aspect_ratio": "portrait", "screen_style": 1, "caption": True,
    }).json()
    assert answer["code"] == 0, answer
    return answer["data"]["video_id"]


def status(engine, video_id):
    return requests.get(engine.v2 + f"/avatar_video/{video_id}", headers=engine.headers(), timeout=10).json()["data"]


def test_kill_9_during_render_then_restart_completes(tmp_path):
    first = start_engine(tmp_path)
    try:
        rendering = create(first, LONG_SCRIPT)
        queued = create(first, "Queued behind the first one.")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job = status(first, rendering)
            if job["status"] == "processing" and job["progress"] >= 10:
                break
            assert job["status"] in ("pending", "processing"), job
            time.sleep(0.1)
        else:
            raise AssertionError("the render never got under way")
        workers = psutil.Process(first.pid).children(recursive=True)
        first.kill()
    finally:
        first.kill()
    # Workers die with the server (they would otherwise race the next engine for the same job).
    _, alive = psutil.wait_procs(workers, timeout=15)
    assert not alive, alive

    second = start_engine(tmp_path)
    try:
        assert second.api_key == first.api_key
        for video_id in (rendering, queued):
            job, _ = wait_for_video(second, video_id)
            assert job["video_url"].startswith(second.base_url)
            check_completed_media(job, caption=True)
        assert not any((tmp_path / "work").glob("*/*")), "render scratch files were left behind"
    finally:
        second.stop()


def test_sigterm_returns_the_running_job_to_the_queue(tmp_path):
    first = start_engine(tmp_path)
    try:
        video_id = create(first, LONG_SCRIPT)
        deadline = time.monotonic() + 120
        while status(first, video_id)["status"] != "processing" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert first.stop() == 0
    finally:
        first.kill()
    second = start_engine(tmp_path)
    try:
        job, _ = wait_for_video(second, video_id)
        assert job["status"] == "completed"
    finally:
        second.stop()


def test_a_job_that_keeps_crashing_the_engine_fails_after_3_attempts(tmp_path):
    video_id = None
    for _ in range(3):
        running = start_engine(tmp_path)
        try:
            video_id = video_id or create(running, LONG_SCRIPT)
            deadline = time.monotonic() + 120
            while status(running, video_id)["status"] != "processing" and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            running.kill()
    last = start_engine(tmp_path)
    try:
        job = status(last, video_id)
        assert job["status"] == "failed"
        assert job["error"]["code"] == 50000 and "interrupted 3 times" in job["error"]["message"]
    finally:
        last.stop()
