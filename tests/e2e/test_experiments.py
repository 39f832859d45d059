"""In a real browser: an experiment of three voices from Compose renders, and the compare view plays
all three videos side by side; the link alone reopens it."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    choose,
    keyed,
    name_and_create_experiment,
    pick_avatar,
    screenshot,
    videos_play,
    wait_for_app,
)

pytestmark = pytest.mark.e2e

VOICES = ("Ava · english", "Guy · english", "Emma · english")








def test_three_voice_experiment_plays_side_by_side(page: Page, studio) -> None:
    page.goto(f"{studio.url}/compose")
    wait_for_app(page)
    pick_avatar(page, 2)
    keyed(page, "compose_experiment").locator("label").click()
    wait_for_app(page)
    for voice in VOICES:
        choose(page, "experiment_voices", voice)
    keyed(page, "compose_script").locator("textarea").fill("Which voice fits?")
    name_and_create_experiment(page, "Three voices", 3)
    experiment_id = parse_qs(urlsplit(page.url).query)["experiment"][0]

    deadline = time.monotonic() + 180
    while page.locator("[data-testid=stVideo]").count() < 3 and time.monotonic() < deadline:
        time.sleep(1)
    expect(page.locator("[data-testid=stVideo]")).to_have_count(3)
    wait_for_app(page)
    for voice in VOICES:
        expect(keyed(page, "experiment_grid")).to_contain_text(voice.split(" · ")[0])
    assert videos_play(page) == [True, True, True]
    page.locator("[class*='st-key-star_']").first.locator("button").click()
    wait_for_app(page)
    expect(keyed(page, "variant_0")).to_contain_text("⭐")
    screenshot(page, "experiments-compare")

    # The link alone, in a fresh session, opens the same comparison.
    page.goto(f"{studio.url}/experiments?experiment={experiment_id}")
    wait_for_app(page)
    expect(page.locator("[data-testid=stVideo]")).to_have_count(3)
    expect(page.get_by_text("Three voices").first).to_be_visible()
