"""Batch logic against real engines: validation, paced sending, resume without duplicates, 429 handling."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.joggai import JoggAIClient
from lib.studio import batch, batch_run
from lib.studio.history import JobHistory
from tests.engine_process import EngineProcess, start_engine
from tests.studio.fakes import engine_submitter

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def catalog(engine_client: JoggAIClient) -> tuple[list, list]:
    return engine_client.all_public_avatars(), engine_client.all_voices()


def csv_bytes(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=batch.TEMPLATE_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def good_row(avatar, voice, n: int, tag: str) -> dict:
    return {"script": f"Row {n}.", "avatar_id": avatar.id, "voice_id": voice.voice_id, "aspect_ratio": "portrait",
            "screen_style": 1, "caption": "false", "video_name": f"{tag} {n}"}


def engine_job_count(engine: EngineProcess, name_prefix: str) -> int:
    """Jobs the engine created whose name starts with the prefix (read from its own database)."""
    with sqlite3.connect(engine.data_dir / "engine.sqlite3") as db:
        rows = db.execute("SELECT request_json FROM jobs").fetchall()
    return sum(f'"video_name": "{name_prefix}' in row[0] for row in rows)


def test_template_round_trips_and_validates(catalog) -> None:
    avatars, voices = catalog
    rows, problem = batch.parse_csv(batch.template_csv(avatars[0].id, voices[0].voice_id))
    assert problem is None and len(rows) == 1
    [plan] = batch.validate_rows(rows, avatars, voices)
    assert plan.valid and plan.request.caption is True and plan.avatar_name == avatars[0].name
    # For a backend that reads ext the template has the product-visual columns too, empty: the row is the same.
    rows, problem = batch.parse_csv(batch.template_csv(avatars[0].id, voices[0].voice_id, with_ext=True))
    assert problem is None and set(batch.EXT_COLUMNS) <= set(rows[0])
    [with_ext] = batch.validate_rows(rows, avatars, voices, ext_allowed=True)
    assert with_ext.valid and with_ext.request == plan.request


def test_every_bad_row_gets_its_own_error(catalog) -> None:
    avatars, voices = catalog
    rows, _ = batch.parse_csv(csv_bytes([
        good_row(avatars[0], voices[0], 1, "v"),
        {**good_row(avatars[0], voices[0], 2, "v"), "avatar_id": "999999"},
        {**good_row(avatars[0], voices[0], 3, "v"), "voice_id": "xx-NoSuchVoice"},
        {**good_row(avatars[0], voices[0], 4, "v"), "script": ""},
        {**good_row(avatars[0], voices[0], 5, "v"), "aspect_ratio": "wide", "caption": "maybe"},
        {**good_row(avatars[0], voices[0], 6, "v"), "avatar_id": "abc"},
    ]))
    plans = batch.validate_rows(rows, avatars, voices)
    assert [plan.valid for plan in plans] == [True, False, False, False, False, False]
    assert "avatar_id 999999 is not in the avatar catalog" in plans[1].errors
    assert any("xx-NoSuchVoice" in error for error in plans[2].errors)
    assert any("voice.script" in error for error in plans[3].errors)
    assert any("aspect_ratio" in error for error in plans[4].errors)
    assert any("caption" in error for error in plans[4].errors)
    assert any("avatar_id must be an integer" in error for error in plans[5].errors)


def test_unreadable_csv_says_why() -> None:
    assert batch.parse_csv(b"name,other\nx,y\n")[1].startswith("The CSV has no column script")
    assert "UTF-8" in batch.parse_csv(b"\xff\xfe\x00bad")[1]


def test_submits_once_and_resumes_an_in_flight_row_with_the_same_key(tmp_path: Path, engine, engine_client,
                                                                     catalog) -> None:
    avatars, voices = catalog
    tag = f"resume-{tmp_path.name}"
    plans = batch.validate_rows(batch.parse_csv(csv_bytes([good_row(avatars[0], voices[0], n, tag)
                                                           for n in range(1, 5)]))[0], avatars, voices)
    history = JobHistory(tmp_path / "history.sqlite3")
    store = batch.BatchStore(history.path)
    batch_id = store.create(plans, backend="local", name=tag)
    assert store.create(plans, backend="local", batch_id=batch_id) == batch_id  # a double click stores it once
    assert len(store.rows(batch_id)) == 4

    # Row 1 goes through; row 2 is "in flight" when the dashboard dies: POSTed, but its id never recorded.
    first = batch_run.submit_due_rows(store, engine_submitter(history, engine_client, engine.base_url),
                                     batch_id=batch_id, backend_limit=None, max_rows=1)
    assert (first.sent, first.unsent) == (1, 3)
    in_flight = store.next_unsent(batch_id)
    store.mark_sending(batch_id, in_flight.row_number, 0.0)
    lost_id = engine_client.create_avatar_video(in_flight.request,
                                                idempotency_key=batch.idempotency_key(batch_id, in_flight.row_number))

    # A fresh store over the same file (the restarted dashboard) finishes the batch.
    resumed = batch.BatchStore(history.path)
    assert resumed.next_unsent(batch_id).row_number == in_flight.row_number
    done = batch_run.submit_due_rows(resumed, engine_submitter(history, engine_client, engine.base_url),
                                     batch_id=batch_id, backend_limit=None, budget_seconds=30)
    assert (done.sent, done.unsent, done.finished_sending) == (4, 0, True)
    assert resumed.get(batch_id).state == "done"
    rows = resumed.rows(batch_id)
    assert rows[in_flight.row_number - 1].video_id == lost_id
    assert len({row.video_id for row in rows}) == 4
    assert engine_job_count(engine, tag) == 4  # the engine made exactly one video per row
    assert {job.video_id for job in history.list_jobs(batch=batch_id)} == {row.video_id for row in rows}

    results = batch.results_rows(resumed, batch_id, history.list_jobs(batch=batch_id))
    parsed = list(csv.DictReader(io.StringIO(batch.results_csv(results).decode())))
    assert [row["row"] for row in parsed] == ["1", "2", "3", "4"]
    assert all(row["video_id"] and row["status"] == "pending" for row in parsed)


def test_pacing_holds_rows_back(tmp_path: Path, engine, engine_client, catalog) -> None:
    avatars, voices = catalog
    plans = batch.validate_rows(batch.parse_csv(csv_bytes([good_row(avatars[1], voices[1], n, "paced")
                                                           for n in range(1, 4)]))[0], avatars, voices)
    history = JobHistory(tmp_path / "history.sqlite3")
    store = batch.BatchStore(history.path)
    batch_id = store.create(plans, backend="local", posts_per_minute=2)
    progress = batch_run.submit_due_rows(store, engine_submitter(history, engine_client, engine.base_url),
                                     batch_id=batch_id, backend_limit=None, budget_seconds=5)
    # Two a minute, spread evenly: the second row waits 30 s after the first, and nothing more was sent.
    assert (progress.sent, progress.unsent) == (1, 2)
    assert progress.wait_until is not None
    assert progress.wait_until - store.rows(batch_id)[0].sent_at == pytest.approx(30)


@pytest.fixture(scope="module")
def rate_limited_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineProcess]:
    """An engine enforcing the cloud's 20 POST/min, so its 429 answers are real."""
    running = start_engine(tmp_path_factory.mktemp("limited-engine"), extra_args=["--rate-limit"])
    try:
        yield running
    finally:
        running.stop()


def test_a_429_holds_the_batch_for_retry_after_and_keeps_the_row(tmp_path: Path, rate_limited_engine,
                                                                 catalog) -> None:
    avatars, voices = catalog
    client = JoggAIClient(rate_limited_engine.base_url, rate_limited_engine.api_key)
    plans = batch.validate_rows(batch.parse_csv(csv_bytes([good_row(avatars[0], voices[0], n, "limited")
                                                           for n in range(1, 23)]))[0], avatars, voices)
    history = JobHistory(tmp_path / "history.sqlite3")
    store = batch.BatchStore(history.path)
    # Pretend the dashboard thinks the backend is unlimited: only the engine's 429 can stop it.
    batch_id = store.create(plans, backend="local")
    progress = batch_run.submit_due_rows(store, engine_submitter(history, client, rate_limited_engine.base_url),
                                     batch_id=batch_id,
                                     backend_limit=None, budget_seconds=60)
    assert (progress.sent, progress.unsent) == (20, 2)
    assert "Rate limited" in (progress.message or "")
    held = store.get(batch_id)
    assert held.state == "running" and held.not_before is not None and progress.wait_until >= held.not_before - 1
    assert store.next_unsent(batch_id).state == "sending"  # row 21 goes again, same key, after the wait
    again = batch_run.submit_due_rows(store, engine_submitter(history, client, rate_limited_engine.base_url),
                                     batch_id=batch_id, backend_limit=None, budget_seconds=5)
    assert (again.sent, again.unsent) == (20, 2)  # still waiting: nothing was sent early
    assert engine_job_count(rate_limited_engine, "limited") == 20
