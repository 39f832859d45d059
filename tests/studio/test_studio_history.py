"""history.py: the SQLite job history survives reopening, filters, and never moves back from done."""

from __future__ import annotations

from pathlib import Path

from lib.studio.history import JobHistory, JobUpdate, scrub_request

PAYLOAD = {"avatar": {"avatar_id": 81, "avatar_type": 0},
           "voice": {"type": "script", "voice_id": "v1", "script": "Hi"}, "aspect_ratio": "portrait",
           "screen_style": 1, "caption": False, "video_name": "first"}


def test_submission_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    JobHistory(path).record_submission(backend="local", base_url="http://127.0.0.1:1", video_id="v-1",
                                       request=PAYLOAD, avatar_name="Ava", voice_name="Chris", now=100.0)
    job = JobHistory(path).get("local", "v-1")
    assert job is not None
    assert (job.name, job.avatar_id, job.voice_id, job.status) == ("first", 81, "v1", "pending")
    assert job.request == PAYLOAD and not job.is_terminal


def test_updates_progress_then_complete_and_never_regress(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "h.sqlite3")
    history.record_submission(backend="cloud", base_url="https://api.jogg.ai", video_id="v", request=PAYLOAD,
                              now=100.0)
    history.apply_updates([JobUpdate("cloud", "v", 110.0, 120.0, status="processing", progress=40)])
    assert history.get("cloud", "v").progress == 40
    history.apply_updates([JobUpdate("cloud", "v", 130.0, None, status="completed", progress=100,
                                     video_url="https://x/v.mp4", cover_url="https://x/c.jpg")])
    done = history.get("cloud", "v")
    assert (done.status, done.video_url, done.completed_at, done.poll_count) == ("completed", "https://x/v.mp4", 130.0, 2)
    assert done.elapsed() == 30.0
    # A late, stale "processing" answer must not reopen a finished job.
    assert history.apply_updates([JobUpdate("cloud", "v", 140.0, 150.0, status="processing")]) == 0
    assert history.get("cloud", "v").status == "completed"
    assert history.active_jobs() == []


def test_failed_poll_counts_failures_and_keeps_status(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "h.sqlite3")
    history.record_submission(backend="local", base_url="u", video_id="v", request=PAYLOAD, now=1.0)
    history.apply_updates([JobUpdate("local", "v", 5.0, 9.0, poll_error="connection refused")])
    job = history.get("local", "v")
    assert (job.status, job.poll_failures, job.next_poll_at) == ("pending", 1, 9.0)


def test_list_filters_and_order(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "h.sqlite3")
    for index, backend in enumerate(["local", "cloud", "local"]):
        history.record_submission(backend=backend, base_url="u", video_id=f"v{index}", request=PAYLOAD,
                                  now=float(index))
    assert [job.video_id for job in history.list_jobs()] == ["v2", "v1", "v0"]
    assert [job.video_id for job in history.list_jobs(backend="local", limit=1)] == ["v2"]
    assert history.get(None, "v1").backend == "cloud"


def test_no_key_is_ever_stored(tmp_path: Path) -> None:
    secret = "sk-secret-123456789"
    path = tmp_path / "h.sqlite3"
    JobHistory(path).record_submission(backend="custom:http://h", base_url="http://h", video_id="v",
                                       request={**PAYLOAD, "api_key": secret, "headers": {"x-api-key": secret}})
    assert scrub_request({"a": {"Authorization": "x"}, "b": 1}) == {"a": {}, "b": 1}
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert secret.encode() not in stored


def test_links_follow_the_local_engine_to_its_new_port(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "h.sqlite3")
    history.record_submission(backend="local", base_url="http://127.0.0.1:5001", video_id="v", request=PAYLOAD)
    history.apply_updates([JobUpdate("local", "v", 2.0, None, status="completed",
                                     video_url="http://127.0.0.1:5001/media/videos/tok/v.mp4",
                                     cover_url="http://127.0.0.1:5001/media/videos/tok/v.jpg")])
    history.record_submission(backend="cloud", base_url="https://api.jogg.ai", video_id="c", request=PAYLOAD)
    assert history.move_origin("local", "http://127.0.0.1:6002") == 1
    moved = history.get("local", "v")
    assert moved.video_url == "http://127.0.0.1:6002/media/videos/tok/v.mp4"
    assert moved.cover_url == "http://127.0.0.1:6002/media/videos/tok/v.jpg" and moved.caption_url is None
    assert history.move_origin("local", "http://127.0.0.1:6002") == 0
    assert history.get("cloud", "c").base_url == "https://api.jogg.ai"
