"""The dashboard (app.py under AppTest) against a backend that fails on purpose, then recovers.

A scripted loopback proxy sits between the studio and the real test engine. Each mode is one kind of
trouble: stopped, slow (answers after the health client's 5 s read timeout), 429, 500, or 200 with a
body that is not JSON. The studio must show a clear banner, raise nothing, keep its job history, never
show the key, and become healthy again by itself once the proxy passes requests through again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib.studio.history import JobHistory
from tests.engine_process import EngineProcess

pytestmark = pytest.mark.timeout(180)

APP = str(Path(__file__).resolve().parents[2] / "app.py")
SLOW_SECONDS = 6.5  # longer than the health client's 5 s read timeout (lib/studio/data.py)
STUDIO_ENV = ("AVATAR_STUDIO_ENGINE_URL", "AVATAR_STUDIO_ENGINE_KEY", "AVATAR_STUDIO_DATA_DIR",
              "AVATAR_STUDIO_BACKEND", "JOGGAI_API_KEY", "JOGGAI_BASE_URL", "AVATAR_STUDIO_AUTOREFRESH_MS")


class FaultyProxy:
    """Forwards to `target` in mode "pass"; otherwise answers with the mode's fault."""

    def __init__(self, target: str, port: int = 0) -> None:
        self.target = target
        self.mode = "pass"
        self.seen: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, status: int, body: bytes, content_type: str = "application/json",
                        headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length", "0") or 0)
                body = self.rfile.read(length) if length else b""
                mode = proxy.mode
                proxy.seen.append(f"{mode} {self.command} {self.path}")
                if mode == "slow":
                    time.sleep(SLOW_SECONDS)
                elif mode == "429":
                    return self._answer(429, b'{"code": 429, "msg": "slow down", "data": {"retryAfter": 1}}',
                                        headers={"Retry-After": "1"})
                elif mode == "500":
                    return self._answer(500, b'{"code": 50000, "msg": "scripted failure", "data": null}')
                elif mode == "malformed":
                    return self._answer(200, b"<html>not json {", "text/html")
                forwarded = requests.request(
                    self.command, proxy.target + self.path, data=body, timeout=30, allow_redirects=False,
                    headers={k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")})
                self._answer(forwarded.status_code, forwarded.content,
                             forwarded.headers.get("content-type", "application/json"))

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(engine: EngineProcess) -> Iterator[FaultyProxy]:
    running = FaultyProxy(engine.base_url)
    yield running
    running.close()


@pytest.fixture
def studio(engine: EngineProcess, proxy: FaultyProxy, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The studio pointed at the proxy, with a fresh history dir; yields the history path."""
    for name in STUDIO_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AVATAR_STUDIO_ENGINE_URL", proxy.url)
    monkeypatch.setenv("AVATAR_STUDIO_ENGINE_KEY", engine.api_key)
    monkeypatch.setenv("AVATAR_STUDIO_DATA_DIR", str(tmp_path / "studio"))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield tmp_path / "studio" / "history.sqlite3"
    st.cache_data.clear()
    st.cache_resource.clear()


def record_real_job(engine: EngineProcess, proxy: FaultyProxy, history_path: Path) -> str:
    """A real video on the engine, recorded in the studio history as if submitted through the proxy."""
    payload = {"avatar": {"avatar_id": 81, "avatar_type": 0}, "aspect_ratio": "square",
               "voice": {"type": "script", "voice_id": "en-US-ChristopherNeural", "script": "History survives."}}
    answer = requests.post(engine.v2 + "/create_video_from_avatar", headers=engine.headers(), json=payload,
                           timeout=30).json()
    video_id = answer["data"]["video_id"]
    JobHistory(history_path).record_submission(backend="local", base_url=proxy.url, video_id=video_id,
                                               request=payload, name="kept through faults", next_poll_at=0)
    return video_id


def page_text(at: AppTest) -> str:
    """Every text the user can read on the page and in the sidebar."""
    parts: list[str] = []
    for kind in ("error", "warning", "info", "success", "markdown", "caption", "code", "text", "title",
                 "header", "subheader", "exception"):
        for element in getattr(at, kind):
            parts.append(str(getattr(element, "value", "")))
    for kind in ("markdown", "caption"):
        for element in getattr(at.sidebar, kind):
            parts.append(str(element.value))
    return "\n".join(parts)


def open_studio(slug: str = "jobs") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    if slug != "avatars":
        at.switch_page(f"pages/{slug}.py").run()
    return at


@pytest.mark.parametrize(("mode", "banner"), [
    ("500", "answered an error: scripted failure"),
    ("429", "is rate limiting requests"),
    ("malformed", "sent an unexpected answer"),
    ("slow", "did not answer in time"),
])
def test_a_failing_backend_shows_a_clear_banner_and_keeps_history(engine, proxy, studio, mode, banner):
    video_id = record_real_job(engine, proxy, studio)
    proxy.mode = mode
    for slug in ("jobs", "avatars"):
        at = open_studio(slug)
        assert not at.exception, at.exception
        errors = " ".join(error.value for error in at.error)
        assert banner in errors and proxy.url in errors, (mode, errors)
        assert engine.api_key not in page_text(at)
    [job] = JobHistory(studio).list_jobs()
    assert (job.video_id, job.name) == (video_id, "kept through faults")
    assert job.status not in ("failed",), job  # a backend fault is not the video's failure


def sidebar_text(at: AppTest) -> str:
    return " ".join([m.value for m in at.sidebar.markdown] + [c.value for c in at.sidebar.caption])


def rerun_until_healthy(at: AppTest, timeout: float = 40) -> None:
    """Rerun the same session (as the auto-refresh does) until the banner is gone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        at.run()
        assert not at.exception, at.exception
        if not at.error and "healthy" in sidebar_text(at):
            return
        time.sleep(1)
    raise AssertionError(f"still unhealthy after {timeout} s: {[e.value for e in at.error]}")


def test_the_same_session_recovers_when_the_backend_returns(engine, proxy, studio):
    video_id = record_real_job(engine, proxy, studio)
    port = proxy.port
    proxy.close()  # the backend stops
    at = open_studio("jobs")
    assert not at.exception
    assert "is not reachable" in " ".join(error.value for error in at.error)
    assert len(JobHistory(studio).list_jobs()) == 1

    # It comes back on the same port: the same session turns healthy by itself and the tracker
    # finishes the job.
    back = FaultyProxy(engine.base_url, port=port)
    try:
        rerun_until_healthy(at)
        deadline = time.monotonic() + 120
        while JobHistory(studio).get("local", video_id).status != "completed" and time.monotonic() < deadline:
            at.run()
            time.sleep(1)
        assert JobHistory(studio).get("local", video_id).status == "completed"
        assert len(JobHistory(studio).list_jobs()) == 1
        assert engine.api_key not in page_text(at)
    finally:
        back.close()
