"""Fixtures shared by every test area."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.engine_process import EngineProcess, start_engine


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineProcess]:
    """A real engine process on a random loopback port with a fresh data dir, for the whole session."""
    running = start_engine(tmp_path_factory.mktemp("engine-data"))
    try:
        yield running
    finally:
        running.stop()
