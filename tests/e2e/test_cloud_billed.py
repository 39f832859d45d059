"""In a real browser against the cloud-faithful stand-in (tests/cloud_standin.py) through the Custom URL
backend, counting every create the stand-in received: Compose sends exactly one create without an
Idempotency-Key and the video plays inline; a batch whose second answer is lost shows that row as
unconfirmed, sends nothing twice by itself, and only *Send again* (confirmed) sends a fourth create; a
two-voice experiment sends two creates after its preflight box and both play side by side. Batches and
experiments are sent by the studio's background sender; the page only shows where they stand."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from lib.studio.state import Keys, translation_key, unconfirmed_key
from tests.e2e.conftest import (
    Studio,
    choose,
    keyed,
    pick_avatar,
    screenshot,
    start_studio,
    stop_studio,
    videos_play,
    wait_for_app,
    wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

AVATAR_ID = 81  # "Ava Studio" in the stand-in's catalog
VOICE_ID = "en-US-JennyNeural"










@pytest.fixture(scope="module")
def billed_studio(cloud_standin, tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch_module: pytest.MonkeyPatch) -> Iterator[Studio]:
    """The dashboard on the Custom URL backend pointed at the stand-in, and at nothing of ours."""
    for name in ("AVATAR_STUDIO_ENGINE_URL", "AVATAR_STUDIO_ENGINE_KEY"):
        monkeypatch_module.delenv(name, raising=False)
    env = {"AVATAR_STUDIO_BACKEND": "custom", "JOGGAI_BASE_URL": cloud_standin.base_url,
           "JOGGAI_API_KEY": cloud_standin.api_key, "AVATAR_STUDIO_AUTOREFRESH_MS": "1000"}
    running = start_studio(tmp_path_factory.mktemp("billed-studio"), env)
    assert "AVATAR_STUDIO_ENGINE_URL" not in running.env
    yield running
    stop_studio(running)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_compose_sends_one_create_without_a_key_and_the_video_plays(page: Page, billed_studio, cloud) -> None:
    cloud.configure(render_seconds=2)
    page.goto(f"{billed_studio.url}/compose")
    wait_for_app(page)
    pick_avatar(page, AVATAR_ID)
    voice_box = keyed(page, Keys.W_COMPOSE_VOICE).locator("input").first
    voice_box.click()
    voice_box.press_sequentially("Jenny")
    voice_box.press("Enter")
    wait_for_app(page)
    expect(voice_box).to_have_value(re.compile("Jenny"))
    keyed(page, Keys.W_COMPOSE_SCRIPT).locator("textarea").fill("Hello from the billed stand-in.")
    name = keyed(page, Keys.W_COMPOSE_NAME).locator("input")
    name.fill("Billed hello")
    name.press("Enter")
    wait_for_app(page)
    assert cloud.creates() == []  # nothing is sent before the click
    keyed(page, Keys.B_COMPOSE_SUBMIT).locator("button").click()
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible(timeout=30_000)
    creates = cloud.creates()
    assert len(creates) == 1, creates
    assert creates[0]["idempotency_key"] is None
    body = creates[0]["body"]
    assert (body["avatar"]["avatar_id"], body["voice"]["voice_id"]) == (AVATAR_ID, VOICE_ID)
    assert "ext" not in body  # a billed backend gets nothing but the spec's fields
    assert parse_qs(urlsplit(page.url).query)["job"] == [creates[0]["video_id"]]  # the tracker opens on it
    # The tracker's table is a canvas grid; its accessible cells carry the text.
    expect(page.locator("[role=gridcell]", has_text=creates[0]["video_id"]).first).to_be_attached(timeout=30_000)

    wait_until(lambda: page.locator("[data-testid=stVideo]").count() > 0, 90, "the finished video inline")
    wait_for_app(page)
    assert videos_play(page)[:1] == [True], "the finished video did not play inline"
    screenshot(page, "billed-compose-finished")
    assert len(cloud.creates()) == 1  # polling and the copy download are not creates


def batch_csv(tag: str, rows: int = 3) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["script", "avatar_id", "voice_id", "aspect_ratio", "screen_style",
                                             "caption", "video_name"])
    writer.writeheader()
    for n in range(1, rows + 1):
        writer.writerow({"script": f"Row {n}.", "avatar_id": AVATAR_ID, "voice_id": VOICE_ID,
                         "aspect_ratio": "portrait", "screen_style": 1, "caption": "false",
                         "video_name": f"{tag} {n}"})
    return out.getvalue().encode()


def test_a_lost_batch_answer_is_unconfirmed_and_only_sent_again_on_request(page: Page, billed_studio,
                                                                            cloud) -> None:
    cloud.configure(lose_answers=[2], lose_mode="500", render_seconds=2)
    page.goto(f"{billed_studio.url}/batch")
    wait_for_app(page)
    keyed(page, Keys.U_BATCH_FILE).locator("input[type=file]").set_input_files(
        {"name": "batch.csv", "mimeType": "text/csv", "buffer": batch_csv("billed-batch")})
    submit = keyed(page, Keys.B_BATCH_SUBMIT)
    expect(submit).to_contain_text("Submit 3 valid rows", timeout=30_000)
    wait_for_app(page)
    preflight = keyed(page, Keys.W_BATCH_PREFLIGHT)
    expect(preflight).to_contain_text("Send 3 videos")
    expect(submit.locator("button")).to_be_disabled()  # a billed batch waits for the preflight box
    preflight.locator("label").click()
    wait_for_app(page)
    expect(submit.locator("button")).to_be_enabled()
    submit.locator("button").click()
    page.wait_for_url("**/batch?batch=*", timeout=30_000)

    row = keyed(page, unconfirmed_key("batch", "row", 2))
    expect(row).to_be_visible(timeout=60_000)
    expect(row).to_contain_text("Row 2")
    expect(row).to_contain_text("unconfirmed")
    again = keyed(page, unconfirmed_key("batch", "again", 2)).locator("button")
    expect(again).to_contain_text("Send again")
    expect(again).to_be_disabled()  # until its box is ticked
    expect(keyed(page, unconfirmed_key("batch", "skip", 2)).locator("button")).to_contain_text("Skip")
    expect(page.get_by_text("2 of 3 sent, 1 unconfirmed")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("3 of 3 sent")).to_have_count(0)
    expect(page.locator("[class*='st-key-unconfirmed_batch_row_']")).to_have_count(1)  # rows 1 and 3 were answered
    wait_for_app(page)
    row.scroll_into_view_if_needed()
    screenshot(page, "billed-batch-unconfirmed")

    creates = cloud.creates()
    assert len(creates) == 3, creates  # row 2 was not sent again by itself
    assert [c["answer"] for c in creates] == ["sent", "500", "sent"]
    assert all(c["idempotency_key"] is None for c in creates)
    time.sleep(3)  # a few more page runs (autorefresh, polling) still send nothing
    assert len(cloud.creates()) == 3

    confirm = keyed(page, unconfirmed_key("batch", "confirm", 2))
    expect(confirm).to_contain_text("may create, and bill, a second video")
    confirm.locator("label").click()
    wait_for_app(page)
    expect(again).to_be_enabled()
    again.click()
    wait_until(lambda: len(cloud.creates()) >= 4, 30, "the row sent again")
    expect(page.get_by_text("3 of 3 sent")).to_be_visible(timeout=30_000)
    expect(keyed(page, unconfirmed_key("batch", "row", 2))).to_have_count(0)
    expect(page.get_by_text("3 of 3 rendered")).to_be_visible(timeout=60_000)
    creates = cloud.creates()
    assert len(creates) == 4, creates
    assert creates[3]["body"]["video_name"] == "billed-batch 2"
    screenshot(page, "billed-batch-sent-again")


def test_a_two_voice_experiment_sends_two_creates_after_its_preflight(page: Page, billed_studio, cloud) -> None:
    cloud.configure(render_seconds=2)
    page.goto(f"{billed_studio.url}/compose")
    wait_for_app(page)
    pick_avatar(page, AVATAR_ID)
    keyed(page, Keys.W_COMPOSE_EXPERIMENT).locator("label").click()
    wait_for_app(page)
    for voice in ("Jenny", "Christopher"):
        choose(page, Keys.W_EXP_VOICES, voice)
    keyed(page, Keys.W_COMPOSE_SCRIPT).locator("textarea").fill("Which voice fits the billed cloud?")
    name = keyed(page, Keys.W_COMPOSE_NAME).locator("input")
    name.fill("Billed two voices")
    name.press("Enter")
    wait_for_app(page)
    submit = keyed(page, Keys.B_EXP_SUBMIT)
    expect(submit).to_contain_text("2 videos")
    preflight = keyed(page, Keys.W_EXP_PREFLIGHT)
    expect(preflight).to_contain_text("Send 2 videos")
    expect(submit.locator("button")).to_be_disabled()  # not before the credits are confirmed
    assert cloud.creates() == []
    preflight.locator("label").click()
    wait_for_app(page)
    submit.locator("button").click()
    expect(page.get_by_role("heading", name="Experiments")).to_be_visible(timeout=30_000)

    wait_until(lambda: len(cloud.creates()) >= 2, 30, "both variants sent by the background sender")
    creates = cloud.creates()
    assert len(creates) == 2, creates
    assert sorted(c["body"]["voice"]["voice_id"] for c in creates) == ["en-US-ChristopherNeural", VOICE_ID]
    assert all(c["idempotency_key"] is None for c in creates)
    wait_until(lambda: page.locator("[data-testid=stVideo]").count() >= 2, 90, "both variants inline")
    expect(page.locator("[data-testid=stVideo]")).to_have_count(2)
    wait_for_app(page)
    for voice in ("Jenny", "Christopher"):
        expect(keyed(page, "experiment_grid")).to_contain_text(voice)
    assert videos_play(page) == [True, True]
    screenshot(page, "billed-experiment-compare")
    assert len(cloud.creates()) == 2


def test_a_languages_experiment_gets_one_ai_draft_per_language(page: Page, billed_studio, cloud) -> None:
    page.goto(f"{billed_studio.url}/compose")
    wait_for_app(page)
    pick_avatar(page, AVATAR_ID)
    keyed(page, Keys.W_COMPOSE_EXPERIMENT).locator("label").click()
    wait_for_app(page)
    keyed(page, Keys.W_EXP_AXIS).get_by_text("Languages", exact=True).click()
    wait_for_app(page)
    for voice in ("Jenny", "Elvira"):
        choose(page, Keys.W_EXP_LANGUAGE_VOICES, voice)
    draft_each = keyed(page, Keys.B_EXP_LANGUAGE_DRAFTS).get_by_role("button", name="Draft each language with AI")
    expect(draft_each).to_be_disabled()  # not before the brief is written
    page.locator("[data-testid=stExpander]").filter(has_text="Draft with AI").locator("summary").click()
    keyed(page, Keys.W_DRAFT_PRODUCT).locator("input").fill("Owala FreeSip")
    description = keyed(page, Keys.W_DRAFT_DESCRIPTION).locator("textarea")
    description.fill("A water bottle with a built-in straw. It keeps drinks cold for 24 hours.")
    audience = keyed(page, Keys.W_DRAFT_AUDIENCE).locator("input")
    audience.fill("runners")
    audience.press("Enter")
    wait_for_app(page)
    keyed(page, Keys.W_DRAFT_STYLES).get_by_text("Storytime", exact=True).click()
    wait_for_app(page)
    expect(draft_each).to_be_enabled()
    draft_each.click()
    wait_for_app(page)
    for voice_id, language in (("en-US-JennyNeural", "english"), ("es-ES-ElviraNeural", "spanish")):
        box = keyed(page, translation_key(voice_id)).locator("textarea")
        expect(box).to_have_value(re.compile(rf"Owala FreeSip for runners: .*Storytime script in {language}"),
                                  timeout=60_000)
    expect(page.get_by_text("2 video(s): english · Jenny, spanish · Elvira")).to_be_visible()
    keyed(page, translation_key("es-ES-ElviraNeural")).scroll_into_view_if_needed()
    screenshot(page, "languages-drafted")
    assert cloud.creates() == []  # drafting asks the writer; no video is made or billed
