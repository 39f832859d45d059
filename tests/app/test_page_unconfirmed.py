"""On a billed backend a create whose answer was lost is shown as unconfirmed, with Send again and Skip.

The stand-in (tests/app/billed_standin.py) lets the engine make the video but answers 502, as a cloud
might after billing it; it has no /healthz and drops Idempotency-Key, so the studio knows no capabilities.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.studio import batch
from lib.studio.experiments import ExperimentStore
from lib.studio.history import JobHistory
from lib.studio.state import Keys, unconfirmed_key
from tests.app.billed_standin import BilledStandIn
from tests.app.conftest import composer, open_page, pasted_csv, sender_idle
from tests.conftest import wait_for

pytestmark = pytest.mark.timeout(240)



def warnings(at) -> str:
    return "\n".join(str(element.value) for element in at.warning)


def lose_one_compose_answer(billed: BilledStandIn, engine_client):
    at, _, _ = composer(engine_client, **{Keys.W_COMPOSE_SCRIPT: "Billed once, answer lost.",
                                    Keys.W_COMPOSE_NAME: "unconfirmed compose"})
    billed.lose_answers = 1
    at.button(key=Keys.B_COMPOSE_SUBMIT).click().run()
    assert not at.exception
    assert billed.creates == 1
    assert "Unconfirmed" in warnings(at) and "billed" in warnings(at)
    assert at.button(key=unconfirmed_key("compose", "again")).disabled  # not without its confirmation
    return at


def test_compose_shows_unconfirmed_and_send_again_needs_its_confirmation(billed: BilledStandIn, studio_env: Path,
                                                                         engine_client) -> None:
    at = lose_one_compose_answer(billed, engine_client)
    assert not at.get("button") or Keys.B_COMPOSE_SUBMIT not in [b.key for b in at.button]  # no blind re-click
    assert not JobHistory(studio_env / "history.sqlite3").list_jobs()

    at.checkbox(key=unconfirmed_key("compose", "confirm")).check().run()
    assert not at.button(key=unconfirmed_key("compose", "again")).disabled
    assert billed.creates == 1  # ticking the box sends nothing
    at.button(key=unconfirmed_key("compose", "again")).click().run()
    assert not at.exception
    assert billed.creates == 2  # a person asked for the second video
    assert len(set(billed.seen_keys)) == 1 and billed.seen_keys[0] is None  # no header where it means nothing
    [job] = JobHistory(studio_env / "history.sqlite3").list_jobs()
    assert job.name == "unconfirmed compose"
    assert [title.value for title in at.title] == [":material/pending_actions: Jobs"]


def test_a_second_lost_answer_needs_a_second_confirmation(billed: BilledStandIn, studio_env: Path,
                                                          engine_client) -> None:
    at = lose_one_compose_answer(billed, engine_client)
    billed.lose_answers = 1
    at.checkbox(key=unconfirmed_key("compose", "confirm")).check().run()
    at.button(key=unconfirmed_key("compose", "again")).click().run()
    assert not at.exception
    assert billed.creates == 2 and "Unconfirmed" in warnings(at)
    assert not at.checkbox(key=unconfirmed_key("compose", "confirm")).value  # one tick confirms one decision
    assert at.button(key=unconfirmed_key("compose", "again")).disabled


def test_compose_skip_leaves_it_and_sends_nothing(billed: BilledStandIn, studio_env: Path, engine_client) -> None:
    at = lose_one_compose_answer(billed, engine_client)
    at.button(key=unconfirmed_key("compose", "skip")).click().run()
    assert not at.exception
    assert billed.creates == 1
    assert any("Skipped" in str(element.value) for element in at.success)
    assert at.button(key=Keys.B_COMPOSE_SUBMIT)  # the composer is back for a new video



def test_a_batch_row_whose_answer_was_lost_is_unconfirmed_with_both_actions(billed: BilledStandIn, studio_env: Path,
                                                                            engine_client) -> None:
    at = open_page("batch")
    at.text_area(key=Keys.W_BATCH_TEXT).input(pasted_csv(engine_client, 3, tag="billed batch")).run()
    at.checkbox(key=Keys.W_BATCH_PREFLIGHT).check().run()  # three billed videos: the credits are confirmed
    billed.lose_answers = 1  # the first row's create is made, and its answer lost
    at.button(key=Keys.B_BATCH_SUBMIT).click().run()
    history = JobHistory(studio_env / "history.sqlite3")
    [stored] = batch.BatchStore(history.path).list()
    backend_id = stored.backend
    wait_for(lambda: not batch.BatchStore(history.path).progress(stored.batch_id).unsent, 120, "every row sent once")
    sender_idle(studio_env, backend_id)
    at.run()
    assert not at.exception
    assert billed.creates == 3  # three rows, three creates: the lost one was not sent again
    page = "\n".join(str(element.value) for element in [*at.markdown, *at.caption, *at.warning])
    assert "Unconfirmed" in page and "billed" in page
    progress = batch.BatchStore(history.path).progress(stored.batch_id)
    assert (progress.sent, progress.unconfirmed) == (2, 1)
    assert "2 of 3 sent, 1 unconfirmed" in [bar.proto.text for bar in at.get("progress")]  # never "3 of 3 sent"
    assert at.button(key=unconfirmed_key("batch", "again", 1)).disabled
    assert at.button(key=unconfirmed_key("batch", "skip", 1))

    sender_idle(studio_env, backend_id)
    assert billed.creates == 3  # page runs and the sender's looks send nothing more by themselves
    at.checkbox(key=unconfirmed_key("batch", "confirm", 1)).check().run()
    at.button(key=unconfirmed_key("batch", "again", 1)).click().run()
    assert not at.exception
    wait_for(lambda: batch.BatchStore(history.path).progress(stored.batch_id).sent == 3, 60, "the row sent again")
    sender_idle(studio_env, backend_id)
    assert billed.creates == 4
    assert batch.BatchStore(history.path).progress(stored.batch_id).sent == 3


def test_an_experiment_variant_whose_answer_was_lost_is_unconfirmed(billed: BilledStandIn, studio_env: Path,
                                                                    engine_client) -> None:
    voices = [voice.voice_id for voice in engine_client.all_voices() if voice.language == "english"][:2]
    at, _, _ = composer(engine_client, **{Keys.W_COMPOSE_EXPERIMENT: True, Keys.W_EXP_VOICES: voices,
                                    Keys.W_COMPOSE_SCRIPT: "Which voice?", Keys.W_COMPOSE_NAME: "billed exp"})
    at.checkbox(key=Keys.W_EXP_PREFLIGHT).check().run()  # two billed videos: the credits are confirmed
    billed.lose_answers = 1
    at.button(key=Keys.B_EXP_SUBMIT).click().run()
    assert not at.exception
    assert [title.value for title in at.title] == [":material/compare: Experiments"]
    [experiment] = ExperimentStore(studio_env / "history.sqlite3").list()
    wait_for(lambda: billed.creates >= 2, 60, "both variants sent")
    sender_idle(studio_env, experiment.backend)
    at.switch_page("pages/experiments.py").run()
    assert billed.creates == 2
    assert "Unconfirmed" in warnings(at) and "billed" in warnings(at)
    assert any("1 unconfirmed" in str(caption.value) for caption in at.caption)
    assert at.button(key=unconfirmed_key("experiment", "again", 0)).disabled
    at = open_page("experiments", experiment=experiment.experiment_id)  # the link, opened again
    assert "Unconfirmed" in warnings(at)
    at.button(key=unconfirmed_key("experiment", "skip", 0)).click().run()
    assert not at.exception
    sender_idle(studio_env, experiment.backend)
    assert billed.creates == 2
    assert any("1 skipped" in str(caption.value) for caption in at.caption)
