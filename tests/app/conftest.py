"""AppTest fixtures; the engine, its client, the studio env (``studio_env``), the finished video and the Streamlit
cache clearing come from tests/conftest.py."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.billed_standin import BilledStandIn
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


@pytest.fixture
def cloud_studio(studio_env: Path, cloud, monkeypatch: pytest.MonkeyPatch):
    """The studio on the cloud stand-in through the Custom URL profile (no /healthz: no capabilities)."""
    monkeypatch.setenv("AVATAR_STUDIO_BACKEND", "custom")
    monkeypatch.setenv("JOGGAI_BASE_URL", cloud.base_url)
    monkeypatch.setenv("JOGGAI_API_KEY", cloud.api_key)
    monkeypatch.delenv("AVATAR_STUDIO_ENGINE_URL")
    return cloud
