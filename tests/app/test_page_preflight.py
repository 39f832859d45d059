"""Before several billed videos: the key and quota are checked and a person confirms the credits.

The stand-in (tests/app/billed_standin.py) is billed (no /healthz, no idempotency); its
``remaining_quota`` option makes the account short of credit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.studio import batch
from lib.studio.experiments import ExperimentStore
from lib.studio.state import Keys
from tests.app.billed_standin import BilledStandIn
from tests.app.conftest import composer, open_page, pasted_csv, sender_idle
from tests.conftest import wait_for

pytestmark = pytest.mark.timeout(240)


def errors_on(at) -> str:
    return "\n".join(str(element.value) for element in at.error)


def test_a_billed_batch_waits_for_the_credits_to_be_confirmed(billed: BilledStandIn, studio_env: Path,
                                                              engine_client) -> None:
    at = open_page("batch")
    at.text_area(key=Keys.W_BATCH_TEXT).input(pasted_csv(engine_client, 3)).run()
    assert not at.exception
    box = at.checkbox(key=Keys.W_BATCH_PREFLIGHT)
    assert "Send 3 videos, about 3 credits; 1000000 left" in box.label
    assert at.button(key=Keys.B_BATCH_SUBMIT).disabled
    box.check().run()
    assert not at.button(key=Keys.B_BATCH_SUBMIT).disabled
    assert billed.creates == 0  # ticking the box sends nothing
    at.button(key=Keys.B_BATCH_SUBMIT).click().run()
    assert not at.exception
    assert len(batch.BatchStore(studio_env / "history.sqlite3").list()) == 1


def test_a_billed_batch_short_of_credit_says_so_and_sends_nothing(billed: BilledStandIn, studio_env: Path,
                                                                 engine_client) -> None:
    billed.remaining_quota = 2
    at = open_page("batch")
    at.text_area(key=Keys.W_BATCH_TEXT).input(pasted_csv(engine_client, 3)).run()
    assert not at.exception
    assert "needs about 3 credits, 2 left" in errors_on(at)
    assert at.button(key=Keys.B_BATCH_SUBMIT).disabled
    assert Keys.W_BATCH_PREFLIGHT not in [box.key for box in at.checkbox]
    # Even a request that gets past the button (a stale confirmation, a forged click) is refused.
    at.session_state[Keys.W_BATCH_PREFLIGHT] = True
    at.session_state[Keys.BATCH_SUBMIT_REQUESTED] = True
    at.run()
    assert not at.exception
    assert "needs about 3 credits, 2 left" in errors_on(at)
    assert not batch.BatchStore(studio_env / "history.sqlite3").list()
    assert billed.creates == 0


def billed_experiment(engine_client):
    voices = [voice.voice_id for voice in engine_client.all_voices() if voice.language == "english"][:2]
    at, _, _ = composer(engine_client, **{Keys.W_COMPOSE_EXPERIMENT: True, Keys.W_EXP_VOICES: voices,
                                           Keys.W_COMPOSE_SCRIPT: "Which voice?", Keys.W_COMPOSE_NAME: "preflight exp"})
    return at


def test_a_billed_experiment_waits_for_the_credits_to_be_confirmed(billed: BilledStandIn, studio_env: Path,
                                                                   engine_client) -> None:
    at = billed_experiment(engine_client)
    box = at.checkbox(key=Keys.W_EXP_PREFLIGHT)
    assert "Send 2 videos, about 2 credits; 1000000 left" in box.label
    assert at.button(key=Keys.B_EXP_SUBMIT).disabled
    box.check().run()
    assert billed.creates == 0
    at.button(key=Keys.B_EXP_SUBMIT).click().run()
    assert not at.exception
    # Create experiment only records the variants; the background sender sends them.
    wait_for(lambda: billed.creates >= 2, 60, "both variants sent")
    [experiment] = ExperimentStore(studio_env / "history.sqlite3").list()
    sender_idle(studio_env, experiment.backend)
    assert billed.creates == 2  # and no more, once the sender has nothing left to do
    assert [title.value for title in at.title] == [":material/compare: Experiments"]


def test_a_billed_experiment_short_of_credit_sends_nothing(billed: BilledStandIn, studio_env: Path,
                                                           engine_client) -> None:
    billed.remaining_quota = 1
    at = billed_experiment(engine_client)
    assert "needs about 2 credits, 1 left" in errors_on(at)
    assert at.button(key=Keys.B_EXP_SUBMIT).disabled
    at.session_state[Keys.W_EXP_PREFLIGHT] = True
    at.session_state[Keys.EXPERIMENT_REQUESTED] = True
    at.run()
    assert not at.exception
    assert billed.creates == 0
    assert not ExperimentStore(studio_env / "history.sqlite3").list()
