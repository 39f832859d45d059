"""The opt-in rate limit: 20 POST per minute per key, then 429 with Retry-After; GETs are never limited."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from tests.engine_process import REPO_ROOT, EngineProcess, start_engine


@pytest.fixture(scope="module")
def limited_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineProcess]:
    running = start_engine(tmp_path_factory.mktemp("limited-engine"), extra_args=["--rate-limit", "--workers", "0"])
    yield running
    running.stop()


def post_upload_request(engine, key=None):
    return requests.post(engine.v2 + "/upload/asset", headers={"x-api-key": key or engine.api_key},
                         json={"filename": "a.wav", "content_type": "audio/wav"}, timeout=10)


def test_21st_post_in_a_minute_is_429(limited_engine):
    answers = [post_upload_request(limited_engine) for _ in range(20)]
    assert all(a.status_code == 200 for a in answers)
    over = post_upload_request(limited_engine)
    assert over.status_code == 429
    body = over.json()
    assert body["code"] == 429
    retry_after = int(over.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert body["data"]["retryAfter"] == retry_after
    # GETs are not limited.
    for _ in range(30):
        assert requests.get(limited_engine.v2 + "/user/whoami", headers=limited_engine.headers(),
                            timeout=10).status_code == 200


def test_limit_is_per_key(limited_engine):
    statuses = [post_upload_request(limited_engine).status_code for _ in range(21)]
    assert statuses[-1] == 429  # the first key is over its limit (whatever ran before)
    result = subprocess.run([sys.executable, "-m", "lib.engine", "add-key", "--data-dir", str(limited_engine.data_dir)],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True)
    other_key = result.stdout.strip().splitlines()[-1]
    assert post_upload_request(limited_engine, other_key).status_code == 200


def test_off_by_default(engine):
    statuses = {post_upload_request(engine).status_code for _ in range(25)}
    assert statuses == {200}
