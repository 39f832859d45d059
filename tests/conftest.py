"""Fixtures shared by every test area."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from lib.joggai import CreateVideoRequest, JoggAIClient, VideoStatus
from tests.cloud_standin_process import StandIn, start_cloud_standin
from tests.engine_process import EngineProcess, start_engine

STUDIO_ENV = ("AVATAR_STUDIO_ENGINE_URL", "AVATAR_STUDIO_ENGINE_KEY", "AVATAR_STUDIO_DATA_DIR",
              "AVATAR_STUDIO_BACKEND", "JOGGAI_API_KEY", "JOGGAI_BASE_URL", "AVATAR_STUDIO_AUTOREFRESH_MS")


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineProcess]:
    """A real engine process on a random loopback port with a fresh data dir, for the whole session."""
    running = start_engine(tmp_path_factory.mktemp("engine-data"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def engine_client(engine: EngineProcess) -> JoggAIClient:
    """A client for the test engine (to compare the pages with what the engine really serves)."""
    return JoggAIClient(engine.base_url, engine.api_key)


def wait_for(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.2) -> object:
    """Poll ``condition`` until it is truthy (returned) or ``timeout`` seconds pass (AssertionError naming ``what``)."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)
    return value


@pytest.fixture(autouse=True)
def _no_sender_outlives_its_test() -> Iterator[None]:
    # Background senders are process-wide; one left running would keep reading an old test's database.
    yield
    sender_module = sys.modules.get("lib.studio.background_sender")
    if sender_module is not None:
        sender_module.stop_all()


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches() -> Iterator[None]:
    # Streamlit caches outlive AppTest instances within one pytest process; areas that never
    # import Streamlit (engine, render) do not pay for importing it here.
    streamlit = sys.modules.get("streamlit")
    if streamlit is not None:
        streamlit.cache_data.clear()
        streamlit.cache_resource.clear()
    yield


@contextmanager
def environment(values: dict[str, str], *, cleared: Iterable[str] = ()) -> Iterator[None]:
    """Set ``values`` (after removing ``cleared``) in os.environ for the block, then put everything back."""
    names = {*values, *cleared}
    saved = {name: os.environ.get(name) for name in names}
    for name in cleared:
        os.environ.pop(name, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def studio_env(engine: EngineProcess, tmp_path: Path) -> Iterator[Path]:
    """Point the studio at the test engine, with a fresh history dir; yields the data dir."""
    with environment({"AVATAR_STUDIO_ENGINE_URL": engine.base_url, "AVATAR_STUDIO_ENGINE_KEY": engine.api_key,
                      "AVATAR_STUDIO_DATA_DIR": str(tmp_path / "studio")}, cleared=STUDIO_ENV):
        yield tmp_path / "studio"


@pytest.fixture(scope="session")
def finished_video(engine_client: JoggAIClient) -> dict:
    """One short video rendered by the real engine for the whole session: its request and final job."""
    voice = engine_client.list_voices(page_size=1).voices[0]
    avatar = engine_client.list_public_avatars(page_size=1)[0]
    request = CreateVideoRequest(avatar_id=avatar.id, voice_id=voice.voice_id, script="Hello from the studio.",
                                 caption=True, video_name="studio test")
    video_id = engine_client.create_avatar_video(request)
    job = engine_client.wait_for_video(video_id, poll_interval=0.5, timeout=240)
    assert job.status == VideoStatus.COMPLETED, job
    return {"request": request, "job": job, "avatar": avatar, "voice": voice}


@pytest.fixture(scope="session")
def cloud_standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandIn]:
    """The billed-cloud stand-in (tests/cloud_standin.py) as its own process, for the whole session."""
    running = start_cloud_standin(tmp_path_factory.mktemp("cloud-standin"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def cloud(cloud_standin: StandIn) -> StandIn:
    """The session's stand-in, reset to its starting quota and settings with nothing created."""
    cloud_standin.reset()
    return cloud_standin
