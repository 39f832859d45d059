"""tracker.py: the Jobs table, its filters, and the append-only order of inline players."""

from __future__ import annotations

from pathlib import Path

from lib.studio.history import JobHistory, JobUpdate
from lib.studio.tracker import filter_jobs, followed_jobs, format_elapsed, inline_players, jobs_frame

PAYLOAD = {"avatar": {"avatar_id": 5}, "voice": {"voice_id": "v"}, "video_name": "n"}


def make_history(tmp_path: Path) -> JobHistory:
    history = JobHistory(tmp_path / "h.sqlite3")
    for index, video_id in enumerate(["old", "mid", "new"]):
        history.record_submission(backend="local", base_url="u", video_id=video_id, request=PAYLOAD,
                                  avatar_name=f"Avatar {video_id}", now=float(index))
    return history


def test_frame_rows_progress_and_highlight(tmp_path: Path) -> None:
    history = make_history(tmp_path)
    history.apply_updates([JobUpdate("local", "mid", 10.0, None, status="completed", video_url="http://v/mid.mp4"),
                           JobUpdate("local", "old", 10.0, 12.0, status="processing", progress=40)])
    frame = jobs_frame(history.list_jobs(), now=20.0, highlight="old")
    assert list(frame["video_id"]) == ["new", "mid", "old"]
    assert list(frame["progress"]) == [0, 100, 40]
    assert list(frame[""]) == ["", "", "👉"]
    assert frame.loc[frame["video_id"] == "new", "elapsed"].item() == "18s"


def test_long_running_jobs_are_flagged(tmp_path: Path) -> None:
    history = make_history(tmp_path)
    frame = jobs_frame(history.list_jobs(), now=16 * 60)
    assert set(frame["status"]) == {"pending (stuck?)"}


def test_filters(tmp_path: Path) -> None:
    history = make_history(tmp_path)
    history.apply_updates([JobUpdate("local", "mid", 10.0, None, status="failed", error_message="x")])
    jobs = history.list_jobs()
    assert [job.video_id for job in filter_jobs(jobs, statuses=["failed"])] == ["mid"]
    assert [job.video_id for job in filter_jobs(jobs, search="avatar new")] == ["new"]
    assert filter_jobs(jobs, backends=["cloud"]) == []


def test_players_are_appended_in_completion_order(tmp_path: Path) -> None:
    history = make_history(tmp_path)
    history.apply_updates([JobUpdate("local", "new", 10.0, None, status="completed", video_url="http://v/1")])
    first = [job.video_id for job in inline_players(history.list_jobs())]
    # An older job finishing later goes after the one already on screen, not before it.
    history.apply_updates([JobUpdate("local", "old", 20.0, None, status="completed", video_url="http://v/2")])
    assert first == ["new"]
    assert [job.video_id for job in inline_players(history.list_jobs())] == ["new", "old"]


def test_format_elapsed() -> None:
    assert [format_elapsed(s) for s in (5, 83, 3725)] == ["5s", "1m 23s", "1h 02m"]


def test_only_jobs_of_the_connected_backend_are_followed(tmp_path: Path) -> None:
    history = make_history(tmp_path)
    history.record_submission(backend="cloud", base_url="https://api.jogg.ai", video_id="c", request=PAYLOAD)
    history.apply_updates([JobUpdate("local", "mid", 10.0, None, status="completed", video_url="http://v/m")])
    jobs = history.list_jobs()
    assert sorted(job.video_id for job in followed_jobs(jobs, "local")) == ["new", "old"]
    assert [job.video_id for job in followed_jobs(jobs, "cloud")] == ["c"]
    assert followed_jobs(jobs, None) == []
