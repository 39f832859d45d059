"""Start the cloud stand-in (tests/cloud_standin.py) as a real process and steer it: `start_cloud_standin(dir)`."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from lib.joggai import JoggAIClient
from tests.cloud_standin import API_KEY_ENV, CONTROL_PREFIX
from tests.engine_process import read_log, stop_process

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class StandIn:
    """A running stand-in: `base_url` has no /v2 suffix; the key is kept out of every repr."""

    process: subprocess.Popen = field(repr=False)
    base_url: str
    api_key: str = field(repr=False)
    stderr_path: Path = field(repr=False)

    @property
    def v2(self) -> str:
        return self.base_url + "/v2"

    def headers(self, **extra: str) -> dict[str, str]:
        """The auth header (plus any extra headers)."""
        return {"x-api-key": self.api_key, **extra}

    def client(self, **options: Any) -> JoggAIClient:
        """A JoggAIClient for this stand-in; `options` go to the client (timeout=, max_retries=...)."""
        return JoggAIClient(self.base_url, self.api_key, **options)

    def state(self) -> dict[str, Any]:
        """Everything it counted: creates (ordinal, time, body, idempotency_key, video_id, billed, code,
        answer), videos, uploads, remaining_quota, billed_total, posts_in_window, config."""
        return self._control("GET", "state")

    def creates(self) -> list[dict[str, Any]]:
        """Every create request received since the last reset, in order."""
        return self.state()["creates"]

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change settings (see StandInConfig: quota, render_seconds, link_ttl, rate_limit, lose_answers,
        lose_mode, hold_seconds, fail_creates_with, fail_from_create); returns the whole configuration."""
        return self._control("POST", "configure", settings)

    def reset(self) -> None:
        """Forget every create, video, upload and POST; restore the starting configuration and quota."""
        self._control("POST", "reset")

    def log_text(self) -> str:
        """What the stand-in wrote to stderr so far."""
        return read_log(self.stderr_path)

    def stop(self, timeout: float = 10) -> int:
        """SIGTERM and wait; SIGKILL if it does not stop in time. Returns the exit code."""
        return stop_process(self.process, timeout)

    def _control(self, method: str, route: str, body: Any = None) -> Any:
        response = requests.request(method, f"{self.base_url}{CONTROL_PREFIX}/{route}", json=body, timeout=10)
        if response.status_code != 200:
            raise RuntimeError(f"stand-in {route}: HTTP {response.status_code} {response.text}")
        return response.json()


def start_cloud_standin(
    work_dir: Path,
    *,
    api_key: str | None = None,
    quota: float | None = None,
    render_seconds: float | None = None,
    link_ttl: float | None = None,
    timeout: float = 60,
) -> StandIn:
    """Start `python -m tests.cloud_standin` on a free loopback port and wait until it answers."""
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    ready_file = work_dir / "standin.json"
    ready_file.unlink(missing_ok=True)  # one left by a killed stand-in must not be taken for the new one
    stderr_path = work_dir / "standin.stderr.txt"
    api_key = api_key or "standin-" + secrets.token_urlsafe(24)
    args = ["--host", "127.0.0.1", "--port", "0", "--media-dir", str(work_dir / "media"),
            "--ready-file", str(ready_file)]
    for option, value in (("--quota", quota), ("--render-seconds", render_seconds), ("--link-ttl", link_ttl)):
        if value is not None:
            args += [option, str(value)]
    env = dict(os.environ)
    env[API_KEY_ENV] = api_key  # not in argv: argv shows up in ps and in failure messages
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    with open(stderr_path, "ab") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "tests.cloud_standin", *args], cwd=REPO_ROOT, env=env,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"stand-in exited with {process.returncode}:\n{stderr_path.read_text()[-4000:]}")
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"stand-in did not start in {timeout} s:\n{stderr_path.read_text()[-4000:]}")
        try:
            ready = json.loads(ready_file.read_text())
            if ready.get("pid") == process.pid:
                url = ready["url"]
                if requests.get(url + CONTROL_PREFIX + "/state", timeout=2).status_code == 200:
                    break
        except (OSError, ValueError, KeyError, requests.RequestException):
            pass
        time.sleep(0.05)
    return StandIn(process=process, base_url=url, api_key=api_key, stderr_path=stderr_path)
