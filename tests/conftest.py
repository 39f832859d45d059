"""Fixtures shared by every test area."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cloud_standin_process import StandIn, start_cloud_standin
from tests.engine_process import EngineProcess, start_engine


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineProcess]:
    """A real engine process on a random loopback port with a fresh data dir, for the whole session."""
    running = start_engine(tmp_path_factory.mktemp("engine-data"))
    try:
        yield running
    finally:
        running.stop()


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
