"""Every client method against a real local engine process (the session `engine` fixture)."""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator

import pytest
import requests

from lib.joggai import CreateVideoRequest, JoggAIClient, VideoStatus, errors
from tests.engine_process import EngineProcess, start_engine

pytestmark = pytest.mark.timeout(120)

VOICE = "en-US-ChristopherNeural"


@pytest.fixture(scope="module")
def client(engine: EngineProcess) -> Iterator[JoggAIClient]:
    with JoggAIClient(engine.base_url, engine.api_key, max_retries=2, backoff_factor=0.05) as running:
        yield running


def silent_wav(seconds: float = 0.5, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


# -- account and keys ------------------------------------------------------------------------------


def test_whoami_and_quota(client: JoggAIClient) -> None:
    user = client.whoami()
    assert user.username or user.email
    assert client.remaining_quota() >= 0


def test_base_url_with_v2_suffix_reaches_the_same_engine(engine: EngineProcess) -> None:
    with JoggAIClient(engine.base_url + "/v2/", engine.api_key) as other:
        assert other.whoami() is not None


def test_a_wrong_key_is_an_authentication_error(engine: EngineProcess) -> None:
    wrong = "not-the-key-0123456789"
    with (
        JoggAIClient(engine.base_url, wrong) as stranger,
        pytest.raises(errors.AuthenticationError) as caught,
    ):
        stranger.whoami()
    assert caught.value.code == 10105
    assert caught.value.http_status == 401
    assert wrong not in str(caught.value) and wrong not in repr(caught.value)


def test_engine_health_needs_no_key(engine: EngineProcess) -> None:
    with JoggAIClient(engine.base_url, "") as anonymous:
        health = anonymous.engine_health()
    assert health["status"] == "ok"
    assert health["engine"] == "avatar-studio-local"


# -- catalogs --------------------------------------------------------------------------------------


def test_public_avatar_pages(client: JoggAIClient) -> None:
    first = client.list_public_avatars(page=1, page_size=10)
    second = client.list_public_avatars(page=2, page_size=10)
    assert len(first) == len(second) == 10
    assert not {a.id for a in first} & {a.id for a in second}
    assert all(a.aspect_ratio in (0, 1, 2) and a.cover_url and a.video_url for a in first)
    assert client.list_public_avatars(page=10_000, page_size=100) == []


def test_public_avatar_filters(client: JoggAIClient) -> None:
    found = client.list_public_avatars(page_size=100, gender="female", aspect_ratio="landscape", scene="")
    assert found
    assert all(a.gender == "female" and a.aspect_ratio == 1 for a in found)


def test_whole_catalog_is_fetched_concurrently_in_page_order(client: JoggAIClient) -> None:
    everything = client.all_public_avatars(page_size=37, max_workers=4)
    ids = [a.id for a in everything]
    assert len(ids) >= 300
    assert len(set(ids)) == len(ids)
    assert 81 in ids
    one_by_one = client.all_public_avatars(page_size=100, max_workers=1)
    assert [a.id for a in one_by_one] == ids


def test_whole_catalog_with_a_filter(client: JoggAIClient) -> None:
    seniors = client.all_public_avatars(age="senior")
    assert seniors and all(a.age == "senior" for a in seniors)
    assert len(seniors) < len(client.all_public_avatars())


def test_invalid_filter_is_a_parameter_error(client: JoggAIClient) -> None:
    with pytest.raises(errors.InvalidRequestError) as caught:
        client.list_public_avatars(style="baroque")
    assert caught.value.param == "style"


def test_custom_avatars_and_voices_are_lists(client: JoggAIClient) -> None:
    assert isinstance(client.list_custom_avatars(), list)
    assert isinstance(client.list_custom_avatars(status="completed", name="me"), list)
    assert isinstance(client.list_custom_voices(language="english"), list)
    with pytest.raises(errors.InvalidRequestError) as caught:
        client.list_custom_avatars(status="sleeping")
    assert caught.value.param == "status"


def test_voice_pages_and_filters(client: JoggAIClient) -> None:
    page = client.list_voices(page_size=5)
    assert len(page.voices) == 5 and page.has_more
    every = client.all_voices()
    assert len(every) >= 100
    assert len({v.voice_id for v in every}) == len(every)
    assert len({v.language for v in every}) >= 40
    english_men = client.all_voices(language="en-US", gender="Male")
    assert english_men and all(v.gender == "male" and v.language == "english" for v in english_men)


# -- videos ----------------------------------------------------------------------------------------


def test_unknown_video_is_not_found(client: JoggAIClient) -> None:
    with pytest.raises(errors.NotFoundError):
        client.get_avatar_video("no-such-video")


def test_engine_parameter_errors_name_the_parameter(client: JoggAIClient) -> None:
    bad = CreateVideoRequest(avatar_id=81, voice_id=VOICE, script="Hi.", aspect_ratio="widescreen")
    assert [p.field for p in bad.problems()] == ["aspect_ratio"]
    with pytest.raises(errors.InvalidRequestError) as caught:
        client.create_avatar_video(bad)
    assert caught.value.param == "aspect_ratio"
    empty = CreateVideoRequest(avatar_id=81, voice_id=VOICE, script="   ")
    with pytest.raises(errors.InvalidRequestError) as caught:
        client.create_avatar_video(empty)
    assert caught.value.param == "voice.script"


@pytest.mark.parametrize(
    "changes",
    [
        {"aspect_ratio": "widescreen"},
        {"screen_style": 4},
        {"avatar_type": 2},
        {"voice_id": " "},
        {"script": "   "},
        {"script": "x" * 5001},
        {"script": None, "audio_url": "ftp://files.example/a.mp3"},
        {"webhook_url": "mailto:ops@example.com"},
        {"video_name": "n" * 201},
    ],
)
def test_client_side_rules_agree_with_the_engine(client: JoggAIClient, changes: dict) -> None:
    request = CreateVideoRequest(**{"avatar_id": 81, "voice_id": VOICE, "script": "Hi.", **changes})
    (problem,) = request.problems()
    with pytest.raises(errors.InvalidRequestError) as caught:
        client.create_avatar_video(request)
    assert caught.value.param == problem.field


@pytest.mark.slow
def test_create_poll_and_download_a_real_video(client: JoggAIClient, engine: EngineProcess) -> None:
    request = CreateVideoRequest(
        avatar_id=81,
        voice_id=VOICE,
        script="Hello from the client test.",
        aspect_ratio="square",
        caption=True,
        video_name="client test",
    )
    video_id = client.create_avatar_video(request, idempotency_key="client-test-render-1")
    assert client.create_avatar_video(request, idempotency_key="client-test-render-1") == video_id
    seen: list[VideoStatus] = []
    job = client.wait_for_video(
        video_id, poll_interval=0.5, timeout=100, on_update=lambda j: seen.append(j.status)
    )
    assert job.status is VideoStatus.COMPLETED, (job, engine.log_text()[-2000:])
    assert seen[-1] is VideoStatus.COMPLETED
    assert job.video_url and job.cover_url
    # Result links are public: fetched with plain requests, no key.
    video = requests.get(job.video_url, timeout=30)
    assert video.status_code == 200
    assert video.headers["Content-Type"].startswith("video/mp4")
    assert video.content[4:8] == b"ftyp"
    assert client.download(job.video_url) == video.content
    assert client.download(job.cover_url)[:3] == b"\xff\xd8\xff"
    # The engine's extensions: duration, progress and the caption file asked for.
    assert job.duration is not None and job.duration > 0.5
    assert job.progress == 100
    assert job.caption_url
    assert client.download(job.caption_url).startswith(b"WEBVTT")


def test_speech_preview(client: JoggAIClient) -> None:
    preview = client.speech_preview(VOICE, "Hear it first.")
    assert preview.duration and preview.duration > 0.2
    assert client.download(preview.audio_url)[:4] == b"RIFF"


# -- uploads ---------------------------------------------------------------------------------------


def test_upload_round_trip(client: JoggAIClient) -> None:
    data = silent_wav(1.0)
    progress: list[int] = []
    asset = client.upload_asset(
        "quiet.wav", data, "audio/wav", on_progress=lambda sent, total: progress.append(sent)
    )
    assert progress[0] == 0 and progress[-1] == len(data)
    fetched = requests.get(asset.asset_url, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == data


@pytest.mark.slow
def test_audio_mode_video_from_an_uploaded_file(client: JoggAIClient) -> None:
    asset = client.upload_asset("quiet.wav", silent_wav(0.6), "audio/wav")
    request = CreateVideoRequest(
        avatar_id=81, voice_id=VOICE, audio_url=asset.asset_url, aspect_ratio="portrait"
    )
    assert request.problems() == []
    job = client.wait_for_video(client.create_avatar_video(request), poll_interval=0.5, timeout=100)
    assert job.status is VideoStatus.COMPLETED, job
    assert job.duration is not None and job.duration > 0.4


# -- webhooks --------------------------------------------------------------------------------------


def test_webhook_endpoint_lifecycle(client: JoggAIClient) -> None:
    events = client.list_webhook_events()
    assert {"generated_avatar_video_success", "generated_avatar_video_failed"} <= set(events)
    url = "http://127.0.0.1:9/hooks/Client-Test?x=1"
    added = client.add_webhook_endpoint(url, ["generated_avatar_video_success"])
    assert added.url == url and added.status == "enabled" and added.secret
    assert added.endpoint_id in {ep.endpoint_id for ep in client.list_webhook_endpoints()}
    disabled = client.update_webhook_endpoint(added.endpoint_id, status="disabled")
    assert (disabled.status, disabled.url, disabled.events) == (
        "disabled",
        url,
        ["generated_avatar_video_success"],
    )
    assert disabled.secret == added.secret
    client.delete_webhook_endpoint(added.endpoint_id)
    assert added.endpoint_id not in {ep.endpoint_id for ep in client.list_webhook_endpoints()}
    with pytest.raises(errors.NotFoundError):
        client.delete_webhook_endpoint(added.endpoint_id)


# -- rate limit ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def limited_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineProcess]:
    """An engine enforcing the cloud's 20 POST/minute limit; it renders nothing."""
    running = start_engine(
        tmp_path_factory.mktemp("limited-engine"), extra_args=("--rate-limit", "--workers", "0")
    )
    yield running
    running.stop()


def test_the_21st_post_in_a_minute_is_rate_limited_with_retry_after(limited_engine: EngineProcess) -> None:
    with JoggAIClient(limited_engine.base_url, limited_engine.api_key) as limited:
        for number in range(20):
            limited.upload_asset(f"clip-{number}.wav", silent_wav(0.05), "audio/wav")
        with pytest.raises(errors.RateLimitError) as caught:
            limited.upload_asset("one-too-many.wav", silent_wav(0.05), "audio/wav")
        assert caught.value.code == 429 and caught.value.http_status == 429
        assert caught.value.retry_after is not None and 1 <= caught.value.retry_after <= 60
        assert limited.whoami() is not None  # GETs are not limited
