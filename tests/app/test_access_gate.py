"""The gate in app.py: loopback needs nothing; beyond loopback a passcode (or st.login) is asked before
any backend call, wrong passcodes are refused and throttled; with nothing configured only share links
work. Share links open in every case."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit import config as streamlit_config

from lib.studio.history import JobHistory
from lib.studio.nav import PAGES
from lib.studio.share_links import VIDEO, ShareLinks, ShareTarget, load_secret
from lib.studio.state import Keys
from tests.app.conftest import new_app, open_page
from tests.app.test_page_jobs import record_finished

pytestmark = pytest.mark.timeout(180)
PASSCODE = "correct horse battery staple"


@pytest.fixture
def listen_on(request) -> Iterator[None]:
    """Streamlit's server.address for the test (the option the gate reads)."""
    saved = streamlit_config.get_option("server.address")
    streamlit_config.set_option("server.address", request.param)
    yield
    streamlit_config.set_option("server.address", saved)


class CountingListener:
    """A loopback port that only counts connections: the studio pointed here must never call it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


@pytest.fixture
def counting_backend(studio_env: Path) -> Iterator[CountingListener]:
    listener = CountingListener()
    saved = os.environ["AVATAR_STUDIO_ENGINE_URL"]
    os.environ["AVATAR_STUDIO_ENGINE_URL"] = listener.url
    yield listener
    os.environ["AVATAR_STUDIO_ENGINE_URL"] = saved
    listener.sock.close()


def everything_shown(at) -> str:
    return " ".join(str(element.proto) for element in at.main) + " ".join(str(e.proto) for e in at.sidebar)


def shared_video_token(data_dir: Path, engine, finished_video) -> str:
    video_id = record_finished(JobHistory(data_dir / "history.sqlite3"), engine, finished_video)
    links = ShareLinks(data_dir / "history.sqlite3", load_secret(data_dir / "share-secret"))
    return links.create(ShareTarget(VIDEO, "local", video_id), lifetime=3600, allow_download=True).token


@pytest.mark.parametrize("listen_on", ["127.0.0.1"], indirect=True)
def test_loopback_has_no_gate(listen_on, studio_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVATAR_STUDIO_PASSCODE", PASSCODE)  # even with a passcode set: loopback stays open
    at = open_page("compose")
    assert not at.exception
    assert Keys.U_PASSCODE not in [widget.key for widget in at.text_input]
    assert any("healthy" in m.value for m in at.sidebar.markdown)


@pytest.mark.parametrize("listen_on", ["0.0.0.0"], indirect=True)
def test_passcode_gate_refuses_throttles_then_unlocks(listen_on, counting_backend: CountingListener,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVATAR_STUDIO_PASSCODE", PASSCODE)
    at = open_page("compose")
    assert not at.exception
    assert at.text_input(key=Keys.U_PASSCODE).proto.type == at.text_input(key=Keys.U_PASSCODE).proto.PASSWORD
    assert not at.sidebar.children and not at.get("video")
    for attempt in range(3):
        at.text_input(key=Keys.U_PASSCODE).input(f"wrong {attempt}")
        at.button(key=Keys.B_PASSCODE_SUBMIT).click().run()
        assert any("not right" in error.value for error in at.error)
    # The fourth wrong one in a row waits; even the right passcode is not compared until then.
    at.text_input(key=Keys.U_PASSCODE).input(PASSCODE)
    at.button(key=Keys.B_PASSCODE_SUBMIT).click().run()
    [error] = at.error
    assert "Wait 2 seconds" in error.value
    assert at.text_input(key=Keys.U_PASSCODE)  # still the gate
    assert counting_backend.connections == 0, "the gate must not touch the backend"

    fresh = new_app(_next="compose")  # another browser session is not throttled by this one
    fresh.run()
    fresh.text_input(key=Keys.U_PASSCODE).input(PASSCODE)
    fresh.button(key=Keys.B_PASSCODE_SUBMIT).click().run()
    assert not fresh.exception
    assert fresh.session_state[Keys.STUDIO_UNLOCKED] is True
    assert fresh.session_state[Keys.U_PASSCODE] == ""  # the passcode is not kept in the session
    assert "Avatar Studio" in " ".join(m.value for m in fresh.sidebar.markdown)
    assert PASSCODE not in everything_shown(fresh) + everything_shown(at)


@pytest.mark.parametrize("listen_on", ["0.0.0.0"], indirect=True)
@pytest.mark.parametrize("slug", [spec.slug for spec in PAGES if spec.needs_backend])
def test_nothing_configured_shows_only_the_explainer(listen_on, counting_backend: CountingListener,
                                                     slug: str) -> None:
    at = open_page(slug)
    assert not at.exception
    text = " ".join(element.value for element in [*at.markdown, *at.warning])
    assert "AVATAR_STUDIO_PASSCODE" in text and "share links" in text
    assert not at.get("text_input") and not at.get("video") and not at.sidebar.children
    assert not at.get("dataframe") and not at.get("text_area")
    assert counting_backend.connections == 0, "no backend call, not even the sidebar's health check"


@pytest.mark.parametrize("listen_on", ["0.0.0.0"], indirect=True)
def test_login_configured_asks_to_sign_in_and_a_signed_in_user_gets_the_studio(listen_on, studio_env: Path) -> None:
    auth = {"redirect_uri": "http://studio.lan:8501/oauth2callback", "cookie_secret": "s" * 32,
            "client_id": "studio", "client_secret": "x", "server_metadata_url": "https://id.example/.well-known"}
    at = new_app(_next="jobs")
    at.secrets["auth"] = auth
    at.run()
    assert not at.exception
    assert at.button(key=Keys.B_LOGIN).label == "Sign in"
    assert not at.sidebar.children

    signed_in = new_app(_next="jobs")
    signed_in.secrets["auth"] = auth
    signed_in.user = {"is_logged_in": True, "email": "owner@example.org"}
    signed_in.run()
    assert not signed_in.exception
    assert [title.value for title in signed_in.title] == [":material/pending_actions: Jobs"]


@pytest.mark.parametrize("listen_on", ["127.0.0.1", "0.0.0.0"], indirect=True)
@pytest.mark.parametrize("passcode", [PASSCODE, None])
def test_share_links_open_in_every_case(listen_on, studio_env: Path, engine, finished_video, passcode,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    if passcode:
        monkeypatch.setenv("AVATAR_STUDIO_PASSCODE", passcode)
    token = shared_video_token(studio_env, engine, finished_video)
    at = open_page("share", t=token)
    assert not at.exception
    assert len(at.get("video")) == 1
    assert not at.sidebar.children
    assert Keys.U_PASSCODE not in [widget.key for widget in at.text_input]
    assert engine.api_key not in everything_shown(at)


def test_an_unset_address_is_not_trusted_as_loopback() -> None:
    # Streamlit listens on every interface when server.address is unset (a run outside the repo root).
    from lib.studio.access import listens_on_loopback

    assert not listens_on_loopback(None)
    assert not listens_on_loopback("")
    assert not listens_on_loopback("0.0.0.0")
    assert listens_on_loopback("localhost") and listens_on_loopback("127.0.0.1") and listens_on_loopback("::1")
