"""A batch on a billed backend: a row whose answer was lost is unconfirmed, counted honestly, never re-sent by itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.joggai import CreateVideoRequest, errors
from lib.studio import batch, batch_run
from lib.studio.backends import NO_CAPABILITIES, Backend, BackendHealth, Capabilities
from lib.studio.config import StudioConfig
from lib.studio.connection import Connection
from lib.studio.history import JobHistory
from lib.studio.sending import batch_backend_limit
from lib.studio.submission import SubmissionStore, Submitter, Target
from tests.studio.fakes import ScriptedClient

BILLED = Target("cloud", "https://api.example.invalid")


class Clock:
    """Time that moves only when a test says so (no sleeps, no wall clock)."""

    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        self.now += 0.001  # each look moves a little, so the budget loop ends
        return self.now


def five_row_batch(tmp_path: Path) -> tuple[batch.BatchStore, JobHistory, str]:
    history = JobHistory(tmp_path / "history.sqlite3")
    store = batch.BatchStore(history.path)
    plans = [batch.RowPlan(n, {}, CreateVideoRequest(avatar_id=1, voice_id="v", script=f"Row {n}.",
                                                    video_name=f"row {n}"), ()) for n in range(1, 6)]
    return store, history, store.create(plans, backend=BILLED.backend_id, name="five")


def test_a_lost_answer_is_one_unconfirmed_row_not_a_second_video(tmp_path: Path) -> None:
    store, history, batch_id = five_row_batch(tmp_path)
    lost = errors.TimeoutError("no answer within 15 s")  # the backend made (and billed) it anyway
    client = ScriptedClient("v1", "v2", lost, "v4", "v5")
    clock = Clock()
    submitter = Submitter(SubmissionStore(history.path), history, client, BILLED, clock=clock)
    progress = batch_run.submit_due_rows(store, submitter, batch_id=batch_id, backend_limit=None,
                                         budget_seconds=10, clock=clock)
    progress = batch_run.submit_due_rows(store, submitter, batch_id=batch_id, backend_limit=None,
                                         budget_seconds=10, clock=clock)
    assert len(client.calls) == 5  # five rows, five POSTs: the lost one was not sent again
    assert (progress.sent, progress.unconfirmed, progress.unsent) == (4, 1, 0)
    assert batch_run.sending_summary(progress) == "4 of 5 sent, 1 unconfirmed"
    assert store.rows(batch_id)[2].state == "unconfirmed"
    statuses = [row["status"] for row in batch.results_rows(store, batch_id, history.list_jobs(batch=batch_id))]
    assert statuses == ["pending", "pending", "unconfirmed", "pending", "pending"]

    # A restart (fresh stores over the same file) does not send it either.
    restarted = Submitter(SubmissionStore(history.path), history, client, BILLED, clock=clock)
    batch_run.submit_due_rows(batch.BatchStore(history.path), restarted, batch_id=batch_id, backend_limit=None,
                              clock=clock)
    assert len(client.calls) == 5


def test_send_again_goes_with_a_new_key_and_skip_settles_the_row(tmp_path: Path) -> None:
    store, history, batch_id = five_row_batch(tmp_path)
    client = ScriptedClient("v1", errors.ServerError("bad gateway", http_status=502), "v3", "v4",
                            errors.ConnectionError("reset by peer"), "v2-again")
    clock = Clock()
    submitter = Submitter(SubmissionStore(history.path), history, client, BILLED, clock=clock)
    batch_run.submit_due_rows(store, submitter, batch_id=batch_id, backend_limit=None, budget_seconds=10,
                              clock=clock)
    assert [row.state for row in store.rows(batch_id)] == ["sent", "unconfirmed", "sent", "sent", "unconfirmed"]

    batch_run.send_row_again(store, submitter, batch_id, 2)
    batch_run.skip_row(store, submitter, batch_id, 5)
    progress = batch_run.submit_due_rows(store, submitter, batch_id=batch_id, backend_limit=None,
                                         budget_seconds=10, clock=clock)
    assert len(client.calls) == 6
    assert store.rows(batch_id)[1].video_id == "v2-again"
    assert batch_run.sending_summary(progress) == "4 of 5 sent, 1 skipped"
    keys = [intent.idempotency_key for intent in submitter.store.for_origin(submitter.store.get(
        batch.idempotency_key(batch_id, 2)).origin)]
    assert keys == [batch.idempotency_key(batch_id, 2), batch.idempotency_key(batch_id, 2) + "-again-1"]
    assert store.get(batch_id).state == "done"


@pytest.mark.parametrize("error", [errors.InvalidRequestError("avatar_id unknown", param="avatar.avatar_id"),
                                   errors.NotFoundError("no such voice")])
def test_a_refused_row_is_rejected_and_the_rest_go(tmp_path: Path, error) -> None:
    store, history, batch_id = five_row_batch(tmp_path)
    client = ScriptedClient(error, "v2", "v3", "v4", "v5")
    clock = Clock()
    submitter = Submitter(SubmissionStore(history.path), history, client, BILLED, clock=clock)
    progress = batch_run.submit_due_rows(store, submitter, batch_id=batch_id, backend_limit=None,
                                         budget_seconds=10, clock=clock)
    assert batch_run.sending_summary(progress) == "4 of 5 sent, 1 rejected"


def test_no_connection_holds_the_batch_and_the_row_goes_later(tmp_path: Path) -> None:
    store, history, batch_id = five_row_batch(tmp_path)
    client = ScriptedClient(errors.ConnectionError("refused", request_sent=False), "v1")
    clock = Clock()
    submitter = Submitter(SubmissionStore(history.path), history, client, BILLED, clock=clock)
    held = batch_run.submit_due_rows(store, submitter, batch_id=batch_id, backend_limit=None, clock=clock)
    assert held.wait_until is not None and (held.sent, held.unconfirmed) == (0, 0)
    clock.now = held.wait_until + 1
    later = batch_run.submit_due_rows(store, submitter, batch_id=batch_id, backend_limit=None, budget_seconds=10,
                                      clock=clock)
    assert later.sent == 5 and len(client.calls) == 6


def test_a_backend_that_does_not_say_what_it_is_is_paced_like_the_cloud(tmp_path: Path) -> None:
    config = StudioConfig(backend="local", data_dir=tmp_path, autorefresh_ms=3000)
    local = Backend("local", "http://127.0.0.1:9", "key")
    unknown = Connection(config, "local", local, None, BackendHealth(ok=True), NO_CAPABILITIES)
    engine = Connection(config, "local", local, None, BackendHealth(ok=True),
                        Capabilities(frozenset({"idempotency"})))
    assert batch_backend_limit(unknown) == 20 and batch_backend_limit(engine) is None
