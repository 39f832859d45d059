"""Against the cloud stand-in over HTTP (Custom URL backend, billed): a batch started on the page is sent by
the background sender with no page open, two tabs make one sender, and a breaker pauses a batch or an
experiment with its reason until *Resume*. Counts are the stand-in's own (``cloud.creates()``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.joggai.contract import Code
from lib.studio import background_sender, batch
from lib.studio.experiments import PAUSED, ExperimentStore
from lib.studio.state import Keys
from tests.app.conftest import open_page, sender_idle
from tests.cloud_standin_process import StandIn
from tests.conftest import wait_for

pytestmark = pytest.mark.timeout(240)

AVATAR_ID = 81  # "Ava Studio" in the stand-in's catalog
VOICES = ("en-US-JennyNeural", "en-US-ChristopherNeural")


def batch_csv(tag: str, rows: int) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=batch.TEMPLATE_COLUMNS)
    writer.writeheader()
    for n in range(1, rows + 1):
        writer.writerow({"script": f"Row {n}.", "avatar_id": AVATAR_ID, "voice_id": VOICES[0],
                         "aspect_ratio": "portrait", "screen_style": 1, "caption": "false",
                         "video_name": f"{tag} {n}"})
    return out.getvalue()


def start_batch(tag: str, rows: int, *, pace: int = 0) -> tuple[AppTest, str]:
    """The Batch page: paste, confirm the credits, submit; returns the tab and the stored batch's id."""
    at = open_page("batch")
    at.text_area(key=Keys.W_BATCH_TEXT).input(batch_csv(tag, rows)).run()
    if pace:
        at.radio(key=Keys.W_BATCH_PACE).set_value(pace).run()
    at.checkbox(key=Keys.W_BATCH_PREFLIGHT).check().run()
    at.button(key=Keys.B_BATCH_SUBMIT).click().run()
    assert not at.exception
    batch_id = at.query_params["batch"]
    return at, batch_id[0] if isinstance(batch_id, list) else batch_id


def names(cloud: StandIn) -> list[str]:
    return [create["body"]["video_name"] for create in cloud.creates()]


def test_a_batch_started_on_the_page_keeps_sending_with_the_page_gone(cloud_studio: StandIn, tmp_path: Path) -> None:
    at, batch_id = start_batch("gone", 5)
    del at  # the tab is closed: no page run happens from here on
    wait_for(lambda: len(cloud_studio.creates()) >= 5, 60, "five creates")
    sender_idle(tmp_path / "studio", f"custom:{cloud_studio.base_url}")
    assert sorted(names(cloud_studio)) == [f"gone {n}" for n in range(1, 6)]  # exactly five, none twice
    store = batch.BatchStore(tmp_path / "studio" / "history.sqlite3")
    assert store.progress(batch_id).sent == 5 and store.get(batch_id).state == "done"


def test_two_tabs_on_one_batch_make_one_sender_and_no_duplicate(cloud_studio: StandIn, tmp_path: Path) -> None:
    first, batch_id = start_batch("tabs", 4, pace=60)  # one a second: both tabs run while it sends
    second = open_page("batch", batch=batch_id)
    assert not second.exception
    for _ in range(6):
        first.run()
        second.run()
    wait_for(lambda: len(cloud_studio.creates()) >= 4, 60, "four creates")
    backend_id = f"custom:{cloud_studio.base_url}"
    sender_idle(tmp_path / "studio", backend_id)
    first.run()
    second.run()
    assert sorted(names(cloud_studio)) == [f"tabs {n}" for n in range(1, 5)]
    assert [s.backend_id for s in background_sender.senders()] == [backend_id]
    assert batch.BatchStore(tmp_path / "studio" / "history.sqlite3").progress(batch_id).sent == 4


def page_text(at: AppTest) -> str:
    return "\n".join(str(element.value) for element in [*at.warning, *at.caption, *at.info, *at.error])


def test_no_credit_pauses_the_batch_with_its_reason_and_resume_continues(cloud_studio: StandIn,
                                                                         tmp_path: Path) -> None:
    cloud_studio.configure(fail_creates_with=int(Code.INSUFFICIENT_CREDIT), fail_from_create=3)
    at, batch_id = start_batch("breaker", 5)
    wait_for(lambda: len(cloud_studio.creates()) >= 3, 60, "three creates")
    backend_id = f"custom:{cloud_studio.base_url}"
    sender_idle(tmp_path / "studio", backend_id)
    assert [c["code"] for c in cloud_studio.creates()] == [0, 0, Code.INSUFFICIENT_CREDIT]  # nothing after it
    at.run()
    assert not at.exception
    assert any("Paused at row 3" in w.value and "Insufficient credit" in w.value and "resume" in w.value
               for w in at.warning), page_text(at)
    assert at.button(key=Keys.B_BATCH_PAUSE).label == "Resume"
    assert "2 of 5 sent" in [bar.proto.text.split(" · ")[0] for bar in at.get("progress")]
    for _ in range(3):  # page runs (autorefresh) and the sender's own looks send nothing while paused
        at.run()
    sender_idle(tmp_path / "studio", backend_id)
    assert len(cloud_studio.creates()) == 3

    cloud_studio.configure(fail_creates_with=None)  # credits bought
    at.button(key=Keys.B_BATCH_PAUSE).click().run()
    assert not at.exception
    wait_for(lambda: len(cloud_studio.creates()) >= 6, 60, "the rest sent after Resume")
    sender_idle(tmp_path / "studio", backend_id)
    assert names(cloud_studio) == ["breaker 1", "breaker 2", "breaker 3", "breaker 3", "breaker 4", "breaker 5"]
    assert [c["billed"] for c in cloud_studio.creates()] == [1, 1, 0, 1, 1, 1]  # row 3's refusal made nothing
    at.run()
    assert "5 of 5 sent" in [bar.proto.text for bar in at.get("progress")]
    assert batch.BatchStore(tmp_path / "studio" / "history.sqlite3").get(batch_id).state == "done"


def test_a_paused_experiment_says_which_variants_were_not_sent_why_and_what_to_do(cloud_studio: StandIn,
                                                                                  tmp_path: Path) -> None:
    cloud_studio.configure(fail_creates_with=int(Code.INSUFFICIENT_CREDIT), fail_from_create=2)
    at = open_page("avatars")
    at.session_state[Keys.PICKED_AVATAR_ID] = AVATAR_ID
    for key, value in {Keys.W_COMPOSE_EXPERIMENT: True, Keys.W_EXP_VOICES: list(VOICES),
                       Keys.W_COMPOSE_SCRIPT: "Which voice?", Keys.W_COMPOSE_NAME: "paused exp"}.items():
        at.session_state[key] = value
    at.switch_page("pages/compose.py").run()
    at.checkbox(key=Keys.W_EXP_PREFLIGHT).check().run()
    at.button(key=Keys.B_EXP_SUBMIT).click().run()
    assert not at.exception
    [experiment] = ExperimentStore(tmp_path / "studio" / "history.sqlite3").list()
    wait_for(lambda: len(cloud_studio.creates()) >= 2, 60, "two creates")
    sender_idle(tmp_path / "studio", experiment.backend)
    at.switch_page("pages/experiments.py").run()
    assert not at.exception
    assert ExperimentStore(tmp_path / "studio" / "history.sqlite3").get(experiment.experiment_id).state == PAUSED
    text = page_text(at)
    assert "Insufficient credit" in text and "Not sent yet: the experiment is paused" in text
    assert "press *Resume*" in text and "not sent again" in text
    assert at.button(key=Keys.B_EXP_PAUSE).label == "Resume"
    assert len(cloud_studio.creates()) == 2

    cloud_studio.configure(fail_creates_with=None)
    at.button(key=Keys.B_EXP_PAUSE).click().run()
    wait_for(lambda: len(cloud_studio.creates()) >= 3, 60, "the second variant sent after Resume")
    sender_idle(tmp_path / "studio", experiment.backend)
    assert [c["billed"] for c in cloud_studio.creates()] == [1, 0, 1]
    at.switch_page("pages/experiments.py").run()
    assert "Not sent yet" not in page_text(at)
