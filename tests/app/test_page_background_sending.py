"""Against the cloud stand-in over HTTP (Custom URL backend, billed): a batch started on the page is sent by
the background sender with no page open, two tabs make one sender, and a breaker pauses a batch or an
experiment with its reason until *Resume*. Counts are the stand-in's own (``cloud.creates()``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.joggai import CreateVideoRequest
from lib.joggai.contract import Code
from lib.studio import background_sender, batch, experiment_plans
from lib.studio.experiments import ExperimentStore
from lib.studio.queue_states import PAUSED
from lib.studio.state import Keys
from tests.app.conftest import new_app, open_page, sender_idle
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


SECOND_KEY = "second-person-key"  # another person's account on the same cloud


def tab_with_key(slug: str, key: str, **query_params: str) -> AppTest:
    """A tab whose session entered ``key`` in Settings (kept for the session only)."""
    at = new_app(**query_params)
    at.session_state[Keys.SESSION_API_KEY] = key
    at.run()
    at.switch_page(f"pages/{slug}.py").run()
    assert not at.exception
    return at


def test_a_second_persons_key_never_pays_for_the_first_persons_batch(cloud_studio: StandIn, tmp_path: Path) -> None:
    cloud_studio.configure(second_account_key=SECOND_KEY)
    first, first_batch = start_batch("first", 4, pace=60)  # one a second: the second person arrives meanwhile
    second = tab_with_key("batch", SECOND_KEY)
    second.text_area(key=Keys.W_BATCH_TEXT).input(batch_csv("second", 2)).run()
    second.checkbox(key=Keys.W_BATCH_PREFLIGHT).check().run()
    second.button(key=Keys.B_BATCH_SUBMIT).click().run()
    for _ in range(4):  # both people keep their pages open while the sender works
        first.run()
        second.run()
    wait_for(lambda: len(cloud_studio.creates()) >= 6, 60, "six creates")
    sender_idle(tmp_path / "studio", f"custom:{cloud_studio.base_url}")
    paid_by = {create["body"]["video_name"]: create["account"] for create in cloud_studio.creates()}
    assert paid_by == {**{f"first {n}": "first" for n in range(1, 5)}, **{f"second {n}": "second" for n in (1, 2)}}
    assert batch.BatchStore(tmp_path / "studio" / "history.sqlite3").progress(first_batch).sent == 4


def test_after_a_restart_another_key_sends_nothing_until_its_person_takes_the_batch_over(
        cloud_studio: StandIn, tmp_path: Path) -> None:
    cloud_studio.configure(second_account_key=SECOND_KEY)
    backend_id = f"custom:{cloud_studio.base_url}"
    _, batch_id = start_batch("restart", 5, pace=6)  # one every 10 s: most of it is left at the restart
    wait_for(lambda: len(cloud_studio.creates()) >= 1, 60, "the first create")
    background_sender.stop_all()  # the studio restarts: the first person's key is gone with the process
    sent_before = len(cloud_studio.creates())
    assert sent_before < 5

    other = tab_with_key("batch", SECOND_KEY, batch=batch_id)
    sender_idle(tmp_path / "studio", backend_id)
    other.run()
    assert any("different API key" in info.value for info in other.info)
    assert not any("done sending in" in bar.proto.text for bar in other.get("progress"))  # no ETA: it waits
    assert len(cloud_studio.creates()) == sent_before  # the new sender had the second key and sent nothing
    store = batch.BatchStore(tmp_path / "studio" / "history.sqlite3")
    assert store.get(batch_id).state == "running" and store.progress(batch_id).unsent == 5 - sent_before

    other.button(key=Keys.B_TAKE_OVER).click().run()  # the second person chooses to pay for the rest
    assert not other.exception
    wait_for(lambda: store.progress(batch_id).unsent == 0, 120, "the rest of the batch sent")
    sender_idle(tmp_path / "studio", backend_id)
    creates = cloud_studio.creates()
    assert len(creates) == 5
    assert [c["account"] for c in creates] == ["first"] * sent_before + ["second"] * (5 - sent_before)
    other.run()
    assert not any("different API key" in info.value for info in other.info)


def test_an_experiment_of_a_key_not_here_waits_until_someone_takes_it_over(cloud_studio: StandIn,
                                                                           tmp_path: Path) -> None:
    cloud_studio.configure(second_account_key=SECOND_KEY)
    backend_id = f"custom:{cloud_studio.base_url}"
    store = ExperimentStore(tmp_path / "studio" / "history.sqlite3")
    base = CreateVideoRequest(avatar_id=AVATAR_ID, voice_id=VOICES[0], script="Which voice?", video_name="left")
    # Recorded as Create experiment records it, by a session whose key this process has not seen.
    store.create("left-behind", name="Left behind", backend=backend_id, account="0123456789abcdef",
                 variants=experiment_plans.plan_variants(base, voices=list(VOICES)))
    at = tab_with_key("experiments", SECOND_KEY, experiment="left-behind")
    sender_idle(tmp_path / "studio", backend_id)
    at.run()
    assert "no session with that key has connected" in page_text(at)
    assert "Waiting to be sent" not in page_text(at) and "see the note above" in page_text(at)
    assert cloud_studio.creates() == []
    at.button(key=Keys.B_TAKE_OVER).click().run()
    assert not at.exception
    wait_for(lambda: len(cloud_studio.creates()) >= 2, 60, "both variants sent")
    sender_idle(tmp_path / "studio", backend_id)
    assert [c["account"] for c in cloud_studio.creates()] == ["second", "second"]
    assert store.get("left-behind").account != "0123456789abcdef"
