"""AppTest fixtures; the engine, its client and the studio env (``studio_env``) come from tests/conftest.py."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib.joggai import CreateVideoRequest, JoggAIClient
from tests.app.billed_standin import BilledStandIn
from tests.engine_process import EngineProcess

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches() -> Iterator[None]:
    # Streamlit caches outlive AppTest instances within one pytest process.
    st.cache_data.clear()
    st.cache_resource.clear()
    yield


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


@pytest.fixture(scope="session")
def finished_video(engine_client: JoggAIClient) -> dict:
    """One short video rendered by the real engine for the whole session: its request and final job."""
    voice = engine_client.list_voices(page_size=1).voices[0]
    avatar = engine_client.list_public_avatars(page_size=1)[0]
    request = CreateVideoRequest(avatar_id=avatar.id, voice_id=voice.voice_id, script="Hello from the studio.",
                                 caption=True, video_name="studio test")
    video_id = engine_client.create_avatar_video(request)
    job = engine_client.wait_for_video(video_id, poll_interval=0.5, timeout=240)
    assert job.status.value == "completed", job
    return {"request": request, "job": job, "avatar": avatar, "voice": voice}


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
