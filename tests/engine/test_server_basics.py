"""The engine process: health, envelope everywhere, auth, key file, engine.json, clean stop."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time

import pytest
import requests

from tests.engine_process import REPO_ROOT, start_engine


def test_healthz_needs_no_key(engine):
    answer = requests.get(engine.base_url + "/healthz", timeout=5)
    assert answer.status_code == 200
    body = answer.json()
    assert body["code"] == 0
    assert body["data"]["status"] == "ok"
    assert body["data"]["engine"] == "avatar-studio-local"
    assert {"idempotency", "ext_routes"} <= set(body["data"]["capabilities"])


@pytest.mark.parametrize("header", ["x-api-key", "X-Api-Key", "X-API-KEY", "X-api-key"])
def test_key_header_in_any_case(engine, header):
    answer = requests.get(engine.v2 + "/user/whoami", headers={header: engine.api_key}, timeout=5)
    assert answer.status_code == 200
    body = answer.json()
    assert body["code"] == 0
    assert isinstance(body["data"]["email"], str) and isinstance(body["data"]["username"], str)


def test_extra_headers_are_ignored(engine):
    headers = engine.headers(**{"Content-Type": "application/json", "x-api-platform": "zapier",
                                "Accept": "application/json"})
    answer = requests.get(engine.v2 + "/user/remaining_quota", headers=headers, timeout=5)
    assert answer.status_code == 200
    quota = answer.json()["data"]["remaining_quota"]
    assert isinstance(quota, (int, float)) and quota > 0


@pytest.mark.parametrize("headers", [{}, {"x-api-key": ""}, {"x-api-key": "jgl_not-a-key"}])
def test_missing_or_wrong_key_is_10105_401(engine, headers):
    answer = requests.get(engine.v2 + "/user/whoami", headers=headers, timeout=5)
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["code"] == 10105
    assert body["data"] is None
    assert engine.api_key not in answer.text


def test_unknown_path_gets_envelope_404(engine):
    for path in ("/v2/no_such_thing", "/nowhere", "/v2/avatar_video"):
        answer = requests.get(engine.base_url + path, headers=engine.headers(), timeout=5)
        assert answer.status_code == 404, path
        body = answer.json()
        assert body["code"] == 10104 and isinstance(body["msg"], str) and body["data"] is None


def test_wrong_method_gets_envelope_405(engine):
    answer = requests.delete(engine.v2 + "/user/whoami", headers=engine.headers(), timeout=5)
    assert answer.status_code == 405
    assert answer.json()["code"] == 40000
    assert "DELETE" in answer.json()["msg"]


def test_key_file_is_private_and_never_logged(engine):
    key_file = engine.data_dir / "api_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert engine.api_key not in (engine.data_dir / "engine.log").read_text()
    assert engine.api_key not in engine.log_text()


def test_engine_json_describes_the_running_process(engine):
    state = json.loads((engine.data_dir / "engine.json").read_text())
    assert state["pid"] == engine.pid
    assert state["url"] == engine.base_url
    assert isinstance(state["version"], str)


def test_sigterm_stops_cleanly_and_removes_engine_json(tmp_path):
    running = start_engine(tmp_path)
    assert (tmp_path / "engine.json").exists()
    assert running.stop() == 0
    assert not (tmp_path / "engine.json").exists()
    # The key survives a restart: the dashboard's saved key keeps working.
    again = start_engine(tmp_path)
    try:
        assert again.api_key == running.api_key
        answer = requests.get(again.v2 + "/user/whoami", headers=again.headers(), timeout=5)
        assert answer.json()["code"] == 0
    finally:
        again.stop()


def test_add_key_prints_a_working_key_once(engine):
    result = subprocess.run(
        [sys.executable, "-m", "lib.engine", "add-key", "--data-dir", str(engine.data_dir), "--username", "bob"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True,
    )
    new_key = result.stdout.strip().splitlines()[-1]
    assert new_key != engine.api_key
    answer = requests.get(engine.v2 + "/user/whoami", headers={"x-api-key": new_key}, timeout=5)
    assert answer.json()["data"]["username"] == "bob"
    assert new_key not in (engine.data_dir / "engine.log").read_text()


def test_second_engine_on_same_data_dir_refuses(engine):
    with pytest.raises(RuntimeError, match="another engine"):
        start_engine(engine.data_dir, timeout=30)


def v2_routes(tmp_path) -> list[tuple[str, str]]:
    """Every (method, path) the engine serves under /v2, read from the app itself."""
    from lib.engine.app import create_app
    from lib.engine.settings import EngineSettings

    app = create_app(EngineSettings(data_dir=tmp_path / "walk", workers=0))
    return [
        (method.upper(), path.replace("{", "").replace("}", ""))
        for path, operations in app.openapi()["paths"].items() if path.startswith("/v2/")
        for method in operations
    ]


def test_every_v2_route_rejects_missing_and_wrong_keys(engine, tmp_path):
    routes = v2_routes(tmp_path)
    assert len(routes) >= 15  # the walk really found the API
    for method, path in routes:
        for headers in ({}, {"X-API-KEY": "jgl_wrong"}, {"x-api-key": engine.api_key + "x"}):
            answer = requests.request(method, engine.base_url + path, headers=headers, json={}, timeout=5)
            assert answer.status_code == 401, (method, path, headers)
            assert answer.json()["code"] == 10105, (method, path)


def test_old_speech_previews_are_pruned_at_start(tmp_path):
    old = tmp_path / "media" / "s" / ("o" * 32)
    fresh = tmp_path / "media" / "s" / ("f" * 32)
    for folder in (old, fresh):
        folder.mkdir(parents=True)
        (folder / "speech.wav").write_bytes(b"RIFF")
    eight_days_ago = time.time() - 8 * 24 * 3600
    os.utime(old, (eight_days_ago, eight_days_ago))
    start_engine(tmp_path).stop()
    assert not old.exists() and fresh.exists()


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True),
                                                ("localhost", True), ("0.0.0.0", False), ("::", False),
                                                ("192.168.1.20", False), ("example.com", False)])
def test_which_hosts_count_as_loopback(host, loopback):
    # Anything that is not loopback gets the loud warning at start.
    from lib.engine.__main__ import is_loopback

    assert is_loopback(host) is loopback


def test_public_url_is_the_base_of_every_link(tmp_path):
    running = start_engine(tmp_path, extra_args=["--workers", "0", "--public-url", "https://studio.example:8443/"])
    try:
        avatar = requests.get(running.v2 + "/avatars/public?page_size=1", headers=running.headers(),
                              timeout=10).json()["data"]["avatars"][0]
        assert avatar["cover_url"].startswith("https://studio.example:8443/media/")
        upload = requests.post(running.v2 + "/upload/asset", headers=running.headers(), timeout=10,
                               json={"filename": "a.wav", "content_type": "audio/wav"}).json()["data"]
        assert upload["sign_url"].startswith("https://studio.example:8443/upload/")
        assert upload["asset_url"].startswith("https://studio.example:8443/media/a/")
    finally:
        running.stop()
