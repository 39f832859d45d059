"""In a real browser against the real local engine: Draft with AI writes drafts, two of them become a script
experiment whose videos play side by side; a finished video gets a new version, and the two versions play
side by side on the Video page. Screenshots of both go to artifacts/screenshots/ (and docs/screenshots/)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import (
    SCREENSHOT_DIR,
    choose,
    keyed,
    name_and_create_experiment,
    pick_avatar,
    videos_play,
    wait_for_app,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

RENDER_MS = 300_000  # two short renders on a shared two-core box


def shot(page: Page, area: Locator, name: str) -> None:
    """``area`` alone; the window is made tall enough first (the app scrolls inside its main block)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 2400})
    wait_for_app(page)
    area.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"))
    page.set_viewport_size(size)


def pick_cast(page: Page) -> None:
    pick_avatar(page, 2)
    choose(page, "compose_voice", "Ava · english")


def test_draft_compare_two_drafts_and_both_videos_play_side_by_side(page: Page, studio) -> None:
    page.goto(f"{studio.url}/compose")
    wait_for_app(page)
    pick_cast(page)
    page.get_by_text("Draft with AI").click()
    keyed(page, "draft_product").locator("input").fill("Owala FreeSip")
    keyed(page, "draft_description").locator("textarea").fill(
        "A water bottle with a built-in straw and a wide mouth. It keeps drinks cold for 24 hours.")
    audience = keyed(page, "draft_audience").locator("input")
    audience.fill("runners")
    audience.press("Enter")
    wait_for_app(page)
    keyed(page, "draft_length").get_by_text("15 s", exact=True).click()
    wait_for_app(page)
    for style in ("Top 3 reasons", "Storytime"):
        keyed(page, "draft_styles").get_by_text(style, exact=True).click()
        wait_for_app(page)
    keyed(page, "draft_write").locator("button").click()
    wait_for_app(page)
    expect(keyed(page, "draft_card_0")).to_contain_text("Top 3 reasons")
    expect(keyed(page, "draft_card_1")).to_contain_text("Storytime")
    expect(keyed(page, "draft_card_0")).to_contain_text("Owala FreeSip")
    for label in ("1 · Top 3 reasons", "2 · Storytime"):
        keyed(page, "draft_compare_picks").get_by_text(label, exact=True).click()
        wait_for_app(page)
    shot(page, page.locator("[data-testid=stExpander]").filter(has_text="Draft with AI"), "draft-with-ai")
    keyed(page, "draft_compare").get_by_role("button", name="Compare chosen drafts (2)").first.click()
    wait_for_app(page)
    expect(keyed(page, "experiment_scripts").locator("textarea")).to_have_value(re.compile(r"Owala FreeSip[\s\S]*---"))
    name_and_create_experiment(page, "FreeSip drafts", 2)
    grid = keyed(page, "experiment_grid")
    expect(grid.locator("[data-testid=stVideo]")).to_have_count(2, timeout=RENDER_MS)
    wait_for_app(page)
    expect(grid).to_contain_text("Top 3 reasons")  # each variant is named by its draft's style
    expect(grid).to_contain_text("Storytime")
    assert videos_play(grid) == [True, True]
    shot(page, grid, "drafts-compared")


def submit_and_wait(page: Page, script: str, name: str) -> str:
    """Compose's script and name, *Create video*, and the tracker until that video plays inline: its id."""
    keyed(page, "compose_script").locator("textarea").fill(script)
    name_box = keyed(page, "compose_name").locator("input")
    name_box.fill(name)
    name_box.press("Enter")
    wait_for_app(page)
    keyed(page, "compose_submit").locator("button").click()
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible(timeout=30_000)
    video_id = parse_qs(urlsplit(page.url).query)["job"][0]
    expect(keyed(page, f"finished_{video_id}").locator("[data-testid=stVideo]")).to_have_count(1, timeout=RENDER_MS)
    return video_id


def test_a_new_version_of_a_finished_video_and_its_comparison(page: Page, studio) -> None:
    page.goto(f"{studio.url}/compose")
    wait_for_app(page)
    pick_cast(page)
    parent_id = submit_and_wait(page, "Meet the FreeSip. Cold water, all day.", "FreeSip launch")

    keyed(page, f"new_version_{parent_id}").locator("button").first.click()  # a help tooltip doubles it
    expect(page.get_by_role("heading", name="Compose")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    script = keyed(page, "compose_script").locator("textarea")
    expect(script).to_have_value("Meet the FreeSip. Cold water, all day.")
    expect(keyed(page, "compose_name").locator("input")).to_have_value("FreeSip launch")
    expect(keyed(page, "compose_parent")).to_contain_text("New version of FreeSip launch")
    child_id = submit_and_wait(page, "The FreeSip: cold water, all day, one sip at a time.", "FreeSip launch, take two")
    assert child_id != parent_id

    page.goto(f"{studio.url}/video?video_id={child_id}")
    wait_for_app(page)
    versions = keyed(page, "video_versions")
    expect(versions).to_contain_text("v2 · FreeSip launch, take two (this video)")
    expect(versions).to_contain_text("v1 · FreeSip launch (parent)")
    keyed(page, "video_compare_versions").locator("label").first.click()
    wait_for_app(page)
    grid = keyed(page, "version_grid")
    expect(grid.locator("[data-testid=stVideo]")).to_have_count(2, timeout=30_000)
    expect(keyed(page, "version_0")).to_contain_text("v1 · FreeSip launch")
    assert videos_play(grid) == [True, True]
    shot(page, keyed(page, "versions_panel"), "video-versions")
    # The parent's entry opens its own Video page, which lists the same two versions.
    versions.get_by_role("button", name=re.compile(r"v1 · FreeSip launch \(parent\)")).first.click()
    wait_for_app(page)
    expect(page).to_have_url(re.compile(rf"video_id={parent_id}"))
    expect(keyed(page, "video_versions")).to_contain_text("(new version of this)")
