"""Lint and estimates: writing systems against voice languages, framing, length, pacing; shown in Compose."""

from __future__ import annotations

import pytest

from lib.joggai import CreateVideoRequest
from lib.studio import lint, pacing
from lib.studio.history import JobHistory
from lib.studio.state import Keys
from tests.app.conftest import open_page
from tests.conftest import environment


@pytest.mark.parametrize(("text", "expected"), [
    ("Hello", {"Latin": 5}), ("你好", {"Han": 2}), ("Привет", {"Cyrillic": 6}), ("こんにちは", {"Hiragana": 5}),
    ("カタカナ", {"Katakana": 4}), ("안녕", {"Hangul": 2}), ("مرحبا", {"Arabic": 5}), ("नमस्ते", {"Devanagari": 4}),
    ("Ｈｉ", {"Latin": 2}), ("123 !?", {}),
])
def test_writing_systems_by_unicode_name(text: str, expected: dict) -> None:
    assert dict(lint.writing_systems(text)) == expected


@pytest.mark.parametrize(("script", "language", "warned"), [
    ("你好，欢迎来到我们的频道", "english", True),
    ("Привет, как дела?", "spanish", True),
    ("Hola, ¿cómo estás?", "spanish", False),
    ("你好，欢迎", "simplified chinese", False),
    ("こんにちは、東京へようこそ", "japanese", False),
    ("Welcome to 東京", "english", False),  # a place name is not a wrong-language script
    ("Привет", "serbian", False),
    ("Hello there", "russian", True),
    ("Hello there", None, False),  # an unknown voice language is never guessed at
])
def test_script_language_mismatch(script: str, language: str | None, warned: bool) -> None:
    warning = lint.script_language_warning(script, language)
    assert (warning is not None) == warned
    if warning:
        assert language in warning.message


def test_mismatch_names_the_script_it_found() -> None:
    warning = lint.script_language_warning("Это русский текст", "spanish")
    assert warning is not None and "Cyrillic" in warning.message


def test_aspect_and_length_warnings_in_one_request() -> None:
    request = CreateVideoRequest(avatar_id=1, voice_id="v", script="word " * 60, aspect_ratio="landscape")
    codes = [w.code for w in lint.lint_request(request, voice_language="english", avatar_aspect="portrait",
                                               target_seconds=10)]
    assert codes == ["over_target", "aspect_ratio"]
    assert lint.lint_request(request, voice_language="english", avatar_aspect="landscape") == []


def test_near_the_ten_minute_limit() -> None:
    long_script = "word " * 1450  # ~9.4 min at 155 wpm
    request = CreateVideoRequest(avatar_id=1, voice_id="v", script=long_script)
    assert "near_limit" in [w.code for w in lint.lint_request(request, voice_language="english", avatar_aspect=None)]
    audio = CreateVideoRequest(avatar_id=1, voice_id="v", audio_url="https://example.org/a.mp3")
    [warning] = lint.lint_request(audio, voice_language="english", avatar_aspect=None, audio_seconds=610)
    assert warning.code == "near_limit" and "exceeds" in warning.message
    assert lint.lint_request(audio, voice_language="english", avatar_aspect=None, audio_seconds=120) == []


def test_estimates_and_credits() -> None:
    local = lint.estimate("one two three four five", "english", cloud=False)
    assert local.credits is None and 1 < local.seconds < 3
    assert lint.estimate("word " * 200, "english", cloud=True).credits == 2 * lint.CREDITS_PER_STARTED_MINUTE
    assert lint.estimated_credits(0) == lint.CREDITS_PER_STARTED_MINUTE  # a video costs at least one minute


def test_pacing_warning_under_the_cloud_limit() -> None:
    assert lint.pacing_warning(20, pacing.CLOUD_POSTS_PER_MINUTE) is None
    assert "about 1 minute" in lint.pacing_warning(21, pacing.CLOUD_POSTS_PER_MINUTE).message
    assert lint.pacing_warning(500, None) is None
    warning = lint.pacing_warning(100, pacing.CLOUD_POSTS_PER_MINUTE)
    assert warning is not None and "about 4 minute" in warning.message
    assert lint.pacing_warning(61, 60, even=True) is not None and lint.pacing_warning(60, 60, even=True) is None


def test_pacing_sliding_window() -> None:
    now = 1000.0
    assert pacing.next_send_at([], now, 20) == now
    sends = [now - 59 + i for i in range(20)]  # 20 sends in the last minute, the oldest 59 s ago
    assert pacing.next_send_at(sends, now, 20) == pytest.approx(now + 1)
    assert pacing.next_send_at(sends, now, None) == now
    assert pacing.next_send_at([], now, 20, not_before=now + 7) == now + 7
    assert pacing.next_send_at([now - 1], now, 60, min_gap=pacing.even_gap(60)) == now
    assert pacing.next_send_at([now - 1], now, 20, min_gap=pacing.even_gap(20)) == now + 2
    assert pacing.effective_limit(20, 60) == 20 and pacing.effective_limit(None, None) is None
    assert pacing.backend_posts_per_minute("local") is None and pacing.backend_posts_per_minute("cloud") == 20
    assert pacing.eta_seconds(40, 20) == pytest.approx(120)


def test_compose_shows_the_warnings_without_blocking(studio_env, engine_client) -> None:
    """In the composer: a Cyrillic script for an English voice and a landscape avatar in portrait warn,
    the local engine shows no credit estimate, and the video can still be created."""
    avatar = next(a for a in engine_client.all_public_avatars() if a.aspect_ratio_name == "landscape")
    voice = next(v for v in engine_client.all_voices() if v.language == "english")
    at = open_page("avatars")
    at.session_state[Keys.PICKED_AVATAR_ID] = avatar.id
    at.session_state[Keys.PICKED_VOICE_ID] = voice.voice_id
    at.session_state[Keys.W_COMPOSE_SCRIPT] = "Привет, это тестовое видео."
    at.session_state[Keys.W_COMPOSE_TARGET] = 1
    at.switch_page("pages/compose.py").run()
    assert not at.exception
    warnings = " ".join(warning.value for warning in at.warning)
    assert "Cyrillic" in warnings and "english" in warnings
    assert "This avatar is landscape" in warnings
    assert "longer than the 0:01 target" in warnings
    assert not any("credit" in caption.value for caption in at.caption)
    at.button(key=Keys.B_COMPOSE_SUBMIT).click().run()
    assert len(JobHistory(studio_env / "history.sqlite3").list_jobs()) == 1


@pytest.fixture
def billed_backend_env(studio_env, engine):
    """The studio on the 'custom URL' profile (a JoggAI-compatible, billed backend) served by the engine."""
    with environment({"AVATAR_STUDIO_BACKEND": "custom", "JOGGAI_BASE_URL": engine.base_url,
                      "JOGGAI_API_KEY": engine.api_key}):
        yield studio_env


def test_billed_backends_show_credits_and_the_post_limit(billed_backend_env, engine_client) -> None:
    avatar = engine_client.list_public_avatars(page_size=1)[0]
    voice = next(v for v in engine_client.all_voices() if v.language == "english")
    at = open_page("avatars")
    at.session_state[Keys.PICKED_AVATAR_ID] = avatar.id
    at.session_state[Keys.PICKED_VOICE_ID] = voice.voice_id
    at.session_state[Keys.W_COMPOSE_SCRIPT] = "A short line."
    at.switch_page("pages/compose.py").run()
    assert not at.exception
    captions = " ".join(caption.value for caption in at.caption)
    assert "about 1 credit(s)" in captions and lint.CREDIT_ASSUMPTION in captions

    rows = "\n".join(f"Row {n}.,{avatar.id},{voice.voice_id},portrait,1,false,billed {n}" for n in range(1, 22))
    at.switch_page("pages/batch.py").run()
    at.text_area(key=Keys.W_BATCH_TEXT).input("script,avatar_id,voice_id,aspect_ratio,screen_style,caption,"
                                             "video_name\n" + rows).run()
    assert not at.exception
    assert any("Sending 21 videos takes about 1 minute(s) under the limit of 20" in w.value for w in at.warning)


@pytest.mark.parametrize(("script", "language", "warned"), [
    ("Привет, как дела у тебя сегодня?", "en-US", True),  # Cyrillic on an en-US voice
    ("Welcome to our channel", "ja-JP", True),  # Latin on a ja-JP voice
    ("こんにちは、東京へようこそ", "ja-JP", False),
    ("カタカナだけ", "japanese", False),
    ("Γεια σου κόσμε", "el-GR", False), ("Hello world", "greek", True),
    ("مرحبا بالعالم", "ar-SA", False), ("שלום עולם", "he-IL", False), ("שלום עולם", "english", True),
    ("नमस्ते दुनिया", "hi-IN", False), ("안녕하세요 세계", "ko-KR", False), ("你好世界", "zh_CN", False),
    ("สวัสดีชาวโลก", "th-TH", False), ("สวัสดีชาวโลก", "german", True),
    ("Hello there", "klingon", False), ("Привет", "xx-YY", False),  # unknown languages: silent
])
def test_writing_system_against_names_and_locales(script: str, language: str, warned: bool) -> None:
    assert (lint.script_language_warning(script, language) is not None) == warned
