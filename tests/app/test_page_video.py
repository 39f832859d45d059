"""Video page: ``?video_id=`` opens one video from the history, or from the backend when not recorded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lib.studio.history import JobHistory, JobUpdate
from lib.studio.share_links import LinkState, ShareLinks, load_secret
from lib.studio.state import Keys
from tests.app.conftest import open_page
from tests.app.test_page_jobs import record_finished

pytestmark = pytest.mark.timeout(180)


def share_links_store_at(data_dir: Path) -> ShareLinks:
    return ShareLinks(data_dir / "history.sqlite3", load_secret(data_dir / "share-secret"))


def test_recorded_video_plays_with_its_request_details(studio_env: Path, engine, finished_video) -> None:
    video_id = record_finished(JobHistory(studio_env / "history.sqlite3"), engine, finished_video)
    at = open_page("video", video_id=video_id)
    assert not at.exception
    [video] = at.get("video")
    assert video.proto.url == finished_video["job"].video_url
    assert video.proto.url.startswith(engine.base_url)
    details = str(at.table[0].value)
    assert "Test avatar" in details and "Test voice" in details
    assert any(finished_video["request"].script in text.value for text in at.text)
    # Sharing makes a signed /share link for this video (never a link into the studio itself).
    assert not any("/share?t=" in code.value for code in at.code)
    at.button(key=Keys.B_SHARE_CREATE).click().run()
    assert not at.exception
    [link] = [code.value for code in at.code if "/share?t=" in code.value]
    verdict = share_links_store_at(studio_env).verify(link.split("t=", 1)[1])
    assert verdict.state is LinkState.VALID and verdict.link.target_id == video_id


def test_video_not_in_history_is_fetched_from_the_backend(studio_env: Path, engine, finished_video) -> None:
    at = open_page("video", video_id=finished_video["job"].video_id)
    assert not at.exception
    assert [video.proto.url for video in at.get("video")] == [finished_video["job"].video_url]
    assert any("Not in this dashboard's history" in caption.value for caption in at.caption)


def test_unknown_video_says_so(studio_env: Path) -> None:
    at = open_page("video", video_id="does-not-exist")
    assert not at.exception
    assert any("does-not-exist" in error.value for error in at.error)
    assert not at.get("video")


def test_recorded_video_still_opens_when_the_engine_is_down(closed_port_env: str, engine, finished_video) -> None:
    video_id = record_finished(JobHistory(Path(os.environ["AVATAR_STUDIO_DATA_DIR"]) / "history.sqlite3"),
                               engine, finished_video)
    at = open_page("video", video_id=video_id)
    assert not at.exception
    assert any("not reachable" in error.value for error in at.error)
    # The history keeps the links; the media server is the engine, so the browser shows what it can.
    assert [video.proto.url for video in at.get("video")] == [finished_video["job"].video_url]


def test_bundle_and_request_as_code_never_show_the_key(studio_env: Path, engine, finished_video) -> None:
    video_id = record_finished(JobHistory(studio_env / "history.sqlite3"), engine, finished_video)
    at = open_page("video", video_id=video_id)
    assert not at.exception
    [bundle] = [button for button in at.get("download_button") if button.proto.id.endswith(Keys.B_VIDEO_BUNDLE)]
    assert "bundle" in bundle.proto.label.lower()
    codes = [code.value for code in at.code]
    [curl] = [code for code in codes if code.startswith("curl ")]
    [python] = [code for code in codes if "JoggAIClient(" in code]
    assert "$JOGGAI_API_KEY" in curl and "os.environ['JOGGAI_API_KEY']" in python
    assert finished_video["request"].script in curl and repr(finished_video["request"].script) in python
    assert engine.api_key not in "\n".join(codes) + str(at.get("download_button"))


def test_a_public_engine_url_rewrites_the_media_links(studio_env: Path, engine, finished_video,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    video_id = record_finished(JobHistory(studio_env / "history.sqlite3"), engine, finished_video)
    monkeypatch.setenv("AVATAR_STUDIO_ENGINE_PUBLIC_URL", "http://studio-host.lan:9000")
    at = open_page("video", video_id=video_id)
    assert not at.exception
    [video] = at.get("video")
    expected = "http://studio-host.lan:9000" + finished_video["job"].video_url.removeprefix(engine.base_url)
    assert video.proto.url == expected
    # Links colleagues follow are rewritten; the history keeps the engine's own address.
    assert JobHistory(studio_env / "history.sqlite3").get("local", video_id).video_url.startswith(engine.base_url)


def test_a_failed_job_without_a_stored_request_still_opens(studio_env: Path, engine) -> None:
    history = JobHistory(studio_env / "history.sqlite3")
    history.record_submission(backend="local", base_url=engine.base_url, video_id="bare", request={}, now=0.0)
    history.apply_updates([JobUpdate("local", "bare", 1.0, None, status="failed", error_message="no voice")])
    at = open_page("video", video_id="bare")
    assert not at.exception
    assert any("no voice" in error.value for error in at.error)
    assert not at.get("download_button") and not any(code.value.startswith("curl ") for code in at.code)
