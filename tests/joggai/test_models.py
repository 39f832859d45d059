"""The request rules, payload shape and tolerant parsing of the client's models."""

from __future__ import annotations

import pytest

from lib.joggai import CreateVideoRequest, VideoJob, VideoStatus, WebhookEndpoint, contract
from lib.joggai.errors import parameter_from_message

VALID = CreateVideoRequest(avatar_id=81, voice_id="en-US-ChristopherNeural", script="Hello, world.")


def fields(request: CreateVideoRequest) -> list[str]:
    return [problem.field for problem in request.problems()]


def test_a_valid_script_request_has_no_problems() -> None:
    assert VALID.problems() == []


def test_a_valid_audio_request_has_no_problems() -> None:
    request = CreateVideoRequest(avatar_id=81, voice_id="v", audio_url="https://cdn.example/a.mp3")
    assert request.problems() == []
    assert request.voice_type == "audio"


@pytest.mark.parametrize(
    ("changes", "expected_fields"),
    [
        ({"voice_id": ""}, ["voice.voice_id"]),
        ({"voice_id": "   "}, ["voice.voice_id"]),
        ({"script": None}, ["voice.script"]),
        ({"script": "  \n "}, ["voice.script"]),
        ({"script": "x" * 5001}, ["voice.script"]),
        ({"script": None, "audio_url": ""}, ["voice.audio_url"]),
        ({"script": None, "audio_url": "file:///etc/passwd"}, ["voice.audio_url"]),
        ({"script": None, "audio_url": "ftp://host/a.mp3"}, ["voice.audio_url"]),
        ({"audio_url": "https://cdn.example/a.mp3"}, ["voice.script"]),  # both given
        ({"aspect_ratio": "widescreen"}, ["aspect_ratio"]),
        ({"aspect_ratio": "Portrait"}, ["aspect_ratio"]),
        ({"screen_style": 4}, ["screen_style"]),
        ({"screen_style": 0}, ["screen_style"]),
        ({"avatar_type": 2}, ["avatar.avatar_type"]),
        ({"avatar_id": -1}, ["avatar.avatar_id"]),
        ({"webhook_url": "not a url"}, ["webhook_url"]),
        ({"video_name": "n" * 201}, ["video_name"]),
        (
            {"voice_id": "", "aspect_ratio": "x", "screen_style": 9},
            ["voice.voice_id", "aspect_ratio", "screen_style"],
        ),
    ],
)
def test_each_rule_names_the_api_field(changes: dict, expected_fields: list[str]) -> None:
    request = CreateVideoRequest(**{**VALID.__dict__, **changes})
    assert fields(request) == expected_fields
    for problem in request.problems():
        assert problem.message.startswith(problem.field)


def test_script_length_counts_after_trimming() -> None:
    padded = "  " + "x" * 5000 + "  \n"
    assert CreateVideoRequest(avatar_id=1, voice_id="v", script=padded).problems() == []


def test_an_empty_webhook_url_means_none() -> None:
    request = CreateVideoRequest(**{**VALID.__dict__, "webhook_url": ""})
    assert request.problems() == []
    assert "webhook_url" not in request.to_payload()


def test_payload_is_the_nested_api_body_with_integer_ids() -> None:
    request = CreateVideoRequest(
        avatar_id=81,
        voice_id="en-US-ChristopherNeural",
        script="Hi!",
        aspect_ratio="square",
        screen_style=3,
        caption=True,
        video_name="Demo",
        webhook_url="https://hooks.example/x",
    )
    assert request.to_payload() == {
        "avatar": {"avatar_id": 81, "avatar_type": 0},
        "voice": {"type": "script", "voice_id": "en-US-ChristopherNeural", "script": "Hi!"},
        "aspect_ratio": "square",
        "screen_style": 3,
        "caption": True,
        "video_name": "Demo",
        "webhook_url": "https://hooks.example/x",
    }


def test_audio_payload_carries_only_the_audio_url() -> None:
    request = CreateVideoRequest(
        avatar_id=5, voice_id="v", audio_url=" https://cdn.example/a.wav ", avatar_type=1
    )
    payload = request.to_payload()
    assert payload["voice"] == {"type": "audio", "voice_id": "v", "audio_url": "https://cdn.example/a.wav"}
    assert payload["avatar"] == {"avatar_id": 5, "avatar_type": 1}
    assert "video_name" not in payload


@pytest.mark.parametrize(
    ("message", "param"),
    [
        ('40000 Parameter error: voice.script is required when voice.type is "script"', "voice.script"),
        ("Parameter error: avatar.avatar_id must be an integer", "avatar.avatar_id"),
        ("page_size must be an integer between 1 and 100, got 500", "page_size"),
        ("aspect_ratio must be one of portrait, landscape, square; got 'wide'", "aspect_ratio"),
        ("voice.audio_url must be an MP3, WAV or M4A file", "voice.audio_url"),
        ("invalid parameter: `screen_style`", "screen_style"),
        ("url must be an http(s) URL", "url"),
        ("something went wrong", None),
        ("", None),
    ],
)
def test_parameter_is_read_from_the_message(message: str, param: str | None) -> None:
    assert parameter_from_message(message) == param


def test_video_job_reads_engine_extensions() -> None:
    job = VideoJob.from_api(
        {
            "video_id": "v1",
            "status": "failed",
            "created_at": "1700000000",
            "progress": 42.6,
            "duration": "3.5",
            "error": {"code": "audio_rejected", "message": "audio is too long"},
        }
    )
    assert job.status is VideoStatus.FAILED and job.status.is_terminal
    assert (job.created_at, job.progress, job.duration) == (1700000000, 43, 3.5)
    assert (job.error_code, job.error_message) == ("audio_rejected", "audio is too long")
    assert job.video_url is None


def test_video_job_without_status_is_rejected() -> None:
    with pytest.raises(ValueError):
        VideoJob.from_api({"video_id": "v1"})


def test_terminal_states() -> None:
    assert [status for status in VideoStatus if status.is_terminal] == [
        VideoStatus.COMPLETED,
        VideoStatus.FAILED,
    ]
    with pytest.raises(ValueError):
        VideoStatus.parse("teleporting")


def test_webhook_endpoint_repr_hides_the_secret() -> None:
    endpoint = WebhookEndpoint.from_api(
        {
            "endpoint_id": "wh_1",
            "url": "https://x.example/h",
            "secret": "whsec_abc",
            "events": ["a"],
            "extra": 1,
        }
    )
    assert endpoint.secret == "whsec_abc"
    assert "whsec_abc" not in repr(endpoint)


def test_ext_is_sent_only_when_set() -> None:
    plain = CreateVideoRequest(avatar_id=1, voice_id="v", script="Hi.")
    assert contract.EXT_REQUEST_FIELD not in plain.to_payload()
    assert contract.EXT_REQUEST_FIELD not in CreateVideoRequest(avatar_id=1, voice_id="v", script="Hi.",
                                                                ext={}).to_payload()
    ext = {contract.EXT_RESOLUTION: "1080p", contract.EXT_CONTENT_URL: "http://127.0.0.1:1/media/asset/t/a.png"}
    sent = CreateVideoRequest(avatar_id=1, voice_id="v", script="Hi.", ext=ext)
    assert sent.problems() == [] and sent.to_payload()[contract.EXT_REQUEST_FIELD] == ext


def test_bad_ext_values_are_problems_naming_the_field() -> None:
    request = CreateVideoRequest(avatar_id=1, voice_id="v", script="Hi.", ext={
        contract.EXT_RESOLUTION: "4k", contract.EXT_LOGO_URL: "file:///logo.png", "sparkles": "yes"})
    assert [p.field for p in request.problems()] == ["ext.resolution", "ext.logo_url", "ext.sparkles"]
