"""In a real browser: Compose with a product image in split screen, uploaded with its progress, a still preview
of the layout, then a finished video whose request carried the product (``ext.content_url``)."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from lib.joggai import JoggAIClient, VideoStatus, contract
from tests.e2e.conftest import keyed, screenshot, videos_play, wait_for_app, wait_until
from tests.e2e.test_flow import click_and_settle

pytestmark = pytest.mark.e2e

SCRIPT = "This bottle keeps your tea hot for twelve hours. Take it anywhere."


def product_png(path: Path) -> Path:
    """A red bottle-ish shape on white: easy to spot in the preview."""
    picture = Image.new("RGB", (480, 360), (255, 255, 255))
    picture.paste((210, 30, 40), (180, 40, 300, 330))
    picture.save(path, format="PNG")
    return path


def test_compose_a_product_image_in_split_screen_to_a_finished_video(page: Page, studio, engine,
                                                                     tmp_path: Path) -> None:
    client = JoggAIClient(engine.base_url, engine.api_key)
    avatar = client.list_public_avatars(page_size=1)[0]
    voice = client.list_voices(page_size=1).voices[0]
    page.goto(f"{studio.url}/compose")
    wait_for_app(page)
    for key, text in (("compose_avatar", f"#{avatar.id}"), ("compose_voice", voice.name)):
        box = keyed(page, key).locator("input").first
        box.click()
        box.press_sequentially(text)
        box.press("Enter")
        wait_for_app(page)
        expect(box).to_have_value(re.compile(re.escape(text)))
    keyed(page, "compose_script").locator("textarea").fill(SCRIPT)
    name = keyed(page, "compose_name").locator("input")
    name.fill("E2E product")
    name.press("Enter")
    wait_for_app(page)
    click_and_settle(page, keyed(page, "compose_screen").get_by_text("Split screen"))

    page.get_by_test_id("stExpander").filter(has_text="Product visuals").locator("summary").click()
    keyed(page, "ext_content_file").locator("input[type=file]").set_input_files(str(product_png(tmp_path / "p.png")))
    wait_for_app(page)
    click_and_settle(page, keyed(page, "ext_content_upload").locator("button"))
    expect(page.get_by_text("Uploaded p.png")).to_be_visible(timeout=30_000)
    url_box = keyed(page, "ext_content_url").locator("input")
    expect(url_box).to_have_value(re.compile("^" + re.escape(engine.base_url)), timeout=30_000)
    content_url = url_box.input_value()

    click_and_settle(page, keyed(page, "ext_show_preview").get_by_text("Still preview of the layout"))
    still = keyed(page, "ext_layout_preview").locator("img")
    expect(still).to_be_visible(timeout=30_000)
    expect(keyed(page, "ext_layout_preview").get_by_text("approximation", exact=False)).to_be_visible()
    still.scroll_into_view_if_needed()
    screenshot(page, "compose-product-visuals")

    click_and_settle(page, keyed(page, "compose_submit").locator("button"))
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible(timeout=30_000)
    video_id = parse_qs(urlsplit(page.url).query)["job"][0]
    wait_until(lambda: page.locator("[data-testid=stVideo]").count() > 0, 240, "the finished video on Jobs")
    wait_for_app(page)
    assert videos_play(page)[0], "the finished product video did not play inline"
    assert client.get_avatar_video(video_id).status == VideoStatus.COMPLETED
    with sqlite3.connect(engine.data_dir / "engine.sqlite3") as db:
        [stored] = db.execute("SELECT request_json FROM jobs WHERE video_id=?", (video_id,)).fetchone()
    request = json.loads(stored)
    assert request["screen_style"] == 2
    assert content_url in json.dumps(request[contract.EXT_REQUEST_FIELD])
    screenshot(page, "jobs-product-finished")
