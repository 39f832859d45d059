"""Jobs page: the tracker lists history, polls unfinished jobs, plays finished videos inline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.joggai import CreateVideoRequest
from lib.studio import tracker
from lib.studio.history import JobHistory, JobUpdate
from lib.studio.state import Keys
from tests.app.conftest import open_page

pytestmark = pytest.mark.timeout(180)


def record_finished(history: JobHistory, engine, finished_video: dict) -> str:
    job = finished_video["job"]
    history.record_submission(backend="local", base_url=engine.base_url, video_id=job.video_id,
                              request=finished_video["request"].to_payload(), avatar_name="Test avatar",
                              voice_name="Test voice", now=1.0)
    history.apply_updates([JobUpdate("local", job.video_id, 2.0, None, status="completed", progress=100,
                                     video_url=job.video_url, cover_url=job.cover_url,
                                     caption_url=job.caption_url, duration=job.duration)])
    return job.video_id


def autorefresh_present(at) -> bool:
    return any(getattr(el, "key", None) == Keys.U_JOBS_AUTOREFRESH or "autorefresh" in str(el.proto)[:400]
               for el in at.get("component_instance") + at.get("unknown"))


def test_finished_video_plays_inline_and_no_refresh_when_idle(studio_env: Path, engine, finished_video) -> None:
    history = JobHistory(studio_env / "history.sqlite3")
    video_id = record_finished(history, engine, finished_video)
    at = open_page("jobs")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["video_id"]) == [video_id]
    assert table["progress"].iloc[0] == 100
    assert [video.proto.url for video in at.get("video")] == [finished_video["job"].video_url]
    assert not autorefresh_present(at)
    # Reruns emit the same player with the same URL in the same place.
    before = [(video.proto.url, str(video.proto)) for video in at.get("video")]
    at.run()
    assert [(video.proto.url, str(video.proto)) for video in at.get("video")] == before


def test_active_job_is_polled_and_refresh_is_on(studio_env: Path, engine, engine_client) -> None:
    voice = engine_client.list_voices(page_size=1).voices[0]
    avatar = engine_client.list_public_avatars(page_size=1)[0]
    request = CreateVideoRequest(avatar_id=avatar.id, voice_id=voice.voice_id, script="Tracker test.")
    video_id = engine_client.create_avatar_video(request)
    history = JobHistory(studio_env / "history.sqlite3")
    history.record_submission(backend="local", base_url=engine.base_url, video_id=video_id,
                              request=request.to_payload(), now=0.0, next_poll_at=0.0)
    at = open_page("jobs", job=video_id)
    assert not at.exception
    polled = history.get("local", video_id)
    assert polled.poll_count == 1 and polled.last_polled_at is not None
    row = at.dataframe[0].value.iloc[0]
    assert row["video_id"] == video_id and row[""] == "👉"
    if not polled.is_terminal:
        assert autorefresh_present(at)


def test_failed_job_shows_its_reason(studio_env: Path, engine) -> None:
    history = JobHistory(studio_env / "history.sqlite3")
    history.record_submission(backend="local", base_url=engine.base_url, video_id="gone", request={}, now=0.0)
    history.apply_updates([JobUpdate("local", "gone", 1.0, None, status="failed",
                                     error_message="voice.audio_url must be an MP3, WAV or M4A file")])
    at = open_page("jobs")
    assert any("must be an MP3, WAV or M4A file" in error.value for error in at.error)


def test_no_jobs_shows_an_empty_state_with_a_way_to_compose(studio_env: Path) -> None:
    at = open_page("jobs")
    assert not at.exception
    assert not at.dataframe
    assert any("No videos yet" in m.value for m in at.markdown)
    [link] = at.get("page_link")
    assert (link.proto.page, link.proto.label) == ("compose", "Compose your first video")


def test_tracker_column_titles_are_consistent(studio_env: Path, engine) -> None:
    history = JobHistory(studio_env / "history.sqlite3")
    history.record_submission(backend="local", base_url=engine.base_url, video_id="titles", request={}, now=0.0)
    history.apply_updates([JobUpdate("local", "titles", 1.0, None, status="failed", error_message="x")])
    at = open_page("jobs")
    config = json.loads(at.dataframe[0].proto.columns)
    labels = {column: spec.get("label", "") for column, spec in config.items() if column != "_index"}
    assert labels == tracker.JOB_COLUMNS
    assert all(title[0].isupper() for title in labels.values() if title)


def test_a_long_history_is_paged_with_running_jobs_first_and_searched(studio_env: Path, engine) -> None:
    history = JobHistory(studio_env / "history.sqlite3")
    for index in range(120):
        history.record_submission(backend="local", base_url=engine.base_url, video_id=f"h{index:03d}",
                                  request={"video_name": f"clip {index}"}, now=float(index),
                                  next_poll_at=10**10)  # never due: the page must not poll these
    history.apply_updates([JobUpdate("local", f"h{index:03d}", 500.0, None, status="failed", error_message="x")
                           for index in range(120) if index != 7])
    at = open_page("jobs")
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == tracker.JOBS_PER_PAGE
    assert list(table["video_id"][:3]) == ["h007", "h119", "h118"]  # the running one first, then newest
    [pages] = at.get("pagination")
    assert pages.proto.num_pages == 3
    pages.set_value(3).run()
    assert list(at.dataframe[0].value["video_id"]) == [f"h{index:03d}" for index in range(20, -1, -1) if index != 7]
    at.text_input(key=Keys.W_JOBS_SEARCH).input("clip 11").run()
    assert not at.exception
    assert sorted(at.dataframe[0].value["video_id"]) == ["h011", *(f"h{index}" for index in range(110, 120))]
    assert not at.get("pagination")
    assert any("120 in history · 11 match" in caption.value for caption in at.caption)
    assert any(expander.label == "Failed jobs (11)" for expander in at.expander)
