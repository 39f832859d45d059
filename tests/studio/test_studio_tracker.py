"""tracker.py: the Jobs table, its filters, and the append-only order of inline players."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from lib.studio.history import (
    FINISHED_NEWEST,
    FINISHED_WITH_VIDEO,
    LISTING_ORDER,
    JobHistory,
    JobQuery,
    JobUpdate,
)
from lib.studio.tracker import format_elapsed, jobs_frame, jobs_view

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
    def found(**filters) -> list[str]:
        return [job.video_id for job in history.query_jobs(JobQuery(**filters), limit=50)]

    assert found(statuses=("failed",)) == ["mid"]
    assert found(search="avatar new") == ["new"]
    assert found(search="AVATAR NEW") == ["new"]
    assert found(backends=("cloud",)) == []
    assert [job.video_id for job in jobs_view(history, "local", statuses=["failed"]).rows] == ["mid"]


def test_players_are_appended_in_completion_order(tmp_path: Path) -> None:
    history = make_history(tmp_path)
    history.apply_updates([JobUpdate("local", "new", 10.0, None, status="completed", video_url="http://v/1")])
    first = [job.video_id for job in jobs_view(history, "local").players]
    # An older job finishing later goes after the one already on screen, not before it.
    history.apply_updates([JobUpdate("local", "old", 20.0, None, status="completed", video_url="http://v/2")])
    assert first == ["new"]
    assert [job.video_id for job in jobs_view(history, "local").players] == ["new", "old"]


def test_format_elapsed() -> None:
    assert [format_elapsed(s) for s in (5, 83, 3725)] == ["5s", "1m 23s", "1h 02m"]


def test_only_jobs_of_the_connected_backend_are_followed(tmp_path: Path) -> None:
    history = make_history(tmp_path)
    history.record_submission(backend="cloud", base_url="https://api.jogg.ai", video_id="c", request=PAYLOAD)
    history.apply_updates([JobUpdate("local", "mid", 10.0, None, status="completed", video_url="http://v/m")])
    assert sorted(job.video_id for job in jobs_view(history, "local").followed) == ["new", "old"]
    assert jobs_view(history, "local").waiting == 1
    assert [job.video_id for job in jobs_view(history, "cloud").followed] == ["c"]
    assert jobs_view(history, None).followed == []


def many_jobs(tmp_path: Path, count: int) -> JobHistory:
    """``count`` jobs j0000.. (j0000 oldest); every third is still running, every seventh failed."""
    history = JobHistory(tmp_path / "many.sqlite3")
    for index in range(count):
        history.record_submission(backend="cloud" if index % 5 == 0 else "local", base_url="u",
                                  video_id=f"j{index:04d}", request={**PAYLOAD, "video_name": f"clip {index}"},
                                  avatar_name="Ava" if index % 2 else "Bo", now=float(index))
    history.apply_updates(
        [JobUpdate("local" if index % 5 else "cloud", f"j{index:04d}", 1000.0 + index, None,
                   status="failed" if index % 7 == 0 else "completed", video_url=f"http://v/{index}.mp4")
         for index in range(count) if index % 3])
    return history


def test_active_jobs_come_first_then_newest_and_pages_cover_every_job_once(tmp_path: Path) -> None:
    history = many_jobs(tmp_path, 130)
    first = jobs_view(history, "local", per_page=50)
    assert (first.total, first.matching, first.pages, first.page) == (130, 130, 3, 1)
    running = [job.video_id for job in first.rows if not job.is_terminal]
    assert running == [f"j{index:04d}" for index in range(129, -1, -1) if index % 3 == 0]  # 44, newest first
    assert first.rows[len(running)].is_terminal and first.rows[len(running)].video_id == "j0128"
    seen = [job.video_id for page in (1, 2, 3) for job in jobs_view(history, "local", page=page, per_page=50).rows]
    assert sorted(seen) == sorted(f"j{index:04d}" for index in range(130)) and len(seen) == 130
    # A page past the end shows the last page instead of an empty table.
    assert jobs_view(history, "local", page=9, per_page=50).page == 3
    assert len(first.followed) == sum(1 for index in range(130) if index % 3 == 0 and index % 5)


def test_search_status_and_backend_filters_are_counted_and_paged_by_sql(tmp_path: Path) -> None:
    history = many_jobs(tmp_path, 130)
    view = jobs_view(history, "local", search="clip 12", per_page=5)
    assert {job.video_id for job in jobs_view(history, "local", search="clip 12", per_page=50).rows} == \
        {"j0012", *(f"j{index:04d}" for index in range(120, 130))}
    assert (view.matching, view.pages, len(view.rows)) == (11, 3, 5)
    failed = [index for index in range(130) if index % 3 and index % 7 == 0]
    view = jobs_view(history, "local", statuses=["failed"], per_page=50)
    assert view.matching == view.failed_count == len(failed)
    assert [job.video_id for job in view.failed] == [f"j{index:04d}" for index in sorted(failed, reverse=True)][:20]
    assert jobs_view(history, "local", statuses=["completed"]).failed_count == 0
    cloud = jobs_view(history, "local", backends=["cloud"], search="bo")
    assert cloud.matching == sum(1 for index in range(130) if index % 5 == 0 and index % 2 == 0)
    assert cloud.backends == ["cloud", "local"]
    # LIKE wildcards in a search are taken literally.
    assert jobs_view(history, "local", search="%").matching == 0
    assert jobs_view(history, "local", search="_").matching == 0


def test_the_table_and_players_are_served_by_indexes_without_sorting(tmp_path: Path) -> None:
    history = many_jobs(tmp_path, 20)
    with sqlite3.connect(history.path) as db:
        for query, index in ((f"SELECT * FROM jobs WHERE 1=1 {LISTING_ORDER} LIMIT 50", "jobs_listing"),
                             (f"SELECT * FROM jobs WHERE {FINISHED_WITH_VIDEO} {FINISHED_NEWEST} LIMIT 24",
                              "jobs_finished")):
            plan = " ".join(row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + query))
            assert index in plan and "TEMP B-TREE" not in plan, plan
