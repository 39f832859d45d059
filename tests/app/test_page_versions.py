"""Versions: *New version* on Jobs and Video opens Compose filled with the request; the video made there
records its parent; the Video page lists the versions and compares them side by side."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.studio.history import JobHistory, JobUpdate
from lib.studio.state import Keys
from tests.app.conftest import open_page
from tests.app.test_page_jobs import record_finished

pytestmark = pytest.mark.timeout(240)


def new_version_from_jobs(studio_env: Path, engine, finished_video):
    history = JobHistory(studio_env / "history.sqlite3")
    parent_id = record_finished(history, engine, finished_video)
    at = open_page("jobs")
    assert not at.exception
    at.button(key=f"{Keys.B_NEW_VERSION}_{parent_id}").click().run()
    assert not at.exception
    at.switch_page("pages/compose.py")  # where the browser now is: AppTest's reruns would run Jobs again
    return at, history, parent_id


def test_new_version_opens_compose_filled_with_every_field(studio_env: Path, engine, finished_video) -> None:
    at, _, parent_id = new_version_from_jobs(studio_env, engine, finished_video)
    request = finished_video["request"]
    assert [title.value for title in at.title] == [":material/edit_note: Compose"]
    assert at.selectbox(key=Keys.W_COMPOSE_AVATAR).value == (0, request.avatar_id)
    assert at.selectbox(key=Keys.W_COMPOSE_VOICE).value == request.voice_id
    assert at.text_area(key=Keys.W_COMPOSE_SCRIPT).value == request.script
    assert at.session_state[Keys.W_COMPOSE_MODE] == "script"
    assert at.session_state[Keys.W_COMPOSE_ASPECT] == request.aspect_ratio
    assert at.radio(key=Keys.W_COMPOSE_SCREEN).value == request.screen_style
    assert at.toggle(key=Keys.W_COMPOSE_CAPTION).value is True
    assert at.text_input(key=Keys.W_COMPOSE_NAME).value == request.video_name
    assert any("New version of" in info.value and request.video_name in info.value for info in at.info)
    assert at.session_state[Keys.COMPOSE_PARENT] == parent_id


def test_the_new_video_records_its_parent_and_the_video_page_lists_both(studio_env: Path, engine,
                                                                        finished_video) -> None:
    at, history, parent_id = new_version_from_jobs(studio_env, engine, finished_video)
    at.text_area(key=Keys.W_COMPOSE_SCRIPT).input("Hello again, second take.").run()
    at.text_input(key=Keys.W_COMPOSE_NAME).input("studio test v2").run()
    at.button(key=Keys.B_COMPOSE_SUBMIT).click().run()
    assert not at.exception
    assert [title.value for title in at.title] == [":material/pending_actions: Jobs"]
    [child] = [job for job in history.list_jobs() if job.video_id != parent_id]
    assert child.parent_video_id == parent_id
    assert child.request["voice"]["script"] == "Hello again, second take." and child.name == "studio test v2"
    assert Keys.COMPOSE_PARENT not in at.session_state  # the next video is not a version by itself

    at = open_page("video", video_id=child.video_id)
    assert not at.exception
    links = [button.label for button in at.button if button.key.startswith(Keys.B_VERSION_OPEN)]
    assert links == ["v2 · studio test v2 (this video)", "v1 · studio test (parent)"]
    at.toggle(key=Keys.W_VIDEO_COMPARE_VERSIONS).set_value(True).run()
    assert not at.exception
    grid_labels = [markdown.value for markdown in at.markdown if markdown.value.startswith("**v")]
    assert grid_labels == ["**v1 · studio test (parent)**", "**v2 · studio test v2 (this video)**"]
    # The finished parent plays in the grid; the child is still rendering (a progress bar, no player yet).
    assert finished_video["job"].video_url in [video.proto.url for video in at.get("video")]

    at.button(key=f"{Keys.B_VERSION_OPEN}_{parent_id}").click().run()  # the parent's entry opens its page
    assert not at.exception
    assert at.query_params["video_id"] in (parent_id, [parent_id])
    links = [button.label for button in at.button if button.key.startswith(Keys.B_VERSION_OPEN)]
    assert links == ["v2 · studio test v2 (new version of this)", "v1 · studio test (this video)"]


def test_the_video_page_has_new_version_and_not_a_version_forgets_the_parent(studio_env: Path, engine,
                                                                           finished_video) -> None:
    parent_id = record_finished(JobHistory(studio_env / "history.sqlite3"), engine, finished_video)
    at = open_page("video", video_id=parent_id)
    assert any("No other versions yet" in caption.value for caption in at.caption)
    at.button(key=f"{Keys.B_NEW_VERSION}_{parent_id}").click().run()
    assert not at.exception
    assert at.text_area(key=Keys.W_COMPOSE_SCRIPT).value == finished_video["request"].script
    at.switch_page("pages/compose.py")
    at.button(key=Keys.B_COMPOSE_NOT_A_VERSION).click().run()
    assert not at.exception
    assert Keys.COMPOSE_PARENT not in at.session_state
    assert not any("New version of" in info.value for info in at.info)


def test_a_failed_job_offers_a_new_version_on_the_jobs_page(studio_env: Path, engine, finished_video) -> None:
    history = JobHistory(studio_env / "history.sqlite3")
    history.record_submission(backend="local", base_url=engine.base_url, video_id="failed-1",
                              request=finished_video["request"].to_payload(), now=1.0)
    history.apply_updates([JobUpdate("local", "failed-1", 2.0, None, status="failed", error_message="no voice")])
    at = open_page("jobs")
    at.button(key=f"{Keys.B_NEW_VERSION}_failed-1").click().run()
    assert not at.exception
    assert at.session_state[Keys.COMPOSE_PARENT] == "failed-1"
    assert at.text_area(key=Keys.W_COMPOSE_SCRIPT).value == finished_video["request"].script
