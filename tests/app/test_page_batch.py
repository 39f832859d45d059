"""Batch page: a pasted CSV is validated row by row, the valid rows are sent once, results download."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from lib.studio import background_sender, batch
from lib.studio.history import JobHistory
from lib.studio.state import Keys
from tests.app.conftest import open_page, pasted_csv, sender_idle
from tests.conftest import wait_for
from tests.studio.test_background_sender import hold_lock_in_another_process

pytestmark = pytest.mark.timeout(240)



def test_errors_are_listed_per_row_before_anything_is_sent(studio_env: Path, engine_client) -> None:
    at = open_page("batch")
    assert not at.exception
    assert at.get("download_button")  # the template
    at.text_area(key=Keys.W_BATCH_TEXT).input(pasted_csv(engine_client, 4, {2: {"avatar_id": "424242"},
                                                                             4: {"voice_id": "nope"}})).run()
    assert not at.exception
    errors = [error.value for error in at.error]
    assert any(e.startswith("Row 2:") and "424242" in e for e in errors)
    assert any(e.startswith("Row 4:") and "nope" in e for e in errors)
    assert at.button(key=Keys.B_BATCH_SUBMIT).label == "Submit 2 valid rows"
    assert list(at.dataframe[0].value["ok"]) == [True, False, True, False]
    assert not JobHistory(studio_env / "history.sqlite3").list_jobs()


def test_submit_sends_the_valid_rows_once_and_reports_results(studio_env: Path, engine_client) -> None:
    at = open_page("batch")
    at.text_area(key=Keys.W_BATCH_TEXT).input(pasted_csv(engine_client, 3, {3: {"script": ""}})).run()
    at.button(key=Keys.B_BATCH_SUBMIT).click().run()
    assert not at.exception
    history = JobHistory(studio_env / "history.sqlite3")
    [stored] = batch.BatchStore(history.path).list()
    assert at.query_params["batch"] in ([stored.batch_id], stored.batch_id)
    # The background sender sends them; the page only shows where they stand.
    wait_for(lambda: len(history.list_jobs(batch=stored.batch_id)) >= 2, 60, "both valid rows sent")
    sender_idle(studio_env, "local")
    jobs = history.list_jobs(batch=stored.batch_id)
    assert sorted(job.name for job in jobs) == ["page batch 1", "page batch 2"]

    # Reopening the link (a reload) sends nothing again and follows the renders to the end.
    deadline = time.monotonic() + 180
    while True:
        again = open_page("batch", batch=stored.batch_id)
        assert not again.exception
        if all(job.is_terminal for job in history.list_jobs(batch=stored.batch_id)) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert len(history.list_jobs(batch=stored.batch_id)) == 2
    results = again.dataframe[0].value
    assert list(results["row"]) == [1, 2, 3]
    assert list(results["status"]) == ["completed", "completed", "invalid"]
    assert all(url.startswith("http") for url in results["video_url"][:2])
    sent_bar, rendered_bar = again.get("progress")
    assert (sent_bar.value, sent_bar.text) == (100, "2 of 2 sent")
    assert (rendered_bar.value, rendered_bar.text) == (100, "2 of 2 rendered")


def test_a_paused_batch_sends_nothing_until_resumed(studio_env: Path, engine_client) -> None:
    avatars, voices = engine_client.all_public_avatars(), engine_client.all_voices()
    rows, _ = batch.parse_csv(pasted_csv(engine_client, 2, {}).encode())
    history = JobHistory(studio_env / "history.sqlite3")
    store = batch.BatchStore(history.path)
    batch_id = store.create(batch.validate_rows(rows, avatars, voices), backend="local", name="held")
    store.set_state(batch_id, "paused")

    at = open_page("batch", batch=batch_id)
    assert not at.exception
    assert at.button(key=Keys.B_BATCH_PAUSE).label == "Resume"
    assert at.get("progress")[0].text.startswith("0 of 2 sent")
    sender_idle(studio_env, "local")  # the page run started the sender, and it looked
    assert not history.list_jobs(batch=batch_id)

    at.button(key=Keys.B_BATCH_PAUSE).click().run()
    assert not at.exception
    wait_for(lambda: store.get(batch_id).state == "done", 60, "the resumed batch sent")
    assert len(history.list_jobs(batch=batch_id)) == 2


def test_while_another_studio_process_sends_this_one_says_so_and_sends_nothing(studio_env: Path,
                                                                             engine_client) -> None:
    avatars, voices = engine_client.all_public_avatars(), engine_client.all_voices()
    rows, _ = batch.parse_csv(pasted_csv(engine_client, 2, {}).encode())
    history = JobHistory(studio_env / "history.sqlite3")
    store = batch.BatchStore(history.path)
    batch_id = store.create(batch.validate_rows(rows, avatars, voices), backend="local", name="elsewhere")
    holder = hold_lock_in_another_process(background_sender.lock_path(history.path, "local"))
    try:
        at = open_page("batch", batch=batch_id)
        sender_idle(studio_env, "local")
        at.run()
        assert not at.exception
        assert any("Another studio process" in info.value for info in at.info)
        assert not history.list_jobs(batch=batch_id)
    finally:
        holder.stdin.close()  # the other process stops: this one takes over at its next look
        holder.wait(10)
    wait_for(lambda: store.get(batch_id).state == "done", 60, "the batch sent by this process")
    assert len(history.list_jobs(batch=batch_id)) == 2
