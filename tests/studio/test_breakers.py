"""Breakers: no credit or a rejected key stops a batch or an experiment at once; the refused one is not lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.joggai import errors
from lib.joggai.contract import HTTP_STATUS_FOR_CODE, Code
from lib.studio import batch_run, experiment_plans, experiments, queue_states
from lib.studio.history import JobHistory
from lib.studio.submission import SubmissionStore, Submitter
from tests.studio.fakes import ScriptedClient
from tests.studio.test_batch_run import BILLED, Clock, five_row_batch
from tests.studio.test_experiment_submission import BASE

BREAKERS = [errors.InsufficientCreditError("Insufficient credit", code=Code.INSUFFICIENT_CREDIT,
                                           http_status=HTTP_STATUS_FOR_CODE[Code.INSUFFICIENT_CREDIT]),
            errors.AuthenticationError("Invalid API key", code=Code.INVALID_API_KEY,
                                       http_status=HTTP_STATUS_FOR_CODE[Code.INVALID_API_KEY])]


@pytest.mark.parametrize("breaker", BREAKERS, ids=["credit", "key"])
def test_a_breaker_pauses_the_batch_and_its_row_goes_again_after_resume(tmp_path: Path, breaker) -> None:
    store, history, batch_id = five_row_batch(tmp_path)
    client = ScriptedClient("v1", breaker, "v3", "v4", "v5", "v6")
    clock = Clock()
    submitter = Submitter(SubmissionStore(history.path), history, client, BILLED, explain=str, clock=clock)
    progress = batch_run.submit_due_rows(store, submitter, batch_id=batch_id, backend_limit=None,
                                         budget_seconds=10, clock=clock)
    assert len(client.calls) == 2  # row 1 went, row 2 was refused, nothing after it
    assert store.get(batch_id).state == "paused"
    assert breaker.message in progress.message and "resume" in progress.message
    assert store.get(batch_id).last_error == progress.message  # the page shows it on every run
    assert [row.state for row in store.rows(batch_id)] == ["sent", "queued", "queued", "queued", "queued"]

    again = batch_run.submit_due_rows(store, submitter, batch_id=batch_id, backend_limit=None,
                                      budget_seconds=10, clock=clock)
    assert len(client.calls) == 2  # paused: a page run sends nothing
    assert again.message == progress.message

    store.set_state(batch_id, "running")  # the user fixed it and pressed Resume
    done = batch_run.submit_due_rows(store, submitter, batch_id=batch_id, backend_limit=None,
                                     budget_seconds=10, clock=clock)
    assert len(client.calls) == 6
    assert (done.sent, done.rejected, done.unsent) == (5, 0, 0)
    assert [row.video_id for row in store.rows(batch_id)] == ["v1", "v3", "v4", "v5", "v6"]


def test_a_plain_refusal_of_one_row_does_not_pause_the_batch(tmp_path: Path) -> None:
    store, history, batch_id = five_row_batch(tmp_path)
    refused = errors.InvalidRequestError("bad voice", code=Code.PARAMETER_ERROR)
    client = ScriptedClient("v1", refused, "v3", "v4", "v5")
    clock = Clock()
    submitter = Submitter(SubmissionStore(history.path), history, client, BILLED, clock=clock)
    progress = batch_run.submit_due_rows(store, submitter, batch_id=batch_id, backend_limit=None,
                                         budget_seconds=10, clock=clock)
    assert store.get(batch_id).state == "done"
    assert (progress.sent, progress.rejected) == (4, 1)


@pytest.mark.parametrize("breaker", BREAKERS, ids=["credit", "key"])
def test_a_breaker_pauses_an_experiment_and_resume_sends_the_rest(tmp_path: Path, breaker) -> None:
    history = JobHistory(tmp_path / "history.sqlite3")
    store = experiments.ExperimentStore(history.path)
    variants = experiment_plans.plan_variants(BASE, voices=["a", "b", "c", "d"])
    client = ScriptedClient("v-a", breaker, "v-b", "v-c", "v-d")
    submitter = Submitter(SubmissionStore(history.path), history, client, BILLED, explain=str)
    store.create("e1", name="E", backend=BILLED.backend_id, variants=variants)

    outcome = experiments.submit_due_variants(store, submitter, "e1")
    assert len(client.calls) == 2  # c and d were not sent
    assert outcome.stopped and breaker.message in outcome.stopped and "resume" in outcome.stopped
    assert outcome.not_sent == ["b", "c", "d"]  # b made nothing: it goes again after the resume
    assert [job.video_id for job in outcome.jobs] == ["v-a"]
    paused = store.get("e1")
    assert paused.state == queue_states.PAUSED and paused.last_error == outcome.stopped  # the page shows it

    again = experiments.submit_due_variants(store, submitter, "e1")
    assert len(client.calls) == 2 and again.stopped == outcome.stopped  # paused: a pass sends nothing

    store.set_state("e1", queue_states.RUNNING)  # the user fixed it and pressed Resume
    fixed = experiments.submit_due_variants(store, submitter, "e1")
    assert fixed.stopped is None and fixed.errors == []
    assert len(client.calls) == 5  # b, c, d sent now; a not again
    assert [variant.video_id for variant in store.variants("e1")] == ["v-a", "v-b", "v-c", "v-d"]
    assert store.get("e1").state == queue_states.DONE
