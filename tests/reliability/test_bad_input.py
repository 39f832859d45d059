"""Bad input the engine tests (tests/engine) did not already cover: each is a specific 40000, never a 500.

Already covered elsewhere, and not repeated here:
- malformed JSON, wrong types, > 1 MB bodies, 5001-character and whitespace-only scripts, `video_name`
  with HTML (accepted), `file://` audio_url: tests/engine/test_create_validation.py;
- audio_url at 127.0.0.1, 169.254.169.254, [::1], 10/8: tests/engine/test_create_validation.py and,
  for redirects to a private address and a server that streams forever (those need a loopback server,
  which the engine itself refuses), tests/engine/test_remote_fetch.py;
- upload path traversal, content-type lies, audio that is not audio, 0-byte and > 20 MB uploads:
  tests/engine/test_uploads.py and tests/engine/test_render_jobs.py.
"""

from __future__ import annotations

import json

import pytest
import requests

from tests.engine.render_checks import wait_for_video

MISSING_AVATAR = 987_654_321
VOICE = "en-US-ChristopherNeural"


def create_body(script: str, *, avatar_id: int = MISSING_AVATAR, **extra: object) -> dict:
    return {"avatar": {"avatar_id": avatar_id, "avatar_type": 0},
            "voice": {"type": "script", "voice_id": VOICE, "script": script}, **extra}


def post(engine, path: str, *, payload: object = None, raw: bytes | str | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict]:
    data = raw if raw is not None else json.dumps(payload)
    answer = requests.post(engine.v2 + path, data=data, timeout=30,
                           headers={**engine.headers(), "Content-Type": "application/json", **(headers or {})})
    assert answer.headers["content-type"].startswith("application/json"), answer.text[:200]
    return answer.status_code, answer.json()


def assert_parameter_error(status: int, answer: dict, message: str) -> None:
    assert status in (400, 413), (status, answer)
    assert answer["code"] == 40000, answer
    assert message in answer["msg"], answer


@pytest.mark.parametrize("script", ["...", "\u200f\u200f", "\u200b \u200b", "?! -- ?!", "\x07\x08", "\u202e."],
                         ids=["dots", "rtl-marks", "zero-width", "punctuation", "controls", "rtl-override"])
def test_a_script_with_nothing_to_speak_is_refused_at_create(engine, script):
    # It used to be accepted and then fail in the worker as "internal error".
    status, answer = post(engine, "/create_video_from_avatar", payload=create_body(script, avatar_id=81))
    assert_parameter_error(status, answer, "voice.script has nothing to speak")


def test_speech_preview_refuses_a_script_with_nothing_to_speak(engine):
    status, answer = post(engine, "/ext/speech_preview", payload={"voice_id": VOICE, "script": "..."})
    assert_parameter_error(status, answer, "script has nothing to speak")


@pytest.mark.parametrize(("raw", "message"), [
    ("avatar=81&voice=x", "not valid JSON"),  # a form body sent as JSON
    ('{"avatar": NaN}', "avatar is required"),  # NaN parses, but is not an object
    ('{"avatar": {"avatar_id": Infinity}}', "avatar.avatar_id must be an integer"),
    ('{"avatar": {"avatar_id": 1e400}}', "avatar.avatar_id must be an integer"),
    (json.dumps(create_body("Hi", avatar_id=10**400)), "not found among public avatars"),  # huge: unknown
    (b'{"avatar": "\xff\xfe"}', "not valid JSON"),  # invalid UTF-8
    ('{"voice": {"script": "\\ud800"}}', "avatar is required"),  # a lone surrogate escape
])
def test_odd_json_is_a_specific_error(engine, raw, message):
    status, answer = post(engine, "/create_video_from_avatar", raw=raw)
    assert status in (400, 404), answer
    assert answer["code"] in (40000, 10104) and message in answer["msg"], answer


def test_a_huge_chunked_body_without_length_is_refused(engine):
    def chunks():
        for _ in range(80):
            yield b" " * 16_384  # 1.25 MB of whitespace, no Content-Length header
    answer = requests.post(engine.v2 + "/create_video_from_avatar", data=chunks(), timeout=30,
                           headers={**engine.headers(), "Content-Type": "application/json"})
    assert answer.status_code == 413 and answer.json()["code"] == 40000 and "1 MB" in answer.json()["msg"]


@pytest.mark.parametrize("filename", ["invoice\u202egnp.wav", "a\u200bb.wav", "tab\there.wav", "c1\x85.wav",
                                      "\u200f.wav"])
def test_upload_names_with_control_or_bidi_characters_are_refused(engine, filename):
    status, answer = post(engine, "/upload/asset", payload={"filename": filename, "content_type": "audio/wav"})
    assert_parameter_error(status, answer, "plain file name")


def test_upload_names_in_right_to_left_scripts_are_fine(engine):
    status, answer = post(engine, "/upload/asset",
                          payload={"filename": "\u05e9\u05dc\u05d5\u05dd.wav", "content_type": "audio/wav"})
    assert status == 200 and answer["code"] == 0, answer


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_rtl_marks_control_characters_and_html_render_and_come_back_verbatim(engine):
    name = "<b>Caf\u00e9</b> \u200f\u05e9\u05dc\u05d5\u05dd\u200e <script>alert(1)</script>\x07"
    script = "Hello \u200f\u05e9\u05dc\u05d5\u05dd\u200e and\x07 goodbye\x00 \u202eagain."
    status, answer = post(engine, "/create_video_from_avatar",
                          payload=create_body(script, avatar_id=81, video_name=name, caption=True))
    assert status == 200 and answer["code"] == 0, answer
    job, _ = wait_for_video(engine, answer["data"]["video_id"])
    assert job["status"] == "completed", job
    assert job["video_name"] == name  # JSON carries it as data; escaping is the page's job
    assert requests.get(job["video_url"], timeout=30).status_code == 200


def test_error_messages_never_leak_filesystem_paths(engine):
    data_dir = str(engine.data_dir)
    answers = [
        post(engine, "/create_video_from_avatar", raw="{oops")[1],
        post(engine, "/create_video_from_avatar", payload=create_body("Hi", avatar_id=81, voice={
            "type": "audio", "voice_id": VOICE, "audio_url": engine.base_url + "/media/a/../api_key"}))[1],
        post(engine, "/upload/asset", payload={"filename": "../../api_key", "content_type": "audio/wav"})[1],
    ]
    # Audio that is not audio, read from the engine's own upload (the probe must not name the file).
    _, asked = post(engine, "/upload/asset", payload={"filename": "fake.wav", "content_type": "audio/wav"})
    put = requests.put(asked["data"]["sign_url"], data=b"RIFF" + b"\x00" * 200,
                       headers={"Content-Type": "audio/wav"}, timeout=10)
    answers.append(put.json())
    for path in ("/media/v/../../engine.sqlite3", "/media/a/" + "A" * 32 + "/x.wav", "/upload/" + "B" * 32):
        answers.append(requests.get(engine.base_url + path, timeout=10).json())
    for answer in answers:
        text = json.dumps(answer)
        assert answer["code"] != 0 and data_dir not in text and "/tmp" not in text, answer
        assert "Traceback" not in text and engine.api_key not in text
