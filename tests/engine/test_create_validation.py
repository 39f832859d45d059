"""create_video_from_avatar: every validation rule answers a specific 40000 (or 10104 for lookups).

Requests that pass validation here name an avatar that does not exist, so the answer (10104 about the
avatar) proves validation passed without starting a render on the shared engine.
"""

from __future__ import annotations

import copy
import json

import pytest
import requests

SEED_VOICE = "en-US-ChristopherNeural"
MISSING_AVATAR = 987_654_321


def body(**changes):
    """A valid request naming a missing avatar; `changes` maps dotted paths to values (None deletes)."""
    request = {
        "avatar": {"avatar_id": MISSING_AVATAR, "avatar_type": 0},
        "voice": {"type": "script", "voice_id": SEED_VOICE, "script": "Hello there."},
        "aspect_ratio": "portrait",
        "screen_style": 1,
        "caption": False,
    }
    request = copy.deepcopy(request)
    for path, value in changes.items():
        *parents, leaf = path.split(".")
        target = request
        for part in parents:
            target = target[part]
        if value is None:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    return request


def post(engine, payload=None, *, raw=None, headers=None):
    answer = requests.post(engine.v2 + "/create_video_from_avatar",
                           headers={**engine.headers(), "Content-Type": "application/json", **(headers or {})},
                           data=raw if raw is not None else json.dumps(payload), timeout=30)
    assert answer.headers["content-type"].startswith("application/json")
    return answer.status_code, answer.json()


def assert_passes_validation(engine, payload):
    status, answer = post(engine, payload)
    assert (status, answer["code"]) == (404, 10104), answer
    assert "avatar" in answer["msg"]


@pytest.mark.parametrize(("raw", "message"), [
    ("", "request body is required"),
    ("{not json", "not valid JSON"),
    ("[1, 2]", "JSON object"),
    ('"text"', "JSON object"),
    ("null", "JSON object"),
    ("[" * 100_000, "not valid JSON"),
])
def test_malformed_bodies(engine, raw, message):
    status, answer = post(engine, raw=raw)
    assert status == 400 and answer["code"] == 40000 and message in answer["msg"]


def test_huge_body_is_refused(engine):
    big = body(**{"voice.script": "a" * (1024 * 1024 + 10)})
    status, answer = post(engine, big)
    assert status == 413 and answer["code"] == 40000 and "1 MB" in answer["msg"]


CASES = [
    ({"avatar": None}, "avatar is required"),
    ({"avatar": "81"}, "avatar is required"),
    ({"avatar.avatar_id": None}, "avatar.avatar_id is required"),
    ({"avatar.avatar_id": "eighty-one"}, "avatar.avatar_id must be an integer"),
    ({"avatar.avatar_id": True}, "avatar.avatar_id must be an integer"),
    ({"avatar.avatar_id": [81]}, "avatar.avatar_id must be an integer"),
    ({"avatar.avatar_type": 2}, "avatar.avatar_type must be one of 0, 1"),
    ({"avatar.avatar_type": "public"}, "avatar.avatar_type must be one of 0, 1"),
    ({"voice": None}, "voice is required"),
    ({"voice": ["script"]}, "voice is required"),
    ({"voice.type": "video"}, "voice.type must be"),
    ({"voice.audio_url": "https://example.com/a.mp3"}, "cannot both be given"),
    ({"voice.voice_id": None}, "voice.voice_id is required"),
    ({"voice.voice_id": "   "}, "voice.voice_id is required"),
    ({"voice.voice_id": 7}, "voice.voice_id must be a string"),
    ({"voice.script": None}, "voice.script is required"),
    ({"voice.script": 42}, "voice.script must be a string"),
    ({"voice.script": ""}, "voice.script must be 1 to 5000 characters"),
    ({"voice.script": " \n\t "}, "voice.script must be 1 to 5000 characters"),
    ({"voice.script": "x" * 5001}, "got 5001"),
    ({"voice.type": "audio", "voice.script": None}, "voice.audio_url is required"),
    ({"voice.type": "audio", "voice.script": None, "voice.voice_id": None,
      "voice.audio_url": "https://example.com/a.mp3"}, "voice.voice_id is required"),
    ({"voice.type": "audio", "voice.script": None, "voice.audio_url": "file:///etc/passwd"},
     "voice.audio_url must be an http or https URL"),
    ({"voice.type": "audio", "voice.script": None, "voice.audio_url": "not a url"},
     "voice.audio_url must be an http or https URL"),
    ({"aspect_ratio": "wide"}, "aspect_ratio must be one of portrait, landscape, square"),
    ({"aspect_ratio": 0}, "aspect_ratio must be one of"),
    ({"screen_style": 4}, "screen_style must be one of 1, 2, 3"),
    ({"screen_style": "full"}, "screen_style must be one of 1, 2, 3"),
    ({"caption": "yes"}, "caption must be true or false"),
    ({"video_name": 12}, "video_name must be a string"),
    ({"video_name": "n" * 201}, "video_name must be at most 200 characters"),
    ({"webhook_url": "ftp://example.com/hook"}, "webhook_url must be an http or https URL"),
    ({"webhook_url": 5}, "webhook_url must be a string"),
]


@pytest.mark.parametrize(("changes", "message"), CASES, ids=[c[1][:40] + str(i) for i, c in enumerate(CASES)])
def test_rule(engine, changes, message):
    status, answer = post(engine, body(**changes))
    assert status == 400, answer
    assert answer["code"] == 40000
    assert message in answer["msg"]
    assert answer["data"] is None


@pytest.mark.parametrize("changes", [
    {"avatar.avatar_type": "0"},  # a numeric string, as one JoggAI page showed
    {"avatar.avatar_id": str(MISSING_AVATAR)},
    {"screen_style": "2"},
    {"voice.script": "x" * 5000},
    {"voice.script": "  padded, still fine  "},
    {"voice.script": "RTL \u200f\u05e9\u05dc\u05d5\u05dd and control \x07 chars"},
    {"webhook_url": ""},  # "" means no webhook
    {"video_name": "<script>alert(1)</script>"},
    {"video_background": {"color": "#fff"}, "avatar_b": 3, "voice_b": "x", "dialogue": []},  # ignored
    {"aspect_ratio": None, "screen_style": None, "caption": None},  # defaults
    {"voice.type": None},  # inferred from the script
])
def test_accepted_variants(engine, changes):
    assert_passes_validation(engine, body(**changes))


def test_lookups_are_10104(engine):
    status, answer = post(engine, body(**{"avatar.avatar_id": 81, "voice.voice_id": "nonexistent_voice_42"}))
    assert (status, answer["code"]) == (404, 10104) and "voice" in answer["msg"]
    status, answer = post(engine, body(**{"avatar.avatar_type": 1, "avatar.avatar_id": 81}))
    assert (status, answer["code"]) == (404, 10104) and "custom" in answer["msg"]
    assert_passes_validation(engine, body())


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/a.mp3", "http://localhost:1/a.mp3", "http://169.254.169.254/latest/meta-data",
    "http://[::1]/a.mp3", "http://10.0.0.7/a.wav",
])
def test_audio_url_to_private_addresses_is_refused(engine, url):
    payload = body(**{"avatar.avatar_id": 81, "voice.type": "audio", "voice.script": None, "voice.audio_url": url})
    status, answer = post(engine, payload)
    assert status == 400 and answer["code"] == 40000
    assert "public internet address" in answer["msg"]


def test_the_key_never_appears_in_answers(engine):
    _, answer = post(engine, body(**{"voice.script": engine.api_key}))
    _, other = post(engine, raw="{" + engine.api_key)
    assert engine.api_key not in json.dumps(answer) + json.dumps(other)


def test_unknown_video_is_10104(engine):
    answer = requests.get(engine.v2 + "/avatar_video/does-not-exist", headers=engine.headers(), timeout=10)
    assert answer.status_code == 404 and answer.json()["code"] == 10104
