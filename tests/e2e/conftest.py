"""Browser tests: the real dashboard (`streamlit run app.py`) against a real local engine, driven in
Debian's Chromium through Playwright. Screenshots land in artifacts/screenshots/."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Studio:
    url: str
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def start_studio(data_dir: Path, env_overrides: dict[str, str], port: int | None = None) -> Studio:
    """Start `streamlit run app.py` as a real process and wait until it answers its health check."""
    port = port or _free_port()
    env = {**os.environ, **env_overrides, "AVATAR_STUDIO_DATA_DIR": str(data_dir)}
    log_path = data_dir / f"streamlit-{port}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    log = log_path.open("ab")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.port", str(port),
            "--server.address", "127.0.0.1",
            "--server.headless", "true",
            "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false",
        ],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log_path.read_text(errors='replace')}")
        try:
            if requests.get(f"{url}/_stcore/health", timeout=1).text.strip() == "ok":
                return Studio(url, data_dir, env, process, log_path)
        except requests.RequestException:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"streamlit did not become healthy:\n{log_path.read_text(errors='replace')}")


def stop_studio(studio: Studio) -> None:
    studio.process.terminate()
    try:
        studio.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        studio.process.kill()
        studio.process.wait()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make test does)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--autoplay-policy=no-user-gesture-required",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


@pytest.fixture(scope="session")
def studio(engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    """The dashboard wired to the session's real local engine."""
    data_dir = tmp_path_factory.mktemp("studio")
    env = {
        "AVATAR_STUDIO_ENGINE_URL": engine.base_url,
        "AVATAR_STUDIO_ENGINE_KEY": engine.api_key,
        "AVATAR_STUDIO_AUTOREFRESH_MS": "2000",
    }
    running = start_studio(data_dir, env)
    yield running
    stop_studio(running)


def screenshot(page, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit is connected and no script run is in progress (Streamlit's own e2e helper)."""
    page.wait_for_selector("[data-testid=stApp][data-test-connection-state=CONNECTED]", timeout=timeout)
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout)


def keyed(page, key: str):
    """A Streamlit element by its `key` (Streamlit adds the class st-key-<key>)."""
    return page.locator(f".st-key-{key}")


def choose(page, key: str, text: str) -> None:
    """Type into a selectbox / multiselect and take the first matching option."""
    box = keyed(page, key).locator("input").first
    box.click()
    box.fill(text)
    page.get_by_role("option").first.click()
    if keyed(page, key).locator("[data-testid=stMultiSelect]").count():
        page.keyboard.press("Escape")  # a multiselect's menu stays open; in a selectbox Escape would clear it
    wait_for_app(page)


def wait_until(condition, timeout_s: float, what: str) -> None:
    """Poll ``condition`` every half second; fail naming ``what`` after ``timeout_s``."""
    wait_for(condition, timeout_s, what, interval=0.5)


def videos_play(where) -> list[bool]:
    """For every video on the page (or in one area of it, a Locator): decoded data (readyState >= 2) and an
    advancing clock."""
    area = where if hasattr(where, "evaluate") and not hasattr(where, "goto") else where.locator("body")
    return area.evaluate(
        """async area => Promise.all([...area.querySelectorAll('[data-testid=stVideo]')].map(async video => {
            video.muted = true;
            try { await video.play(); } catch (e) { return false; }
            const start = video.currentTime;
            await new Promise(resolve => setTimeout(resolve, 1500));
            return video.readyState >= 2 && video.currentTime > start;
        }))""")


def pick_avatar(page, number: int) -> None:
    """Compose's avatar box: type ``#<number>`` and take the match (avatar names end with their id)."""
    box = keyed(page, "compose_avatar").locator("input").first
    box.click()
    box.press_sequentially(f"#{number}")
    box.press("Enter")
    wait_for_app(page)
    expect(box).to_have_value(re.compile(f"#{number}"))


def name_and_create_experiment(page, name: str, videos: int) -> None:
    """Name the video, check the experiment button counts ``videos``, press it and land on Experiments."""
    field = keyed(page, "compose_name").locator("input")
    field.fill(name)
    field.press("Enter")
    wait_for_app(page)
    expect(keyed(page, "experiment_submit")).to_contain_text(f"{videos} videos")
    keyed(page, "experiment_submit").locator("button").click()
    expect(page.get_by_role("heading", name="Experiments")).to_be_visible(timeout=30_000)
