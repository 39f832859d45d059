"""connection.py glue against the real engine: upload, hear-it-first, submit and fetch."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest
import requests

from lib.joggai import CreateVideoRequest, JoggAIClient
from lib.studio.backends import Backend, BackendHealth, probe_capabilities
from lib.studio.config import StudioConfig
from lib.studio.connection import Connection, fetch_job, speech_preview, submit_video, upload_file
from lib.studio.submission import OutcomeKind

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def connection(engine, studio_env: Path) -> Connection:
    backend = Backend("local", engine.base_url, engine.api_key)
    config = StudioConfig(backend="local", data_dir=studio_env, autorefresh_ms=3000)
    client = JoggAIClient(engine.base_url, engine.api_key)
    return Connection(config, "local", backend, client, BackendHealth(ok=True), probe_capabilities(client, backend))


def one_second_wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\x00\x10" * 16000)
    return buffer.getvalue()


def test_upload_reports_progress_and_the_asset_serves_the_bytes(connection: Connection) -> None:
    data, seen = one_second_wav(), []
    uploaded = upload_file(connection, "voice.wav", data, "audio/wav", lambda sent, total: seen.append(sent))
    url = uploaded.value
    assert uploaded.ok and uploaded.problem is None and url
    assert seen and seen[-1] == len(data)
    assert requests.get(url, timeout=10).content == data


def test_speech_preview_gives_a_playable_wav(connection: Connection) -> None:
    voice = connection.client.list_voices(page_size=1).voices[0]
    preview = speech_preview(connection, voice, "Hello there.")
    assert preview.is_script and preview.note is None
    answer = requests.get(preview.audio_url, timeout=30)
    assert answer.status_code == 200 and answer.content[:4] == b"RIFF"
    assert answer.content != requests.get(voice.audio_url, timeout=30).content  # the script, not the sample


def test_on_the_cloud_hear_it_first_plays_the_voice_sample_and_says_why(connection: Connection) -> None:
    """The cloud has no speech preview: the sample clip plays, with the reason, and nothing is asked."""
    voice = connection.client.list_voices(page_size=1).voices[0]
    cloud = Connection(connection.config, "cloud", Backend("cloud", "http://127.0.0.1:9", "unused-key"),
                       JoggAIClient("http://127.0.0.1:9", "unused-key"), BackendHealth(ok=True))
    preview = speech_preview(cloud, voice, "Hello there.")
    assert preview.audio_url == voice.audio_url and not preview.is_script
    assert "sample clip" in preview.note and "local engine" in preview.note


def test_submit_records_and_a_rejected_request_names_its_field(connection: Connection) -> None:
    voice = connection.client.list_voices(page_size=1).voices[0]
    good = CreateVideoRequest(avatar_id=81, voice_id=voice.voice_id, script="Glue test.")
    first = submit_video(connection, good, idempotency_key="glue-1", avatar_name="A", voice_name="V")
    again = submit_video(connection, good, idempotency_key="glue-1", avatar_name="A", voice_name="V")
    assert first.job is not None and again.job is not None
    assert first.job.video_id == again.job.video_id  # a retried click does not render twice
    assert first.job.backend == "local" and first.job.next_poll_at is not None
    missing_avatar = CreateVideoRequest(avatar_id=999_999, voice_id=voice.voice_id, script="x")
    outcome = submit_video(connection, missing_avatar, idempotency_key="glue-2", avatar_name="", voice_name="")
    assert outcome.kind is OutcomeKind.REFUSED and outcome.job is None and outcome.reason


def test_fetch_job_explains_an_unknown_id(connection: Connection) -> None:
    fetched = fetch_job(connection, "no-such-video")
    assert fetched.value is None and not fetched.ok and "no-such-video" in fetched.problem
