"""compose.py: building requests from widget values, counts and estimates, and safe previews."""

from __future__ import annotations

import json
import shlex

from lib.studio import compose
from lib.studio.state import Keys


def test_script_request_has_no_audio_and_passes_the_rules() -> None:
    request = compose.build_request(avatar_id=81, voice_id="en-US-ChristopherNeural", mode="script",
                                    script="Hello there.", audio_url="https://example.test/a.mp3",
                                    aspect_ratio="square", screen_style=3, caption=True, video_name=" Demo ")
    payload = request.to_payload()
    assert payload["voice"] == {"type": "script", "voice_id": "en-US-ChristopherNeural", "script": "Hello there."}
    assert payload["avatar"] == {"avatar_id": 81, "avatar_type": 0}
    assert payload["video_name"] == "Demo" and "webhook_url" not in payload
    assert compose.problems_by_widget(request) == {}


def test_missing_script_and_voice_are_reported_on_their_widgets() -> None:
    request = compose.build_request(avatar_id=None, voice_id=None, mode="script", script="   ")
    problems = compose.problems_by_widget(request)
    assert any("voice.script" in message for message in problems["script"])
    assert any("voice.voice_id" in message for message in problems["voice"])
    assert problems["avatar"] == ["Choose an avatar."]


def test_audio_mode_needs_an_http_url() -> None:
    request = compose.build_request(avatar_id=1, voice_id="v", mode="audio", script="ignored", audio_url="file:///x")
    assert request.to_payload()["voice"]["type"] == "audio"
    assert any("voice.audio_url" in message for message in compose.problems_by_widget(request)["audio"])


def test_bad_webhook_is_reported_on_the_webhook_widget() -> None:
    request = compose.build_request(avatar_id=1, voice_id="v", mode="script", script="Hi", webhook_url="nope")
    assert list(compose.problems_by_widget(request)) == ["webhook_url"]


def test_curl_reads_the_key_from_the_shell_and_sends_the_same_body() -> None:
    request = compose.build_request(avatar_id=7, voice_id="v1", mode="script", script="It's a test.")
    text = compose.curl_command("http://127.0.0.1:9/", request)
    assert "http://127.0.0.1:9/v2/create_video_from_avatar" in text
    assert f'-H "x-api-key: {compose.MASKED_KEY}"' in text
    assert json.loads(compose.request_json(request)) == request.to_payload()
    # The body survives shell quoting (the apostrophe in the script).
    body = shlex.split(text.replace("\\\n", " "))[-1]
    assert json.loads(body) == request.to_payload()


def test_mask_secret_hides_every_occurrence() -> None:
    assert compose.mask_secret("key=abc123 again abc123", ["abc123", None, ""]) == "key=•••• again ••••"


def test_api_root_accepts_both_spellings() -> None:
    assert compose.api_root("https://api.jogg.ai") == "https://api.jogg.ai/v2"
    assert compose.api_root("https://api.jogg.ai/v2/") == "https://api.jogg.ai/v2"


def test_script_stats_counts_words_and_grows_with_length() -> None:
    short = compose.script_stats("Hello world.", "english")
    long = compose.script_stats(" ".join(["word"] * 150) + ".", "english")
    assert (short.characters, short.words) == (12, 2)
    assert 50 < long.estimated_seconds < 70  # about one minute at a typical English rate
    assert short.estimated_seconds < long.estimated_seconds


def test_script_stats_counts_chinese_by_character() -> None:
    stats = compose.script_stats("你好，欢迎来到我们的工作室。", "simplified chinese")
    assert stats.words >= 10
    assert stats.estimated_seconds > 2


def test_format_duration() -> None:
    assert compose.format_duration(0) == "0:00"
    assert compose.format_duration(75.2) == "1:16"


def test_request_from_widget_values_uses_the_chosen_mode_only() -> None:
    values = {Keys.W_COMPOSE_AVATAR: (1, 12), Keys.W_COMPOSE_VOICE: "v9", Keys.W_COMPOSE_MODE: "audio",
              Keys.W_COMPOSE_SCRIPT: "left over", Keys.W_COMPOSE_AUDIO_URL: " https://h/a.wav ",
              Keys.W_COMPOSE_SCREEN: 2, Keys.W_COMPOSE_CAPTION: True, Keys.W_COMPOSE_WEBHOOK: ""}
    payload = compose.request_from_widgets(values).to_payload()
    assert payload["avatar"] == {"avatar_id": 12, "avatar_type": 1}
    assert payload["voice"] == {"type": "audio", "voice_id": "v9", "audio_url": "https://h/a.wav"}
    assert (payload["screen_style"], payload["caption"], payload["aspect_ratio"]) == (2, True, "portrait")
    assert "webhook_url" not in payload
