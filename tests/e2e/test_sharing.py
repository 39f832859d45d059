"""Sharing in a real browser: the download bundle, favourites that survive a reload, and a studio served
on this machine's network address (not loopback) behind a passcode: the owner makes a share link, a
"colleague" in a fresh browser plays the video through it and reaches nothing else."""

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
from lib.studio.nav import PAGES
from lib.studio.share_links import VIDEO, ShareLinks, ShareTarget, load_secret
from lib.studio.sharing import is_loopback_host
from tests.e2e.conftest import REPO_ROOT, Studio, keyed, screenshot, stop_studio, wait_for_app
from tests.engine_process import start_engine

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]




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


PASSCODE = "tea-at-four-42"
PLAYS = """async () => { const v = document.querySelector('[data-testid=stVideo]');
    v.muted = true; try { await v.play(); } catch (e) { return false; }
    const start = v.currentTime; await new Promise(r => setTimeout(r, 1200));
    return v.readyState >= 2 && v.currentTime > start; }"""


def _share_links_in(panel) -> list[str]:
    return [text.strip() for text in panel.locator("code").all_inner_texts() if "/share?t=" in text]


def test_a_colleague_on_the_network_plays_a_shared_video_and_reaches_nothing_else(
        page: Page, browser, tmp_path: Path) -> None:
    address = _network_address()
    if address is None:
        pytest.skip("this machine has no non-loopback network address")
    # The engine stays on loopback: the colleague's browser gets the video from the studio's own port.
    engine = start_engine(tmp_path / "engine")
    try:
        client = JoggAIClient(engine.base_url, engine.api_key)
        video_id = render_and_record(client, tmp_path / "studio" / "history.sqlite3", engine.base_url, "Shared")
        studio = _serve_dashboard_on_the_network(tmp_path / "studio", {
            "AVATAR_STUDIO_ENGINE_URL": engine.base_url, "AVATAR_STUDIO_ENGINE_KEY": engine.api_key,
            "AVATAR_STUDIO_PASSCODE": PASSCODE})
        try:
            origin = f"http://{address}:{studio.url.rsplit(':', 1)[1]}"
            secrets_absent = [engine.api_key, PASSCODE]

            # The owner, on another computer: the studio asks for the passcode first.
            page.goto(f"{origin}/video?video_id={video_id}")
            settle(page)
            expect(page.get_by_label("Passcode")).to_be_visible()
            expect(page.get_by_test_id("stVideo")).to_have_count(0)
            page.get_by_label("Passcode").fill(PASSCODE)
            page.get_by_role("button", name="Unlock").click()
            settle(page)
            panel = keyed(page, "share_panel")
            expect(panel).to_be_visible()
            panel.get_by_role("button", name="Create link").click()
            settle(page)
            expect(panel.get_by_text("/share?t=")).to_have_count(1)
            [link] = _share_links_in(panel)
            assert link.startswith(f"{origin}/share?t="), link
            # A second link, revoked from the same panel.
            panel.get_by_role("button", name="Create link").click()
            settle(page)
            expect(panel.get_by_text("/share?t=")).to_have_count(2)
            revoked = next(url for url in _share_links_in(panel) if url != link)
            revoked_id = ShareLinks(studio.data_dir / "history.sqlite3",
                                    load_secret(studio.data_dir / "share-secret")).verify(
                revoked.split("t=", 1)[1]).link.link_id
            keyed(page, f"share_revoke_{revoked_id}").get_by_role("button").click()
            settle(page)
            expect(panel.get_by_text("/share?t=")).to_have_count(1)
            assert not any(secret in page.content() for secret in secrets_absent)

            # The colleague: a fresh browser, no passcode, only the link.
            colleague = browser.new_context(viewport={"width": 1400, "height": 1000})
            try:
                other = colleague.new_page()
                other.goto(link)
                settle(other)
                player = other.get_by_test_id("stVideo")
                expect(player).to_have_count(1)
                assert other.evaluate(PLAYS), "the shared video does not play"
                # Served by the studio's own port (its media endpoint), not the engine's.
                src = other.evaluate("document.querySelector('[data-testid=stVideo]').currentSrc")
                assert src.startswith(f"{origin}/media/"), src
                expect(other.locator("[data-testid=stVideo] track")).to_have_count(1)
                expect(other.get_by_test_id("stSidebar")).to_have_count(0)
                expect(other.get_by_test_id("stSidebarNav")).to_have_count(0)
                expect(other.get_by_role("heading", name="Shared")).to_be_visible()
                other.get_by_role("heading", name="Shared").scroll_into_view_if_needed()
                screenshot(other, "share-page")
                other.get_by_label("Your name (optional)").fill("Sam <b>from sales</b>")
                other.get_by_role("button", name="Approve").click()
                settle(other)
                expect(other.get_by_text("your approval was sent")).to_be_visible()
                assert not any(secret in other.content() for secret in secrets_absent)

                for slug in [spec.slug for spec in PAGES if spec.needs_backend] + [""]:
                    other.goto(f"{origin}/{slug}?video_id={video_id}")
                    settle(other)
                    expect(other.get_by_label("Passcode")).to_be_visible()
                    expect(other.get_by_test_id("stSidebar")).to_have_count(0)
                    expect(other.get_by_test_id("stVideo")).to_have_count(0)
                    assert not any(secret in other.content() for secret in secrets_absent), slug

                links = ShareLinks(studio.data_dir / "history.sqlite3", load_secret(studio.data_dir / "share-secret"))
                expired = links.create(ShareTarget(VIDEO, "local", video_id), lifetime=1, allow_download=True,
                                       now=time.time() - 10)
                token = link.split("t=", 1)[1]
                tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
                for url, words in ((f"{origin}/share?t={tampered}", "not valid"),
                                   (f"{origin}/share?t={expired.token}", "expired"),
                                   (revoked, "revoked"), (f"{origin}/share?t={'x' * 5000}", "not valid")):
                    other.goto(url)
                    settle(other)
                    expect(other.get_by_text(words)).to_be_visible()
                    expect(other.get_by_test_id("stVideo")).to_have_count(0)
            finally:
                colleague.close()

            # The owner sees the approval, the colleague's text shown as text. A reload is a new browser
            # session, so the passcode is asked again.
            page.reload()
            settle(page)
            page.get_by_label("Passcode").fill(PASSCODE)
            page.get_by_role("button", name="Unlock").click()
            settle(page)
            expect(keyed(page, "reviews_panel").get_by_text("1 approval")).to_be_visible()
            expect(keyed(page, "reviews_panel").get_by_text("Sam <b>from sales</b>")).to_be_visible()
        finally:
            stop_studio(studio)
    finally:
        engine.stop()
