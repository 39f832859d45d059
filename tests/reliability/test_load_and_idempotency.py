"""A short load run through the client (the long one is bench/load.py) and concurrent idempotent POSTs.

Sequential idempotency (same key -> same video, same key with another body -> 40000) is proven in
tests/engine/test_render_jobs.py::test_idempotency_key_returns_the_same_video.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from lib.joggai import CreateVideoRequest, JoggAIClient
from tests.engine_process import EngineProcess, start_engine

pytestmark = pytest.mark.timeout(300)

VOICE = "en-US-ChristopherNeural"


@pytest.fixture(scope="module")
def load_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineProcess]:
    """Its own engine, so the job count in its database is exactly what this module submitted."""
    running = start_engine(tmp_path_factory.mktemp("load-engine"))
    yield running
    running.stop()


def stored_jobs(engine: EngineProcess) -> int:
    conn = sqlite3.connect(f"file:{engine.data_dir / 'engine.sqlite3'}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.slow
def test_20_jobs_submitted_at_once_all_complete_none_duplicated_or_lost(load_engine):
    before = stored_jobs(load_engine)
    client = JoggAIClient(load_engine.base_url, load_engine.api_key, max_retries=3)

    def submit(index: int) -> str:
        request = CreateVideoRequest(avatar_id=81, voice_id=VOICE, aspect_ratio="square",
                                     script=f"Short load job {index}.")
        return client.create_avatar_video(request, idempotency_key=f"short-load-{index}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(submit, range(20)))
    assert len(set(ids)) == 20
    assert stored_jobs(load_engine) - before == 20

    pending, outcomes = set(ids), {}
    deadline = time.monotonic() + 240
    while pending and time.monotonic() < deadline:
        for video_id in list(pending):
            job = client.get_avatar_video(video_id)
            if job.status.value in ("completed", "failed"):
                outcomes[video_id] = job
                pending.discard(video_id)
        time.sleep(0.3)
    assert not pending, f"{len(pending)} jobs never finished"
    assert {job.status.value for job in outcomes.values()} == {"completed"}
    assert len({job.video_url for job in outcomes.values()}) == 20  # each its own file


def test_10_simultaneous_posts_with_one_idempotency_key_make_one_job(load_engine):
    before = stored_jobs(load_engine)
    payload = {"avatar": {"avatar_id": 81, "avatar_type": 0}, "aspect_ratio": "square",
               "voice": {"type": "script", "voice_id": VOICE, "script": "Exactly one of me."}}
    start = threading.Barrier(10)

    def post(_: int) -> dict:
        session = requests.Session()  # own connection each, so they really overlap at the server
        start.wait(10)
        return session.post(load_engine.v2 + "/create_video_from_avatar", json=payload, timeout=30,
                            headers=load_engine.headers(**{"Idempotency-Key": "same-for-all-ten"})).json()

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(post, range(10)))
    assert all(answer["code"] == 0 for answer in answers), answers
    assert len({answer["data"]["video_id"] for answer in answers}) == 1
    assert stored_jobs(load_engine) - before == 1
