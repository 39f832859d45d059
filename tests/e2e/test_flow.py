"""The whole user path in a real browser: avatar -> voice -> compose -> submit -> tracker -> the video
plays inline; plus every page's screenshot, a deep link after a restart and the engine-down banner."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from lib.joggai import CreateVideoRequest, JoggAIClient, VideoStatus
from tests.e2e.conftest import keyed, screenshot, start_studio, stop_studio, wait_for_app

pytestmark = pytest.mark.e2e

SCRIPT = "Hello from the local engine. This video was made end to end in a browser test."




def click_and_settle(page: Page, locator) -> None:
    locator.click()
    wait_for_app(page)


def select_first_voice_row(page: Page, search: str) -> None:
    """Dataframe rows are drawn on a canvas: narrow the table to one row, then click its row marker."""
    search_box = keyed(page, "voice_search").locator("input")
    search_box.fill(search)
    search_box.press("Enter")
    wait_for_app(page)
    grid = keyed(page, "voice_table")
    expect(grid).to_be_visible()
    # The canvas draws the filtered rows after the rerun; its accessible cells are there once it has.
    expect(grid.locator("[role=gridcell]").first).to_be_attached(timeout=15_000)
    detail = keyed(page, "voice_detail")
    for attempt in range(3):  # a click while the grid still lays out can miss the row marker
        box = grid.bounding_box()
        assert box is not None
        # Header row (~35 px), then the first data row; the selection marker is the left-most column.
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
        wait_for_app(page)
        try:
            expect(detail).to_be_visible(timeout=20_000)
            return
        except AssertionError:
            if attempt == 2:
                raise


def video_is_playing(page: Page, selector: str = "[data-testid=stVideo]") -> bool:
    """True when the first video element has decoded data and its clock advances."""
    return page.evaluate(
        """async (selector) => {
            const video = document.querySelector(selector);
            if (!video) return false;
            video.muted = true;
            try { await video.play(); } catch (e) { return false; }
            const start = video.currentTime;
            await new Promise(resolve => setTimeout(resolve, 1200));
            return video.readyState >= 2 && video.currentTime > start;
        }""",
        selector,
    )


def wait_for_inline_video(page: Page, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if page.locator("[data-testid=stVideo]").count() > 0:
            return
        time.sleep(1)
    raise AssertionError("no finished video appeared on the Jobs page")


def test_pick_compose_submit_and_watch(page: Page, studio, engine) -> None:
    page.goto(f"{studio.url}/avatars")
    wait_for_app(page)
    expect(page.get_by_text("of 3", exact=False).first).to_be_visible()
    screenshot(page, "avatars")

    first_card = page.locator("[class*='st-key-avatar_open_']").first
    avatar_id = next(c for c in first_card.get_attribute("class").split() if c.startswith("st-key-avatar_open_"))
    avatar_id = avatar_id.removeprefix("st-key-avatar_open_")
    click_and_settle(page, first_card.locator("button"))
    # The preview clip is rendered on first use; on a loaded two-core box the rerun can take a while.
    expect(keyed(page, "avatar_preview")).to_be_visible(timeout=30_000)
    screenshot(page, "avatars-preview")
    click_and_settle(page, keyed(page, "avatar_use").locator("button"))
    expect(page.get_by_role("heading", name="Compose")).to_be_visible()

    # Navigate inside the app (a page.goto would start a new session and forget the picked avatar).
    click_and_settle(page, page.get_by_test_id("stSidebarNavLink").filter(has_text="Voices"))
    screenshot(page, "voices")
    select_first_voice_row(page, "en-US")
    expect(keyed(page, "voice_detail")).to_be_visible()
    screenshot(page, "voices-selected")
    click_and_settle(page, keyed(page, "voice_use").locator("button"))
    expect(page.get_by_role("heading", name="Compose")).to_be_visible()

    # The heading draws before the widgets do (skeletons at first): wait for the picked avatar itself.
    expect(keyed(page, "compose_avatar").locator("input").first).to_have_value(
        re.compile(f"#{avatar_id}( \\(mine\\))?$"), timeout=30_000)
    screenshot(page, "compose-prefilled")
    script = keyed(page, "compose_script").locator("textarea")
    script.fill(SCRIPT)
    name = keyed(page, "compose_name").locator("input")
    name.fill("E2E hello")
    name.press("Enter")
    wait_for_app(page)
    screenshot(page, "compose")

    click_and_settle(page, keyed(page, "compose_submit").locator("button"))
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible(timeout=30_000)
    video_id = parse_qs(urlsplit(page.url).query)["job"][0]  # the tracker highlights the new job
    screenshot(page, "jobs-running")

    wait_for_inline_video(page)
    wait_for_app(page)
    assert video_is_playing(page), "the finished video did not play inline"
    src = page.locator("[data-testid=stVideo]").first.get_attribute("src")
    assert src and src.startswith(engine.base_url), src
    screenshot(page, "jobs-finished")

    # The video keeps playing across tracker refreshes: the same <video> element survives ticks.
    page.evaluate("""() => { const v = document.querySelector('[data-testid=stVideo]');
                             window.__trackedVideo = v; v.muted = true; v.loop = true; v.play(); }""")
    time.sleep(5)  # at least two refresh ticks at the test's 2 s interval
    same_and_playing = page.evaluate("""() => { const v = document.querySelector('[data-testid=stVideo]');
                                               return v === window.__trackedVideo && !v.paused; }""")
    assert same_and_playing, "a refresh tick replaced or paused the playing video"

    page.goto(f"{studio.url}/video?video_id={video_id}")
    wait_for_app(page)
    expect(page.locator("[data-testid=stVideo]")).to_have_count(1)
    screenshot(page, "video")

    page.goto(f"{studio.url}/settings")
    wait_for_app(page)
    expect(page.get_by_text("Connected to", exact=False)).to_be_visible()
    screenshot(page, "settings")


def test_deep_link_is_the_first_request_after_a_restart(page: Page, studio, engine, tmp_path) -> None:
    """A fresh dashboard process: /video?video_id=… as its very first request must open the video page
    inside the shared frame (sidebar, backend status), not Streamlit's legacy pages/ router."""
    client = JoggAIClient(engine.base_url, engine.api_key)
    video_id = client.create_avatar_video(CreateVideoRequest(
        avatar_id=81, voice_id="en-US-ChristopherNeural", script="A deep link, opened first.",
        video_name="Deep link"))
    assert client.wait_for_video(video_id, timeout=120, poll_interval=0.5).status is VideoStatus.COMPLETED

    # A new dashboard process that no browser session has visited yet.
    restarted = start_studio(tmp_path, {k: v for k, v in studio.env.items() if k.startswith("AVATAR_")})
    try:
        page.goto(f"{restarted.url}/video?video_id={video_id}")
        wait_for_app(page)
        expect(page.get_by_role("heading", name="Video")).to_be_visible()
        expect(page.get_by_test_id("stSidebar")).to_contain_text("Local engine")
        expect(page.locator("[data-testid=stVideo]")).to_have_count(1)
        assert video_is_playing(page)
        screenshot(page, "video-deep-link-after-restart")
    finally:
        stop_studio(restarted)


def test_engine_down_banner(page: Page, tmp_path) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    studio = start_studio(tmp_path, {"AVATAR_STUDIO_ENGINE_URL": f"http://127.0.0.1:{dead_port}",
                                     "AVATAR_STUDIO_ENGINE_KEY": "not-a-real-key"})
    try:
        page.goto(f"{studio.url}/jobs")
        wait_for_app(page)
        banner = keyed(page, "backend_banner")
        expect(banner.get_by_role("alert")).to_be_visible()
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
        screenshot(page, "engine-down")
    finally:
        stop_studio(studio)


@pytest.mark.parametrize("slug,heading", [("avatars", "Avatars"), ("voices", "Voices"), ("compose", "Compose"),
                                          ("jobs", "Jobs"), ("settings", "Settings")])
def test_every_page_has_a_working_address(page: Page, studio, slug: str, heading: str) -> None:
    """After the app's navigation is up (a visit to /), each page's own URL opens that page."""
    page.goto(studio.url)
    wait_for_app(page)
    page.goto(f"{studio.url}/{slug}")
    wait_for_app(page)
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)


def test_no_page_html_holds_the_api_key(page: Page, studio, engine) -> None:
    """The engine's key reaches the dashboard through its environment; no page may ever show it."""
    page.goto(studio.url)
    wait_for_app(page)
    for slug in ("avatars", "voices", "compose", "jobs", "experiments", "batch", "settings"):
        click_and_settle(page, page.get_by_test_id("stSidebarNavLink").filter(
            has_text=slug.capitalize()).first)
        expect(page.get_by_role("heading", name=slug.capitalize()).first).to_be_visible()
        html = page.content()
        assert engine.api_key not in html, f"the API key is in the HTML of {slug}"
        assert engine.api_key[:12] not in html, f"a prefix of the API key is in the HTML of {slug}"
