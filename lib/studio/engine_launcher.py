"""Find the dashboard's local engine, or start it as its own long-lived process.

The engine writes ``DATA_DIR/engine.json`` once it listens; that file plus ``GET /healthz`` is how a
(re)started dashboard finds an engine that outlived it. No Streamlit import here.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from lib.joggai import JoggAIClient, errors

ENGINE_NAME = "avatar-studio-local"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The engine logs to DATA_DIR/engine.log itself; the child's raw stdout/stderr (import errors, crashes
# before logging is set up) goes to a separate file so engine.log has no doubled lines.
CONSOLE_LOG = "engine.console.log"


class EngineLaunchError(RuntimeError):
    """The local engine could not be found or started; the message is meant for the user."""


@dataclass(frozen=True)
class EngineInfo:
    """A running local engine."""

    url: str
    pid: int
    version: str
    data_dir: Path
    api_key: str = field(repr=False)


def probe_engine(url: str, *, timeout: float = 1.0) -> dict | None:
    """Return the engine's ``/healthz`` data when ``url`` is a healthy local engine, else None."""
    try:  # lib.joggai is the one HTTP path to a backend; /healthz needs no key
        data = JoggAIClient(url, "", timeout=timeout, max_retries=0).engine_health()
    except errors.JoggAIError:
        return None
    return data if data.get("status") == "ok" else None


def read_api_key(data_dir: Path) -> str | None:
    """The key the engine wrote on first start, or None if it has not written one yet."""
    try:
        key = (data_dir / "api_key").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return key or None


def find_running_engine(data_dir: Path) -> EngineInfo | None:
    """The engine announced in ``data_dir/engine.json`` if its process is alive and healthy."""
    try:
        announced = json.loads((data_dir / "engine.json").read_text(encoding="utf-8"))
        pid, url = int(announced["pid"]), str(announced["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not psutil.pid_exists(pid):
        return None
    health = probe_engine(url)
    key = read_api_key(data_dir)
    if health is None or key is None:
        return None
    return EngineInfo(url=url, pid=pid, version=str(health.get("version", announced.get("version", ""))),
                      data_dir=data_dir, api_key=key)


def tail_log(data_dir: Path, lines: int = 50) -> list[str]:
    """The last ``lines`` lines of the engine log (or of its console output if there is no log yet)."""
    for name in ("engine.log", CONSOLE_LOG):
        path = data_dir / name
        if path.is_file() and path.stat().st_size:
            with path.open(encoding="utf-8", errors="replace") as handle:
                return [line.rstrip("\n") for line in deque(handle, maxlen=lines)]
    return []


def start_engine(data_dir: Path, *, timeout: float = 60.0) -> EngineInfo:
    """Start ``python -m lib.engine --port 0`` detached from this process and wait until it answers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "lib.engine", "--host", "127.0.0.1", "--port", "0",
               "--data-dir", str(data_dir)]
    with (data_dir / CONSOLE_LOG).open("ab") as console:
        # Its own session: the engine must outlive a dashboard restart (and a Ctrl-C in its terminal).
        child = subprocess.Popen(command, cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL, stdout=console,
                                 stderr=console, start_new_session=True, close_fds=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        engine = find_running_engine(data_dir)
        if engine is not None:
            return engine
        if child.poll() is not None:
            raise EngineLaunchError(
                f"Local engine is not running: it exited during start-up (code {child.returncode}) "
                "— see Settings → engine log")
        time.sleep(0.2)
    raise EngineLaunchError(f"Local engine is not running: it did not answer within {timeout:.0f} s "
                            "— see Settings → engine log")


def ensure_engine(data_dir: Path, *, timeout: float = 60.0) -> EngineInfo:
    """Return the running engine for ``data_dir``, starting one if none answers.

    A lock file makes concurrent dashboards (or sessions) start at most one engine per data dir.
    """
    engine = find_running_engine(data_dir)
    if engine is not None:
        return engine
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EngineLaunchError(f"Local engine is not running: its data dir {data_dir} cannot be created "
                                f"({exc.strerror}) — set AVATAR_STUDIO_DATA_DIR to a writable folder") from None
    with (data_dir / "launch.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            engine = find_running_engine(data_dir)
            return engine if engine is not None else start_engine(data_dir, timeout=timeout)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def stop_engine(engine: EngineInfo, *, timeout: float = 15.0) -> None:
    """Ask the engine to exit (SIGTERM) and wait for it; used by Settings → Restart and by tests."""
    try:
        process = psutil.Process(engine.pid)
        process.terminate()
        process.wait(timeout)
    except psutil.NoSuchProcess:
        return
    except psutil.TimeoutExpired:
        process.kill()
