"""Start the local engine as a real process for tests: `start_engine(data_dir)`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[1]



def read_log(path: Path) -> str:
    """What a test server process wrote to its log file so far ("" before it exists)."""
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def stop_process(process: subprocess.Popen, timeout: float) -> int:
    """SIGTERM and wait; SIGKILL if it does not stop in time. Returns the exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    return process.returncode

@dataclass
class EngineProcess:
    """A running engine: `base_url` has no /v2 suffix; `api_key` is read from its data dir."""

    process: subprocess.Popen
    base_url: str
    api_key: str
    data_dir: Path
    stderr_path: Path
    _stopped: bool = field(default=False, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def v2(self) -> str:
        return self.base_url + "/v2"

    def headers(self, **extra: str) -> dict[str, str]:
        """The auth header (plus any extra headers)."""
        return {"x-api-key": self.api_key, **extra}

    def log_text(self) -> str:
        """What the engine wrote to stderr so far."""
        return read_log(self.stderr_path)

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM and wait; SIGKILL if it does not stop in time. Returns the exit code."""
        self._stopped = True
        return stop_process(self.process, timeout)

    def kill(self) -> None:
        """SIGKILL: the engine gets no chance to clean up."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self._stopped = True


def start_engine(
    data_dir: Path,
    *,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> EngineProcess:
    """Start `python -m lib.engine` on a free loopback port and wait until /healthz answers."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    state_file = data_dir / "engine.json"
    # A state file left by a killed engine must not be mistaken for the new one.
    state_file.unlink(missing_ok=True)
    stderr_path = data_dir / "engine.stderr.txt"
    proc_env = dict(os.environ)
    proc_env.update(env or {})
    proc_env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + proc_env.get("PYTHONPATH", "")
    with open(stderr_path, "ab") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "lib.engine", "--host", "127.0.0.1", "--port", "0",
             "--data-dir", str(data_dir), *extra_args],
            cwd=REPO_ROOT, env=proc_env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
        )
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"engine exited with {process.returncode}:\n{stderr_path.read_text()[-4000:]}")
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"engine did not start in {timeout} s:\n{stderr_path.read_text()[-4000:]}")
        try:
            state = json.loads(state_file.read_text())
            if state.get("pid") == process.pid:
                url = state["url"]
                if requests.get(url + "/healthz", timeout=2).status_code == 200:
                    break
        except (OSError, ValueError, KeyError, requests.RequestException):
            pass
        time.sleep(0.05)
    api_key = (data_dir / "api_key").read_text().strip()
    return EngineProcess(process=process, base_url=url, api_key=api_key, data_dir=data_dir,
                         stderr_path=stderr_path)
