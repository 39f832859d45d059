"""Sharing in a real browser: the download bundle, favourites that survive a reload, and a video page
opened by a "colleague" through this machine's network address (not loopback)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from lib.joggai import CreateVideoRequest, JoggAIClient, VideoStatus
from lib.studio.history import JobHistory, JobUpdate
from lib.studio.sharing import is_loopback_host
from tests.e2e.conftest import REPO_ROOT, Studio, screenshot, stop_studio, wait_for_app
from tests.engine_process import start_engine

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def keyed(page: Page, key: str):
    return page.locator(f".st-key-{key}")


def settle(page: Page) -> None:
    wait_for_app(page)


def render_and_record(client: JoggAIClient, history_path: Path, base_url: str, name: str) -> str:
    """A real render, recorded in the dashboard's history as the composer would."""
    request = CreateVideoRequest(avatar_id=81, voice_id="en-US-ChristopherNeural", caption=True,
                                 script="Sharing this video with a colleague.", video_name=name)
    video_id = client.create_avatar_video(request)
    job = client.wait_for_video(video_id, timeout=180, poll_interval=0.5)
    assert job.status is VideoStatus.COMPLETED, job
    history = JobHistory(history_path)
    history.record_submission(backend="local", base_url=base_url, video_id=video_id,
                              request=request.to_payload(), avatar_name="Avatar 81", voice_name="Christopher")
    history.apply_updates([JobUpdate("local", video_id, time.time(), None, status="completed", progress=100,
                                     video_url=job.video_url, cover_url=job.cover_url,
                                     caption_url=job.caption_url, duration=job.duration)])
    return video_id


def test_the_bundle_downloads_with_what_it_promises(page: Page, studio, engine, tmp_path: Path) -> None:
    client = JoggAIClient(engine.base_url, engine.api_key)
    video_id = render_and_record(client, studio.data_dir / "history.sqlite3", engine.base_url, "Bundle test")
    page.goto(f"{studio.url}/video?video_id={video_id}")
    settle(page)
    expect(page.locator("[data-testid=stVideo]")).to_have_count(1)
    page.get_by_text("Make it again from a terminal or a script").click()
    expect(page.get_by_text("curl -sS -X POST", exact=False)).to_be_visible()
    page.get_by_role("heading", name="Video").scroll_into_view_if_needed()
    screenshot(page, "video-sharing")
    assert engine.api_key not in page.content()

    with page.expect_download(timeout=60_000) as download_info:
        keyed(page, "video_bundle").get_by_role("button", name=re.compile("Download bundle")).click()
    download = download_info.value
    assert download.suggested_filename == f"bundle-test-{video_id}.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as bundle:
        names = bundle.namelist()
        assert names[0] == "video.mp4" and names[-2:] == ["request.json", "README.txt"]
        assert any(name.startswith("captions.") for name in names)
        assert any(name.startswith("cover.") for name in names)
        assert bundle.read("video.mp4") == client.download(client.get_avatar_video(video_id).video_url)
        request = json.loads(bundle.read("request.json"))
        assert request["video_name"] == "Bundle test" and request["voice"]["script"].startswith("Sharing")
        everything = b"".join(bundle.read(name) for name in names)
    assert engine.api_key.encode() not in everything


def test_favourites_survive_a_reload(page: Page, studio) -> None:
    # Avatars is the default page, served at "/" (a later /avatars deep link shows "Page not found").
    page.goto(studio.url)
    settle(page)
    star = page.locator("[class*='st-key-avatar_star_']").nth(1)
    star_key = next(c for c in star.get_attribute("class").split() if c.startswith("st-key-avatar_star_"))
    star.get_by_test_id("stTooltipHoverTarget").locator("button").click()
    settle(page)
    keyed(page, "avatar_favourites_only").get_by_text("Favourites only").click()
    settle(page)
    expect(page.get_by_text(re.compile(r"^1 of \d+ avatars")).first).to_be_visible()
    expect(page.locator(f".{star_key}")).to_have_count(1)

    page.reload()  # a new browser session: only SQLite remembers the star
    settle(page)
    keyed(page, "avatar_favourites_only").get_by_text("Favourites only").click()
    settle(page)
    expect(page.get_by_text(re.compile(r"^1 of \d+ avatars")).first).to_be_visible()
    expect(page.locator(f".{star_key}")).to_have_count(1)
    screenshot(page, "favourites")
    # Leave the shared studio as it was.
    page.locator(f".{star_key}").get_by_test_id("stTooltipHoverTarget").locator("button").click()
    settle(page)
    expect(page.get_by_text(re.compile(r"^0 of \d+ avatars")).first).to_be_visible()


def _network_address() -> str | None:
    """This machine's address on its network (what a colleague would type), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if is_loopback_host(address) else address


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        return sock.getsockname()[1]


def _serve_dashboard_on_the_network(data_dir: Path, env: dict[str, str]) -> Studio:
    """``streamlit run app.py`` on every interface, as someone sharing it with colleagues would."""
    port = _free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / f"streamlit-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "0.0.0.0", "--server.headless", "true", "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        cwd=REPO_ROOT, env={**os.environ, **env, "AVATAR_STUDIO_DATA_DIR": str(data_dir)},
        stdout=log_path.open("ab"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/_stcore/health", timeout=1).text.strip() == "ok":
                return Studio(url, data_dir, env, process, log_path)
        except requests.RequestException:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"streamlit did not become healthy:\n{log_path.read_text(errors='replace')}")


def test_a_colleague_on_the_network_can_play_the_shared_video(page: Page, tmp_path: Path) -> None:
    address = _network_address()
    if address is None:
        pytest.skip("this machine has no non-loopback network address")
    # The engine listens on every interface (as the docs say to for sharing); the dashboard reaches it
    # over loopback, so the engine's own links say 127.0.0.1.
    engine = start_engine(tmp_path / "engine", extra_args=["--host", "0.0.0.0"])
    try:
        engine_port = int(engine.base_url.rsplit(":", 1)[1])
        local_url = f"http://127.0.0.1:{engine_port}"
        client = JoggAIClient(local_url, engine.api_key)
        video_id = render_and_record(client, tmp_path / "studio" / "history.sqlite3", local_url, "Shared")
        assert client.get_avatar_video(video_id).video_url.startswith(local_url)
        studio = _serve_dashboard_on_the_network(tmp_path / "studio", {
            "AVATAR_STUDIO_ENGINE_URL": local_url, "AVATAR_STUDIO_ENGINE_KEY": engine.api_key})
        try:
            dashboard_port = studio.url.rsplit(":", 1)[1]
            page.goto(f"http://{address}:{dashboard_port}/video?video_id={video_id}")
            settle(page)
            player = page.locator("[data-testid=stVideo]")
            expect(player).to_have_count(1)
            src = player.get_attribute("src")
            assert src.startswith(f"http://{address}:{engine_port}/"), src
            # The share link names the address the colleague used, and the video really loads from there.
            expect(page.get_by_text(f"http://{address}:{dashboard_port}/video?video_id={video_id}")).to_be_visible()
            assert page.evaluate("""async () => { const v = document.querySelector('[data-testid=stVideo]');
                v.muted = true; try { await v.play(); } catch (e) { return false; }
                await new Promise(r => setTimeout(r, 1200)); return v.readyState >= 2 && v.currentTime > 0; }""")
            # Catalog media (avatar covers) come from the engine too, through the same address.
            page.goto(f"http://{address}:{dashboard_port}/")
            settle(page)
            cover = page.get_by_test_id("stImage").locator("img").first
            expect(cover).to_be_visible()
            assert cover.get_attribute("src").startswith(f"http://{address}:{engine_port}/")
            assert cover.evaluate("img => img.complete && img.naturalWidth > 0")
        finally:
            stop_studio(studio)
    finally:
        engine.stop()
