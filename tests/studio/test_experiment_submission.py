"""An experiment on a billed backend: a variant whose answer was lost is unconfirmed, never re-sent by itself."""

from __future__ import annotations

from pathlib import Path

from lib.joggai import CreateVideoRequest, errors
from lib.studio import experiment_plans, experiments, queue_states
from lib.studio.history import JobHistory
from lib.studio.submission import Origin, SubmissionStore, Submitter, Target
from tests.studio.fakes import ScriptedClient

BILLED = Target("cloud", "https://api.example.invalid")
BASE = CreateVideoRequest(avatar_id=3, voice_id="a", script="Hello.", video_name="Promo")


def test_a_lost_variant_is_unconfirmed_until_a_person_decides(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "history.sqlite3")
    store = experiments.ExperimentStore(history.path)
    variants = experiment_plans.plan_variants(BASE, voices=["a", "b", "c"])
    client = ScriptedClient("v-a", errors.TimeoutError("no answer within 15 s"), "v-c", "v-b-again")
    submitter = Submitter(SubmissionStore(history.path), history, client, BILLED)

    store.create("e1", name="E", backend=BILLED.backend_id, variants=variants)
    outcome = experiments.submit_due_variants(store, submitter, "e1")
    store.create("e1", name="E", backend=BILLED.backend_id, variants=variants)  # a retried click
    again = experiments.submit_due_variants(store, submitter, "e1")
    assert outcome.unconfirmed == ["b"] and outcome.errors == []
    assert again.unconfirmed == [] and again.jobs == []  # nothing is due: the lost one waits for a person
    assert len(client.calls) == 3  # the retried click made nothing new
    assert store.get("e1").state == queue_states.DONE

    def cells():
        return experiments.compare_cells(store.get("e1"), store.variants("e1"), history.list_jobs(experiment="e1"),
                                         submitter.store.latest("experiment", "e1"))

    assert [cell.unconfirmed for cell in cells()] == [False, True, False]
    assert experiments.experiment_summary(cells()) == "0 of 3 done · 2 running · 1 unconfirmed"

    experiments.send_variant_again(store, submitter, "e1", 1)
    assert len(client.calls) == 3  # a person's click only queues it; the sender sends it
    assert store.get("e1").state == queue_states.RUNNING
    resent = experiments.submit_due_variants(store, submitter, "e1")
    assert [job.video_id for job in resent.jobs] == ["v-b-again"] and len(client.calls) == 4
    assert client.calls[-1] is None  # no header where it means nothing; the store knows it as a new key
    assert [cell.video_id for cell in cells()] == ["v-a", "v-b-again", "v-c"]
    assert len(submitter.store.for_origin(Origin.variant("e1", 1))) == 2


def test_a_skipped_variant_says_so(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "history.sqlite3")
    store = experiments.ExperimentStore(history.path)
    variants = experiment_plans.plan_variants(BASE, voices=["a", "b"])
    client = ScriptedClient(errors.ServerError("bad gateway", http_status=502), "v-b")
    submitter = Submitter(SubmissionStore(history.path), history, client, BILLED)
    store.create("e2", name="E", backend=BILLED.backend_id, variants=variants)
    experiments.submit_due_variants(store, submitter, "e2")
    experiments.skip_variant(store, submitter, "e2", 0)
    cells = experiments.compare_cells(store.get("e2"), store.variants("e2"), history.list_jobs(experiment="e2"),
                                      submitter.store.latest("experiment", "e2"))
    assert experiments.experiment_summary(cells) == "0 of 2 done · 1 running · 1 skipped"
    experiments.submit_due_variants(store, submitter, "e2")
    assert len(client.calls) == 2
