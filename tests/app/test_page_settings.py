"""Settings page: backend switch with a session-only key, connection test, the managed local engine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lib.studio.engine_launcher import find_running_engine, stop_engine
from lib.studio.state import Keys
from tests.app.conftest import open_page

pytestmark = pytest.mark.timeout(180)


def all_text(at) -> str:
    kinds = ("markdown", "caption", "code", "text", "error", "success", "info", "warning", "title", "subheader")
    values = [str(element.value) for kind in kinds for element in at.get(kind)]
    values += [str(element.value) for element in [*at.sidebar.markdown, *at.sidebar.caption]]
    values += [str(widget.value) for widget in at.text_input]
    return "\n".join(values)


def test_shows_the_configured_engine(studio_env: Path, engine) -> None:
    at = open_page("settings")
    assert not at.exception
    assert any(engine.base_url in info.value for info in at.info)
    assert any("Connected to Local engine" in success.value for success in at.success)


def test_custom_url_with_a_typed_key_connects_and_the_key_is_never_shown(studio_env: Path, engine) -> None:
    at = open_page("settings")
    at.radio(key=Keys.W_SETTINGS_BACKEND).set_value("custom")
    at.text_input(key=Keys.W_SETTINGS_URL).input(engine.base_url + "/v2")
    at.text_input(key=Keys.W_SETTINGS_KEY).input(engine.api_key)
    at.button(key=Keys.W_SETTINGS_APPLY).click().run()
    assert not at.exception
    assert "Custom URL" in " ".join(m.value for m in at.sidebar.markdown)
    assert any("Connected to Custom URL" in success.value for success in at.success)
    assert engine.api_key not in all_text(at)
    at.switch_page("pages/compose.py").run()
    assert engine.api_key not in all_text(at)


def test_a_wrong_key_is_explained(studio_env: Path, engine) -> None:
    at = open_page("settings")
    at.radio(key=Keys.W_SETTINGS_BACKEND).set_value("custom")
    at.text_input(key=Keys.W_SETTINGS_URL).input(engine.base_url)
    at.text_input(key=Keys.W_SETTINGS_KEY).input("definitely-not-the-key")
    at.button(key=Keys.W_SETTINGS_APPLY).click().run()
    assert not at.exception
    assert any("rejected the API key" in error.value for error in at.error)
    assert "definitely-not-the-key" not in all_text(at)


def test_the_studio_starts_its_own_engine_and_shows_its_log(studio_env: Path) -> None:
    os.environ.pop("AVATAR_STUDIO_ENGINE_URL")
    os.environ.pop("AVATAR_STUDIO_ENGINE_KEY")
    engine_dir = studio_env / "engine"
    try:
        at = open_page("settings")
        assert not at.exception
        running = find_running_engine(engine_dir)
        assert running is not None
        assert any(running.url in m.value and str(running.pid) in m.value for m in at.markdown)
        assert "healthy" in " ".join(m.value for m in at.sidebar.markdown)
        assert at.code[-1].value != "(no log yet)"
        assert running.api_key not in all_text(at)
    finally:
        if (found := find_running_engine(engine_dir)) is not None:
            stop_engine(found)
