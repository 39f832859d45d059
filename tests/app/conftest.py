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

from lib.studio import batch
from lib.studio.state import Keys
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


@pytest.fixture
def cloud_studio(studio_env: Path, cloud, monkeypatch: pytest.MonkeyPatch):
    """The studio on the cloud stand-in through the Custom URL profile (no /healthz: no capabilities)."""
    monkeypatch.setenv("AVATAR_STUDIO_BACKEND", "custom")
    monkeypatch.setenv("JOGGAI_BASE_URL", cloud.base_url)
    monkeypatch.setenv("JOGGAI_API_KEY", cloud.api_key)
    monkeypatch.delenv("AVATAR_STUDIO_ENGINE_URL")
    return cloud
