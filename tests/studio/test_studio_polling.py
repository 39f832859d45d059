"""polling.py: which jobs are due, the cloud's backoff, and one status request per due job."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from lib.joggai import CreateVideoRequest, JoggAIClient
from lib.studio.history import JobHistory, JobRecord
from lib.studio.polling import CLOUD_POLICY, LOCAL_POLICY, due_jobs, first_poll_at, is_due, poll_due_jobs

PAYLOAD = {"avatar": {"avatar_id": 1, "avatar_type": 0}, "voice": {"type": "script", "voice_id": "v", "script": "x"}}


def _job(history: JobHistory, video_id: str, *, backend: str = "local", created: float = 1000.0) -> JobRecord:
    return history.record_submission(backend=backend, base_url="u", video_id=video_id, request=PAYLOAD,
                                     now=created, next_poll_at=first_poll_at(backend, created))


def test_cloud_waits_ten_seconds_then_backs_off_10_30_60() -> None:
    assert first_poll_at("cloud", 0.0) == 10.0
    assert [CLOUD_POLICY.interval_after(n) for n in (1, 2, 3, 4, 9)] == [10.0, 30.0, 60.0, 60.0, 60.0]
    assert min(CLOUD_POLICY.interval_after(n) for n in range(20)) >= 5.0
    assert first_poll_at("custom:https://x", 0.0) == 10.0  # unknown hosts are treated like the cloud


def test_local_polls_fast() -> None:
    assert first_poll_at("local", 0.0) == 1.0
    assert 1.0 <= LOCAL_POLICY.interval_after(5) <= 2.0


def test_error_backoff_doubles_is_capped_and_honours_retry_after() -> None:
    waits = [CLOUD_POLICY.error_backoff(n) for n in (1, 2, 3, 4, 5)]
    assert waits == sorted(waits) and waits[-1] == CLOUD_POLICY.max_error_backoff
    assert CLOUD_POLICY.error_backoff(1, retry_after=45.0) == 45.0


def test_due_only_when_unfinished_and_time_has_come(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "h.sqlite3")
    local, cloud = _job(history, "a"), _job(history, "b", backend="cloud")
    assert not is_due(local, 1000.5) and is_due(local, 1001.0)
    assert not is_due(cloud, 1009.0) and is_due(cloud, 1010.0)
    assert [job.video_id for job in due_jobs([local, cloud], 1005.0)] == ["a"]


class CountingClient:
    """Delegates to the real client and counts status requests (and the threads they ran on)."""

    def __init__(self, client: JoggAIClient) -> None:
        self.client, self.calls, self.threads = client, [], set()
        self.base_url = client.base_url
        self._lock = threading.Lock()

    def get_avatar_video(self, video_id: str):
        with self._lock:
            self.calls.append(video_id)
            self.threads.add(threading.get_ident())
        return self.client.get_avatar_video(video_id)


@pytest.mark.timeout(120)
def test_one_request_per_due_job_against_the_engine(engine, tmp_path: Path) -> None:
    client = JoggAIClient(engine.base_url, engine.api_key)
    voice = client.list_voices(page_size=1).voices[0]
    avatar = client.list_public_avatars(page_size=1)[0]
    real_id = client.create_avatar_video(CreateVideoRequest(avatar_id=avatar.id, voice_id=voice.voice_id,
                                                            script="Polling test."))
    history = JobHistory(tmp_path / "h.sqlite3")
    due = [_job(history, real_id, created=0.0)] + [_job(history, f"no-such-{i}", created=0.0) for i in range(5)]
    later = _job(history, "not-yet", created=10_000.0)
    counting = CountingClient(client)

    updates = poll_due_jobs(due + [later], lambda job: counting, now=100.0)

    assert sorted(counting.calls) == sorted(job.video_id for job in due)
    by_id = {update.video_id: update for update in updates}
    assert by_id[real_id].status in {"pending", "processing", "completed"}
    assert all(by_id[f"no-such-{i}"].status == "failed" for i in range(5))
    history.apply_updates(updates)
    assert history.get("local", "no-such-0").error_message
    # Jobs without a connected backend are skipped, not polled.
    assert poll_due_jobs(due, lambda job: None, now=100.0) == []


def test_unreachable_backend_backs_off_instead_of_failing(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "h.sqlite3")
    job = _job(history, "v", created=0.0)
    closed = JoggAIClient("http://127.0.0.1:9", "k", timeout=0.5, max_retries=0)
    [update] = poll_due_jobs([job], lambda _: closed, now=50.0)
    assert update.status is None and update.poll_error
    assert update.next_poll_at - update.polled_at >= LOCAL_POLICY.error_backoff(1)
    history.apply_updates([update])
    assert history.get("local", "v").status == "pending"
