"""Secrets and access: the key never shows up where it should not; media links are unguessable; the
engine binds loopback and says so loudly when it does not.

Covered elsewhere and not repeated here: key file mode 0600 and absent from the engine log
(tests/engine/test_server_basics.py::test_key_file_is_private_and_never_logged), the key only in its own
file after renders (tests/engine/test_render_jobs.py::test_the_key_is_only_in_its_own_file), every /v2
route refusing missing and wrong keys (tests/engine/test_server_basics.py::
test_every_v2_route_rejects_missing_and_wrong_keys), the dashboard's error explanations
(tests/studio/test_studio_backends.py).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
import requests
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib.joggai import CreateVideoRequest
from lib.studio.compose import curl_command
from lib.studio.history import JobHistory
from lib.studio.nav import PAGES
from tests.engine_process import start_engine

APP = str(Path(__file__).resolve().parents[2] / "app.py")
STUDIO_ENV = ("AVATAR_STUDIO_ENGINE_URL", "AVATAR_STUDIO_ENGINE_KEY", "AVATAR_STUDIO_DATA_DIR",
              "AVATAR_STUDIO_BACKEND", "JOGGAI_API_KEY", "JOGGAI_BASE_URL", "AVATAR_STUDIO_AUTOREFRESH_MS")


def test_error_answers_never_echo_the_key_even_when_it_is_pasted_into_the_url(engine):
    key = engine.api_key
    answers = [
        requests.get(engine.v2 + f"/avatar_video/{key}", headers=engine.headers(), timeout=10),
        requests.get(engine.v2 + f"/no/such/route/{key}", headers=engine.headers(), timeout=10),
        requests.delete(engine.v2 + f"/avatar_video/{key}", headers=engine.headers(), timeout=10),
        requests.put(engine.v2 + f"/endpoint/{key}", headers=engine.headers(), json={"url": key}, timeout=10),
        requests.get(engine.v2 + "/avatars/public", headers=engine.headers(), params={"page": key}, timeout=10),
        requests.post(engine.v2 + "/create_video_from_avatar", headers=engine.headers(), timeout=10,
                      json={"avatar": {"avatar_id": key}, "voice": {"voice_id": key, "script": "x"}}),
        requests.get(engine.v2 + "/user/whoami", headers={"x-api-key": key + "x"}, timeout=10),
        requests.get(engine.v2 + "/user/whoami", headers={"Authorization": f"Bearer {key}"}, timeout=10),
    ]
    for answer in answers:
        assert answer.json()["code"] != 0, answer.text
        assert key not in answer.text, answer.text
    log = engine.log_text() + (engine.data_dir / "engine.log").read_text()
    assert key not in log


def test_media_links_are_unguessable(engine):
    tokens = []
    for index in range(20):
        answer = requests.post(engine.v2 + "/upload/asset", headers=engine.headers(), timeout=10,
                               json={"filename": f"f{index}.wav", "content_type": "audio/wav"}).json()
        for url in (answer["data"]["asset_url"], answer["data"]["sign_url"]):
            tokens.append(re.search(r"/(?:media/a|upload)/([A-Za-z0-9_-]+)", url).group(1))
    assert len(set(tokens)) == len(tokens)  # no repeats, sign and asset tokens unrelated
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128, token  # at least 128 random bits
    # A link one character away from a real one finds nothing.
    near = tokens[0][:-1] + ("A" if tokens[0][-1] != "A" else "B")
    assert requests.get(engine.base_url + f"/media/a/{near}/f0.wav", timeout=10).status_code == 404


def test_the_engine_warns_loudly_when_not_bound_to_loopback(tmp_path):
    # Only as long as it takes to read the log: a test must not leave a port open to the network.
    running = start_engine(tmp_path / "open", extra_args=["--host", "0.0.0.0"])
    try:
        log = running.log_text()
    finally:
        running.stop()
    assert "LISTENING ON 0.0.0.0" in log and "!" * 72 in log
    quiet = start_engine(tmp_path / "loopback")
    try:
        assert "LISTENING ON" not in quiet.log_text()
    finally:
        quiet.stop()


def test_curl_previews_read_the_key_from_the_shell(engine):
    request = CreateVideoRequest(avatar_id=81, voice_id="en-US-ChristopherNeural", script=engine.api_key)
    command = curl_command(engine.base_url, request)
    assert "x-api-key: $JOGGAI_API_KEY" in command
    # Even a script that happens to hold the key is shown as typed; the header never carries it.
    assert f"x-api-key: {engine.api_key}" not in command


@pytest.fixture
def studio_with_key(engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in STUDIO_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AVATAR_STUDIO_ENGINE_URL", engine.base_url)
    monkeypatch.setenv("AVATAR_STUDIO_ENGINE_KEY", engine.api_key)
    monkeypatch.setenv("JOGGAI_API_KEY", engine.api_key)
    monkeypatch.setenv("AVATAR_STUDIO_DATA_DIR", str(tmp_path / "studio"))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield tmp_path / "studio"
    st.cache_data.clear()
    st.cache_resource.clear()


def widget_and_text_values(at: AppTest) -> str:
    """Everything rendered: texts, and the values of every input widget."""
    parts: list[str] = []
    for kind in ("error", "warning", "info", "success", "markdown", "caption", "code", "text", "title",
                 "header", "subheader", "exception", "json", "text_input", "text_area", "selectbox", "radio"):
        for element in getattr(at, kind):
            parts.append(str(getattr(element, "value", "")))
            parts.append(str(getattr(element, "label", "")))
            parts.append(str(getattr(element, "help", "") or ""))
    return "\n".join(parts)


@pytest.mark.timeout(240)
def test_no_page_and_no_studio_file_holds_the_key(engine, studio_with_key):
    key = engine.api_key
    # A job whose stored request carried key-looking fields (a pasted curl): the history scrubs them.
    payload = {"avatar": {"avatar_id": 81, "avatar_type": 0}, "x-api-key": key, "api_key": key,
               "voice": {"type": "script", "voice_id": "en-US-ChristopherNeural", "script": "Secrets stay put."}}
    video_id = requests.post(engine.v2 + "/create_video_from_avatar", headers=engine.headers(), timeout=30,
                             json=payload).json()["data"]["video_id"]
    JobHistory(studio_with_key / "history.sqlite3").record_submission(
        backend="local", base_url=engine.base_url, video_id=video_id, request=payload, name="secrets")

    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["video_id"] = video_id
    at.run()
    assert not at.exception
    for spec in PAGES:
        at.switch_page(spec.path).run()
        assert not at.exception, (spec.slug, at.exception)
        assert key not in widget_and_text_values(at), spec.slug
    for path in studio_with_key.rglob("*"):
        if path.is_file() and path.name != "api_key" and path.stat().st_size < 50 * 1024 * 1024:
            assert key.encode() not in path.read_bytes(), path
