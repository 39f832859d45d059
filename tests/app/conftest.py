"""AppTest fixtures; the engine, its client, the studio env (``studio_env``), the finished video and the Streamlit
cache clearing come from tests/conftest.py."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.studio import background_sender
from tests.app.billed_standin import BilledStandIn
from tests.cloud_standin_process import StandIn
from tests.conftest import STUDIO_ENV
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


def sender_idle(data_dir: Path, backend_id: str, timeout: float = 60) -> background_sender.BackgroundSender:
    """The studio's sender of ``backend_id``, once it has nothing due right now (it was started by a page run)."""
    sender = background_sender.running_sender(data_dir / "history.sqlite3", backend_id)
    assert sender is not None, f"no sender for {backend_id} was started"
    assert sender.wait_idle(timeout), f"the {backend_id} sender did not settle in {timeout} s"
    return sender


@pytest.fixture
def cloud_studio(cloud: StandIn, tmp_path: Path) -> Iterator[StandIn]:
    """The studio on the Custom URL backend pointed at the cloud stand-in (billed, no idempotency), fresh data dir."""
    saved = {name: os.environ.get(name) for name in STUDIO_ENV}
    for name in STUDIO_ENV:
        os.environ.pop(name, None)
    os.environ.update(AVATAR_STUDIO_BACKEND="custom", JOGGAI_BASE_URL=cloud.base_url, JOGGAI_API_KEY=cloud.api_key,
                      AVATAR_STUDIO_DATA_DIR=str(tmp_path / "studio"))
    try:
        yield cloud
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
