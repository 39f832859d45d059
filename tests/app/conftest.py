"""AppTest fixtures; the engine, its client, the studio env (``studio_env``), the finished video and the Streamlit
cache clearing come from tests/conftest.py."""

from __future__ import annotations

import csv
import io
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.studio import background_sender, batch
from lib.studio.experiments import ExperimentStore
from lib.studio.history import JobHistory
from lib.studio.state import Keys
from tests.app.billed_standin import BilledStandIn
from tests.cloud_standin_process import StandIn
from tests.conftest import STUDIO_ENV, environment, wait_for
from tests.engine_process import EngineProcess

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def closed_port_env(studio_env: Path) -> Iterator[str]:
    """The studio pointed at a loopback port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    saved = os.environ["AVATAR_STUDIO_ENGINE_URL"]
    os.environ["AVATAR_STUDIO_ENGINE_URL"] = f"http://127.0.0.1:{port}"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        os.environ["AVATAR_STUDIO_ENGINE_URL"] = saved


def new_app(**query_params: str) -> AppTest:
    """The studio entrypoint under AppTest, run once (``run()`` before any ``switch_page``)."""
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in query_params.items():
        at.query_params[name] = value
    return at


def open_page(slug: str, **query_params: str) -> AppTest:
    """The studio with ``slug`` loaded the way a browser deep link does it."""
    at = new_app(**query_params)
    at.run()
    if slug != "avatars":
        at.switch_page(f"pages/{slug}.py").run()
    return at


@pytest.fixture
def billed(studio_env: Path, engine: EngineProcess) -> Iterator[BilledStandIn]:
    """The studio pointed at a billed stand-in in front of the test engine (no idempotency, lost answers)."""
    stand_in = BilledStandIn(engine.base_url)
    saved = os.environ["AVATAR_STUDIO_ENGINE_URL"]
    os.environ["AVATAR_STUDIO_ENGINE_URL"] = stand_in.url
    try:
        yield stand_in
    finally:
        os.environ["AVATAR_STUDIO_ENGINE_URL"] = saved
        stand_in.close()


def composer(engine_client, **seed):
    """The composer with the first avatar and voice handed over, as the other pages do; ``seed`` sets
    more session state first. Returns ``(at, avatar, voice)``."""
    avatar = engine_client.list_public_avatars(page_size=1)[0]
    voice = engine_client.list_voices(page_size=1).voices[0]
    at = open_page("avatars")
    at.session_state[Keys.PICKED_AVATAR_ID] = avatar.id
    at.session_state[Keys.PICKED_VOICE_ID] = voice.voice_id
    for key, value in seed.items():
        at.session_state[key] = value
    at.switch_page("pages/compose.py").run()
    assert not at.exception
    return at, avatar, voice


def pasted_csv(engine_client, rows: int, bad: dict[int, dict] | None = None, *, tag: str = "page batch") -> str:
    """A batch CSV of ``rows`` valid rows named "<tag> N"; ``bad`` overrides columns of chosen rows."""
    avatar = engine_client.list_public_avatars(page_size=1)[0]
    voice = engine_client.list_voices(page_size=1).voices[0]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=batch.TEMPLATE_COLUMNS)
    writer.writeheader()
    for n in range(1, rows + 1):
        writer.writerow({"script": f"{tag.capitalize()} {n}.", "avatar_id": avatar.id, "voice_id": voice.voice_id,
                         "aspect_ratio": "portrait", "screen_style": 1, "caption": "no",
                         "video_name": f"{tag} {n}", **(bad or {}).get(n, {})})
    return out.getvalue()


def sent_experiment(data_dir: Path, variants: int, backend_id: str = "local"):
    """The one experiment in the studio's history and its jobs, once the background sender has sent its
    ``variants`` (Create experiment only records them) and has nothing more due."""
    history = JobHistory(data_dir / "history.sqlite3")
    [experiment] = ExperimentStore(history.path).list()
    wait_for(lambda: len(history.list_jobs(experiment=experiment.experiment_id)) >= variants, 120,
             f"{variants} variants sent")
    sender_idle(data_dir, backend_id)
    return experiment, history.list_jobs(experiment=experiment.experiment_id)


def sender_idle(data_dir: Path, backend_id: str, timeout: float = 60) -> background_sender.BackgroundSender:
    """The studio's sender of ``backend_id``, once it has nothing due right now (it was started by a page run)."""
    sender = background_sender.running_sender(data_dir / "history.sqlite3", backend_id)
    assert sender is not None, f"no sender for {backend_id} was started"
    assert sender.wait_idle(timeout), f"the {backend_id} sender did not settle in {timeout} s"
    return sender


@pytest.fixture
def cloud_studio(cloud: StandIn, tmp_path: Path) -> Iterator[StandIn]:
    """The studio on the Custom URL backend pointed at the cloud stand-in (billed, no idempotency), fresh data dir."""
    with environment({"AVATAR_STUDIO_BACKEND": "custom", "JOGGAI_BASE_URL": cloud.base_url,
                      "JOGGAI_API_KEY": cloud.api_key, "AVATAR_STUDIO_DATA_DIR": str(tmp_path / "studio")},
                     cleared=STUDIO_ENV):
        yield cloud