"""versions.py and the history's parent column: composer values from a stored request, families, compare cells,
and an old database gaining the column."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from lib.joggai import VideoStatus
from lib.joggai.contract import (
    DEFAULT_CAPTION_STYLE,
    DEFAULT_RESOLUTION,
    EXT_LOGO_URL,
    EXT_REQUEST_FIELD,
    EXT_RESOLUTION,
)
from lib.studio import versions
from lib.studio.experiment_plans import MAX_VARIANTS
from lib.studio.history import JobHistory, JobUpdate
from lib.studio.state import Keys
from tests.studio.fakes import FIRST_RELEASE_JOBS_TABLE

SCRIPT_PAYLOAD = {"avatar": {"avatar_id": 7, "avatar_type": 1},
                  "voice": {"type": "script", "voice_id": "v-ava", "script": "First words."},
                  "aspect_ratio": "landscape", "screen_style": 3, "caption": True, "video_name": "Launch",
                  "webhook_url": "https://example.com/hook"}
AUDIO_PAYLOAD = {"avatar": {"avatar_id": 2, "avatar_type": 0},
                 "voice": {"type": "audio", "voice_id": "v-guy", "audio_url": "https://example.com/a.mp3"},
                 "aspect_ratio": "square", "screen_style": 1}


def record(history: JobHistory, video_id: str, *, at: float, parent: str | None = None,
           payload: dict | None = None) -> None:
    history.record_submission(backend="local", base_url="http://127.0.0.1:1", video_id=video_id,
                              request=payload or {**SCRIPT_PAYLOAD, "video_name": video_id}, now=at)
    if parent:
        assert history.set_parent("local", video_id, parent)


def test_composer_values_carry_every_field_of_a_script_request(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "h.sqlite3")
    record(history, "a", at=1.0, payload=SCRIPT_PAYLOAD)
    values = versions.composer_values(history.get("local", "a"))
    assert values == {
        Keys.W_COMPOSE_AVATAR: (1, 7), Keys.W_COMPOSE_VOICE: "v-ava", Keys.W_COMPOSE_MODE: "script",
        Keys.W_COMPOSE_SCRIPT: "First words.", Keys.W_COMPOSE_AUDIO_URL: "", Keys.W_COMPOSE_ASPECT: "landscape",
        Keys.W_COMPOSE_SCREEN: 3, Keys.W_COMPOSE_CAPTION: True, Keys.W_COMPOSE_NAME: "Launch",
        Keys.W_COMPOSE_WEBHOOK: "https://example.com/hook", Keys.W_COMPOSE_EXPERIMENT: False,
        Keys.W_EXT_CONTENT_URL: "", Keys.W_EXT_BACKGROUND_URL: "", Keys.W_EXT_LOGO_URL: "", Keys.W_EXT_MUSIC_URL: "",
        Keys.W_EXT_RESOLUTION: DEFAULT_RESOLUTION, Keys.W_EXT_CAPTION_STYLE: DEFAULT_CAPTION_STYLE}


def test_composer_values_carry_the_product_visuals(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "h.sqlite3")
    ext = {EXT_LOGO_URL: "http://127.0.0.1:1/media/a/logo.png", EXT_RESOLUTION: "1080p"}
    record(history, "e", at=1.0, payload={**SCRIPT_PAYLOAD, EXT_REQUEST_FIELD: ext})
    values = versions.composer_values(history.get("local", "e"))
    assert (values[Keys.W_EXT_LOGO_URL], values[Keys.W_EXT_RESOLUTION]) == (ext[EXT_LOGO_URL], "1080p")


def test_composer_values_of_an_audio_request_choose_audio_mode(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "h.sqlite3")
    record(history, "b", at=1.0, payload=AUDIO_PAYLOAD)
    values = versions.composer_values(history.get("local", "b"))
    assert values[Keys.W_COMPOSE_MODE] == "audio"
    assert values[Keys.W_COMPOSE_AUDIO_URL] == "https://example.com/a.mp3"
    assert (values[Keys.W_COMPOSE_SCRIPT], values[Keys.W_COMPOSE_AVATAR]) == ("", (0, 2))
    assert (values[Keys.W_COMPOSE_CAPTION], values[Keys.W_COMPOSE_NAME]) == (False, "")


def test_a_family_is_found_from_any_member_newest_first(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "h.sqlite3")
    record(history, "root", at=1.0)
    record(history, "child-1", at=2.0, parent="root")
    record(history, "child-2", at=3.0, parent="root")
    record(history, "grandchild", at=4.0, parent="child-1")
    record(history, "stranger", at=5.0)
    expected = ["grandchild", "child-2", "child-1", "root"]
    for member in expected:
        assert [job.video_id for job in versions.family(history, member)] == expected
    assert [job.video_id for job in versions.family(history, "stranger")] == ["stranger"]
    assert versions.family(history, "missing") == []


def test_versions_are_numbered_from_the_first_and_marked_relative_to_the_video(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "h.sqlite3")
    record(history, "root", at=1.0)
    record(history, "child-1", at=2.0, parent="root")
    record(history, "grandchild", at=3.0, parent="child-1")
    listed = versions.versions_of(history, history.get("local", "child-1"))
    assert [(v.job.video_id, v.number, v.relation) for v in listed] == [
        ("grandchild", 3, versions.CHILD), ("child-1", 2, versions.THIS), ("root", 1, versions.PARENT)]
    assert listed[1].label == "v2 · child-1 (this video)"


def test_a_cycle_written_by_hand_does_not_loop(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "h.sqlite3")
    record(history, "a", at=1.0)
    record(history, "b", at=2.0, parent="a")
    history.set_parent("local", "a", "b")
    assert sorted(job.video_id for job in versions.family(history, "a")) == ["a", "b"]


def test_compare_cells_are_the_newest_versions_oldest_on_the_left(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "h.sqlite3")
    record(history, "v0", at=0.0)
    for index in range(1, MAX_VARIANTS + 2):
        record(history, f"v{index}", at=float(index), parent=f"v{index - 1}")
    history.apply_updates([JobUpdate("local", "v7", 9.0, None, status=VideoStatus.FAILED.value,
                                     error_message="no voice")])
    cells = versions.compare_cells(versions.versions_of(history, history.get("local", "v3")))
    assert [cell.video_id for cell in cells] == [f"v{index}" for index in range(2, 8)]
    assert [cell.index for cell in cells] == list(range(MAX_VARIANTS))
    assert cells[-1].error == "no voice" and cells[-1].status == VideoStatus.FAILED.value
    assert cells[0].error is None and not any(cell.winner for cell in cells)


def test_an_old_history_gains_the_parent_column_and_keeps_its_jobs(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:  # the first release's table: none of the later columns
        db.execute(FIRST_RELEASE_JOBS_TABLE)
        db.execute("INSERT INTO jobs (backend, video_id, base_url, created_at, updated_at) "
                   "VALUES ('local', 'old', 'http://127.0.0.1:1', 1, 1)")
    history = JobHistory(path)
    assert history.get("local", "old").parent_video_id is None
    record(history, "new", at=2.0, parent="old")
    assert history.get("local", "new").parent_video_id == "old"
    assert [job.video_id for job in history.children_of(["old"])] == ["new"]
