"""Real renders through the shared engine: the seed's curl example, audio mode, idempotency, previews."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import requests

from tests.engine.render_checks import check_completed_media, wait_for_video

pytestmark = pytest.mark.slow

SEED_SCRIPT = "Hi, welcome to JoggAI and create longer videos with Talking Avatars in minutes!"
SEED_BODY = (
    '{"avatar": {"avatar_id": 81, "avatar_type": 0}, "voice": {"type": "script", '
    '"voice_id": "en-US-ChristopherNeural", "script": "' + SEED_SCRIPT + '"}, '
    '"aspect_ratio": "portrait", "screen_style": 1, "caption": true}'
)


def curl(*args: str) -> dict:
    result = subprocess.run(["curl", "--silent", "--show-error", *args], capture_output=True, text=True,
                            timeout=60, check=True)
    return json.loads(result.stdout)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_seed_curl_example(engine):
    # JoggAI's example, unchanged except for the base URL and the key.
    created = curl("--request", "POST", "--url", engine.base_url + "/v2/create_video_from_avatar",
                   "--header", "Content-Type: application/json", "--header", f"x-api-key: {engine.api_key}",
                   "--data", SEED_BODY)
    assert created["code"] == 0 and isinstance(created["data"]["video_id"], str)
    video_id = created["data"]["video_id"]
    first = curl("--request", "GET", "--url", f"{engine.base_url}/v2/avatar_video/{video_id}",
                 "--header", f"x-api-key: {engine.api_key}")
    assert first["data"]["status"] in ("pending", "processing", "completed")
    assert isinstance(first["data"]["created_at"], int)
    job, seen = wait_for_video(engine, video_id)
    statuses = [status for status, _ in seen]
    assert statuses == sorted(statuses, key=["pending", "processing", "completed"].index)  # never backwards
    progress = [p for _, p in seen]
    assert progress == sorted(progress)
    info = check_completed_media(job, caption=True)
    assert info["height"] > info["width"]  # portrait
    assert 2 < job["duration"] < 20


def upload(engine, filename, content_type, data):
    answer = requests.post(engine.v2 + "/upload/asset", headers=engine.headers(),
                           json={"filename": filename, "content_type": content_type}, timeout=10).json()
    put = requests.put(answer["data"]["sign_url"], data=data, headers={"Content-Type": content_type}, timeout=30)
    assert put.json()["code"] == 0
    return answer["data"]["asset_url"]


def speech_preview(engine, voice_id, script):
    return requests.post(engine.v2 + "/ext/speech_preview", headers=engine.headers(),
                         json={"voice_id": voice_id, "script": script}, timeout=60)


def test_speech_preview_extension(engine):
    answer = speech_preview(engine, "en-US-ChristopherNeural", "Hear it before you render it.")
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert data["duration"] > 0.5
    wav = requests.get(data["audio_url"], timeout=30)
    assert wav.headers["content-type"] == "audio/wav" and wav.content[:4] == b"RIFF"
    missing = speech_preview(engine, "", "text").json()
    assert missing["code"] == 40000 and "voice_id" in missing["msg"]
    empty = speech_preview(engine, "en-US-ChristopherNeural", "   ").json()
    assert empty["code"] == 40000 and "script" in empty["msg"]
    unknown = speech_preview(engine, "nonexistent_voice_42", "text")
    assert unknown.status_code == 404 and unknown.json()["code"] == 10104


def create(engine, payload, **headers):
    return requests.post(engine.v2 + "/create_video_from_avatar", headers={**engine.headers(), **headers},
                         json=payload, timeout=60).json()


def test_audio_mode_with_an_uploaded_file(engine):
    preview = speech_preview(engine, "en-US-ChristopherNeural", "This voice was uploaded as a file.").json()["data"]
    wav = requests.get(preview["audio_url"], timeout=30).content
    asset_url = upload(engine, "narration.wav", "audio/wav", wav)
    created = create(engine, {
        "avatar": {"avatar_id": 81, "avatar_type": 0},
        "voice": {"type": "audio", "voice_id": "en-US-ChristopherNeural", "audio_url": asset_url},
        "aspect_ratio": "landscape", "screen_style": 2, "caption": False,
    })
    assert created["code"] == 0, created
    job, _ = wait_for_video(engine, created["data"]["video_id"])
    info = check_completed_media(job, caption=False)
    assert info["width"] > info["height"]  # landscape
    assert abs(job["duration"] - preview["duration"]) < 0.6


def test_an_image_is_not_accepted_as_audio(engine):
    asset_url = upload(engine, "face.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    answer = create(engine, {
        "avatar": {"avatar_id": 81, "avatar_type": 0},
        "voice": {"type": "audio", "voice_id": "en-US-ChristopherNeural", "audio_url": asset_url},
        "aspect_ratio": "portrait", "screen_style": 1,
    })
    assert answer["code"] == 40000 and "audio_url" in answer["msg"]


def test_idempotency_key_returns_the_same_video(engine):
    payload = {"avatar": {"avatar_id": 81, "avatar_type": 0},
               "voice": {"type": "script", "voice_id": "en-US-ChristopherNeural", "script": "Only once."},
               "aspect_ratio": "square", "screen_style": 3, "caption": True, "video_name": "once"}
    first = create(engine, payload, **{"Idempotency-Key": "batch-7-row-1"})
    again = create(engine, payload, **{"idempotency-key": "batch-7-row-1"})
    assert first["code"] == 0 and again["data"]["video_id"] == first["data"]["video_id"]
    changed = create(engine, {**payload, "video_name": "twice"}, **{"Idempotency-Key": "batch-7-row-1"})
    assert changed["code"] == 40000 and "Idempotency-Key" in changed["msg"]
    other = create(engine, payload, **{"Idempotency-Key": "batch-7-row-2"})
    assert other["data"]["video_id"] != first["data"]["video_id"]
    for video_id in (first["data"]["video_id"], other["data"]["video_id"]):
        job, _ = wait_for_video(engine, video_id)
        assert job["video_name"] == "once"
        check_completed_media(job, caption=True)


def test_the_key_is_only_in_its_own_file(engine):
    """After renders, uploads and errors: the key is in DATA_DIR/api_key and nowhere else on disk."""
    key = engine.api_key.encode()
    for path in engine.data_dir.rglob("*"):
        if path.is_file() and path.name != "api_key" and path.stat().st_size < 50 * 1024 * 1024:
            assert key not in path.read_bytes(), path
