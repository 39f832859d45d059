"""In a real browser: a 25-row CSV with two bad rows shows both errors, sends the 23 good rows, and the
dashboard process is stopped halfway through sending; a new process on the same data dir resumes from the
link, sends nothing twice, and all 23 videos complete."""

from __future__ import annotations

import csv
import io
import sqlite3
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import keyed, screenshot, start_studio, stop_studio, wait_for_app, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

BAD_ROWS = {7: {"avatar_id": "99999"}, 19: {"voice_id": "xx-NoSuchVoice"}}




def batch_csv(tag: str) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["script", "avatar_id", "voice_id", "aspect_ratio", "screen_style",
                                             "caption", "video_name"])
    writer.writeheader()
    for n in range(1, 26):
        writer.writerow({"script": f"Row {n}.", "avatar_id": 1 + n % 5, "voice_id": "en-US-AvaLocal",
                         "aspect_ratio": "portrait", "screen_style": 1, "caption": "false",
                         "video_name": f"{tag} {n:02d}", **BAD_ROWS.get(n, {})})
    return out.getvalue().encode()


def row_states(data_dir: Path, batch_id: str) -> dict[str, int]:
    with sqlite3.connect(data_dir / "history.sqlite3") as db:
        return dict(db.execute("SELECT state, COUNT(*) FROM batch_rows WHERE batch_id=? GROUP BY state",
                               (batch_id,)).fetchall())


def job_statuses(data_dir: Path, batch_id: str) -> list[str]:
    with sqlite3.connect(data_dir / "history.sqlite3") as db:
        return [row[0] for row in db.execute("SELECT status FROM jobs WHERE batch=?", (batch_id,))]


def engine_jobs_named(engine, tag: str) -> int:
    with sqlite3.connect(engine.data_dir / "engine.sqlite3") as db:
        return sum(f'"video_name": "{tag} ' in row[0] for row in db.execute("SELECT request_json FROM jobs"))




def test_batch_survives_a_dashboard_restart(page: Page, engine, tmp_path: Path) -> None:
    tag = f"e2e-batch-{uuid.uuid4().hex[:6]}"
    env = {"AVATAR_STUDIO_ENGINE_URL": engine.base_url, "AVATAR_STUDIO_ENGINE_KEY": engine.api_key,
           "AVATAR_STUDIO_AUTOREFRESH_MS": "2000"}
    studio = start_studio(tmp_path, env)
    try:
        page.goto(f"{studio.url}/batch")
        wait_for_app(page)
        keyed(page, "batch_file").locator("input[type=file]").set_input_files(
            {"name": "batch.csv", "mimeType": "text/csv", "buffer": batch_csv(tag)})
        expect(keyed(page, "batch_submit")).to_contain_text("Submit 23 valid rows", timeout=30_000)
        wait_for_app(page)
        errors = keyed(page, "batch_errors")
        expect(errors.get_by_text("Row 7:", exact=False)).to_contain_text("99999")
        expect(errors.get_by_text("Row 19:", exact=False)).to_contain_text("xx-NoSuchVoice")
        expect(errors.get_by_role("alert")).to_have_count(2)
        # One request a second, so the restart below lands while rows are still being sent.
        keyed(page, "batch_pace").get_by_text("One a second").click()
        wait_for_app(page)
        screenshot(page, "batch-validated")
        keyed(page, "batch_submit").locator("button").click()
        page.wait_for_url("**/batch?batch=*", timeout=30_000)
        batch_id = parse_qs(urlsplit(page.url).query)["batch"][0]
        wait_until(lambda: row_states(tmp_path, batch_id).get("sent", 0) >= 5, 60, "five rows sent")
    finally:
        stop_studio(studio)  # the dashboard dies mid-batch

    halfway = row_states(tmp_path, batch_id)
    assert 5 <= halfway.get("sent", 0) < 23, halfway
    assert halfway.get("invalid") == 2

    restarted = start_studio(tmp_path, env)
    try:
        page.goto(f"{restarted.url}/batch?batch={batch_id}")
        wait_until(lambda: row_states(tmp_path, batch_id).get("sent", 0) == 23, 90, "all rows sent")
        wait_until(lambda: job_statuses(tmp_path, batch_id).count("completed") == 23, 240, "23 completed videos")
        wait_for_app(page, timeout=60_000)
        expect(page.get_by_text("23 of 23 rendered")).to_be_visible(timeout=30_000)
        screenshot(page, "batch-done")
        assert engine_jobs_named(engine, tag) == 23  # no row was created twice on the engine

        with page.expect_download() as download_info:
            keyed(page, "batch_results_csv").locator("button").click()
        results = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text())))
        assert [int(row["row"]) for row in results] == list(range(1, 26))
        good = [row for row in results if int(row["row"]) not in BAD_ROWS]
        assert all(row["status"] == "completed" and row["video_url"].startswith("http") for row in good)
        assert len({row["video_id"] for row in good}) == 23
        assert {results[6]["status"], results[18]["status"]} == {"invalid"}
    finally:
        stop_studio(restarted)
