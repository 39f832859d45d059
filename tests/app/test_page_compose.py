"""Compose page: rules shown next to widgets, a safe preview, and a real submission to the engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.studio.history import JobHistory
from lib.studio.state import Keys
from tests.app.conftest import composer

pytestmark = pytest.mark.timeout(180)



def test_missing_script_shows_the_contract_message_and_sends_nothing(studio_env: Path, engine_client) -> None:
    at, _, _ = composer(engine_client)
    assert not at.error  # no rule messages before the first attempt
    at.button(key=Keys.B_COMPOSE_SUBMIT).click().run()
    assert not at.exception
    assert any("voice.script" in error.value for error in at.error)
    assert [title.value for title in at.title] == [":material/edit_note: Compose"]
    assert not JobHistory(studio_env / "history.sqlite3").list_jobs()


def test_preview_shows_the_body_and_a_curl_without_the_key(studio_env: Path, engine, engine_client) -> None:
    at, avatar, voice = composer(engine_client, **{Keys.W_COMPOSE_SCRIPT: "Preview me."})
    body, curl = (code.value for code in at.code[:2])
    assert json.loads(body)["avatar"]["avatar_id"] == avatar.id
    assert json.loads(body)["voice"] == {"type": "script", "voice_id": voice.voice_id, "script": "Preview me."}
    assert f"{engine.base_url}/v2/create_video_from_avatar" in curl and "$JOGGAI_API_KEY" in curl
    everything = " ".join(str(e.value) for kind in ("code", "markdown", "caption", "error") for e in at.get(kind))
    assert engine.api_key not in everything


def test_estimate_and_counts_follow_the_script(studio_env: Path, engine_client) -> None:
    at, _, _ = composer(engine_client, **{Keys.W_COMPOSE_SCRIPT: "One two three four five."})
    assert any("24 characters · 5 words" in caption.value for caption in at.caption)


def test_submit_records_the_job_and_opens_the_tracker(studio_env: Path, engine_client) -> None:
    at, avatar, voice = composer(engine_client, **{Keys.W_COMPOSE_SCRIPT: "Submitted from a test.",
                                                   Keys.W_COMPOSE_NAME: "compose test"})
    at.button(key=Keys.B_COMPOSE_SUBMIT).click().run()
    assert not at.exception
    assert [title.value for title in at.title] == [":material/pending_actions: Jobs"]
    [job] = JobHistory(studio_env / "history.sqlite3").list_jobs()
    assert (job.backend, job.name, job.avatar_id, job.voice_id) == ("local", "compose test", avatar.id,
                                                                     voice.voice_id)
    assert at.query_params["job"] == [job.video_id] or at.query_params["job"] == job.video_id
    assert engine_client.get_avatar_video(job.video_id).video_id == job.video_id
    assert job.video_id in set(at.dataframe[0].value["video_id"])
