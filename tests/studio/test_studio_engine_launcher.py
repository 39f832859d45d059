"""engine_launcher.py: start the local engine detached, find it again, read its key and log."""

from __future__ import annotations

import os
from pathlib import Path

import psutil
import pytest

from lib.studio.engine_launcher import (
    EngineLaunchError,
    ensure_engine,
    find_running_engine,
    probe_engine,
    stop_engine,
    tail_log,
)

pytestmark = pytest.mark.timeout(180)


def test_starts_once_is_found_again_and_outlives_its_starter(tmp_path: Path) -> None:
    data_dir = tmp_path / "engine"
    assert find_running_engine(data_dir) is None
    engine = ensure_engine(data_dir, timeout=90)
    try:
        assert probe_engine(engine.url)["status"] == "ok"
        assert engine.api_key == (data_dir / "api_key").read_text().strip()
        assert "api_key" not in repr(engine) and engine.api_key not in repr(engine)
        # A second dashboard (or a restarted one) finds the same process instead of starting another.
        again = ensure_engine(data_dir)
        assert (again.pid, again.url) == (engine.pid, engine.url)
        assert os.getsid(engine.pid) != os.getsid(0)  # own session: survives the dashboard's terminal
        assert "lib.engine" in psutil.Process(engine.pid).cmdline()
        assert tail_log(data_dir), "the engine log should have lines"
        assert all(engine.api_key not in line for line in tail_log(data_dir, 500))
    finally:
        stop_engine(engine)
    assert find_running_engine(data_dir) is None


def test_a_stale_engine_file_is_not_trusted(tmp_path: Path) -> None:
    (tmp_path / "engine.json").write_text('{"pid": 999999999, "url": "http://127.0.0.1:9", "version": "x"}')
    (tmp_path / "api_key").write_text("k")
    assert find_running_engine(tmp_path) is None


def test_an_unusable_data_dir_reports_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(EngineLaunchError, match="Local engine is not running"):
        ensure_engine(blocker / "engine", timeout=30)
