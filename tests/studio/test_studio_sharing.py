"""Sharing: the browser-facing media rule, the download bundle and the request as curl / Python,
the last three run for real against the engine."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import av
import pytest

from lib.studio.compose import curl_command
from lib.studio.sharing import (
    BundleSource,
    browser_media_url,
    build_bundle,
    bundle_entries,
    bundle_file_name,
    is_loopback_host,
    python_snippet,
    request_from_payload,
)

pytestmark = pytest.mark.timeout(240)
REPO_ROOT = Path(__file__).resolve().parents[2]
MEDIA = "http://127.0.0.1:8765/media/videos/abc/video.mp4?x=1"


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.3.2.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("studio.localhost", True), ("192.168.1.20", False), ("10.0.0.5", False), ("studio.lan", False),
    ("", False), (None, False)])
def test_loopback_hosts(host, loopback) -> None:
    assert is_loopback_host(host) is loopback


def test_media_links_follow_the_host_the_browser_used() -> None:
    # A colleague opened the dashboard at 192.168.1.20:8501: the engine's port, the browser's host.
    assert browser_media_url(MEDIA, browser_url="http://192.168.1.20:8501/video?video_id=abc") == \
        "http://192.168.1.20:8765/media/videos/abc/video.mp4?x=1"
    assert browser_media_url(MEDIA, browser_url="http://studio.lan:8501/") == \
        "http://studio.lan:8765/media/videos/abc/video.mp4?x=1"
    assert browser_media_url(MEDIA, browser_url="http://[fd00::7]:8501/") == \
        "http://[fd00::7]:8765/media/videos/abc/video.mp4?x=1"
    # On this machine, or with no browser URL (tests, scripts): unchanged.
    assert browser_media_url(MEDIA, browser_url="http://localhost:8501/") == MEDIA
    assert browser_media_url(MEDIA, browser_url=None) == MEDIA
    # A configured public engine URL wins, whatever the browser used.
    assert browser_media_url(MEDIA, browser_url="http://localhost:8501/",
                             public_engine_url="https://engine.example.org") == \
        "https://engine.example.org/media/videos/abc/video.mp4?x=1"
    # Cloud links are reachable from anywhere already.
    cloud = "https://cdn.jogg.ai/v/abc.mp4"
    assert browser_media_url(cloud, browser_url="http://192.168.1.20:8501/",
                             public_engine_url="https://engine.example.org") == cloud
    assert browser_media_url(None, browser_url="http://192.168.1.20:8501/") is None


def source_for(finished_video: dict) -> BundleSource:
    job, request = finished_video["job"], finished_video["request"]
    payload = {**request.to_payload(), "api_key": "must-not-travel"}  # scrubbed on the way in
    return BundleSource(video_id=job.video_id, name="Studio test / take 1", request=payload,
                        video_url=job.video_url, caption_url=job.caption_url, cover_url=job.cover_url,
                        backend_label="Local engine")


def test_bundle_holds_what_it_promises(finished_video: dict, engine_client, engine) -> None:
    source = source_for(finished_video)
    data = build_bundle(source, engine_client.download)
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        names = bundle.namelist()
        assert names == bundle_entries(source)
        assert names[0] == "video.mp4" and {"request.json", "README.txt"} <= set(names)
        assert any(name.startswith("captions") for name in names)
        assert any(name.startswith("cover") for name in names)
        request = json.loads(bundle.read("request.json"))
        assert request == finished_video["request"].to_payload()
        assert engine.api_key not in data.decode("latin-1") and "must-not-travel" not in data.decode("latin-1")
        with av.open(io.BytesIO(bundle.read("video.mp4"))) as container:
            assert container.streams.video and container.streams.audio
        assert bundle.read("video.mp4") == engine_client.download(source.video_url)
        readme = bundle.read("README.txt").decode()
        assert all(name in readme for name in names) and source.video_id in readme
    assert bundle_file_name(source) == f"studio-test---take-1-{source.video_id}.zip"


def test_bundle_without_captions_or_cover(finished_video: dict, engine_client) -> None:
    source = BundleSource(video_id="v", name="", request={}, video_url=finished_video["job"].video_url)
    with zipfile.ZipFile(io.BytesIO(build_bundle(source, engine_client.download))) as bundle:
        assert bundle.namelist() == ["video.mp4", "request.json", "README.txt"]


def run_shell(command: list[str], **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT), **env}
    return subprocess.run(command, check=False, capture_output=True, text=True, timeout=200,
                           cwd=REPO_ROOT, env=environment)


def test_python_snippet_runs_and_makes_the_same_request(finished_video: dict, engine) -> None:
    payload = finished_video["request"].to_payload()
    snippet = python_snippet(engine.base_url, payload)
    assert engine.api_key not in snippet and "os.environ['JOGGAI_API_KEY']" in snippet
    # Up to the send, plus a print: the snippet's request object builds exactly the stored body.
    built = run_shell([sys.executable, "-c", snippet[:snippet.index("video_id = ")]
                       + "import json; print(json.dumps(request.to_payload()))"], JOGGAI_API_KEY="unused")
    assert json.loads(built.stdout) == payload, built.stderr
    result = run_shell([sys.executable, "-c", snippet], JOGGAI_API_KEY=engine.api_key)
    assert result.returncode == 0, result.stderr
    assert "completed http" in result.stdout


def test_curl_command_is_accepted_by_the_engine(finished_video: dict, engine) -> None:
    # As the video page builds it: from the body stored in the history.
    stored = finished_video["request"].to_payload()
    assert request_from_payload(stored).to_payload() == stored
    command = curl_command(engine.base_url, request_from_payload(stored))
    assert engine.api_key not in command
    result = run_shell(["bash", "-c", command], JOGGAI_API_KEY=engine.api_key)
    answer = json.loads(result.stdout)
    assert answer["code"] == 0 and answer["data"]["video_id"]
