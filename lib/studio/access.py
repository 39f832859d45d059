"""Who may use the studio: its owner on loopback, or beyond it only after a passcode or ``st.login``.

The studio spends credits with the configured key, shows the history and manages the engine, so when
Streamlit listens on anything but loopback (``server.address``) every studio page asks first:

- a passcode (``AVATAR_STUDIO_PASSCODE`` or ``passcode`` in secrets.toml), asked once per browser
  session, compared in constant time, with wrong attempts throttled per session and per process;
- or Streamlit's own OIDC login (``st.login``) when ``[auth]`` is configured in secrets.toml.

With neither, only share links work and every other page explains how to set a passcode. ``app.py``
calls ``studio_access()`` before it touches any backend; share links (``/share?t=…``) never need it.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass
from enum import Enum

import streamlit as st

from lib.studio import data
from lib.studio.attempts import AttemptThrottle
from lib.studio.config import StudioConfig, load_config
from lib.studio.sharing import is_loopback_host
from lib.studio.state import Keys


class Access(Enum):
    """What this browser session may see of the studio."""

    OPEN = "open"  # loopback, or unlocked by passcode or login
    LOCKED = "locked"  # beyond loopback, passcode and/or login available but not given yet
    CLOSED = "closed"  # beyond loopback with neither configured: share links only


def listens_on_loopback(address: str | None) -> bool:
    """True when ``server.address`` is ``localhost``, 127.0.0.0/8 or ``::1``.

    Unset is *not* loopback: Streamlit then listens on every interface (a run started outside the repo
    root misses our config.toml), so the studio asks for the passcode rather than trust it.
    """
    return bool(address) and is_loopback_host(address)


def passcode_matches(given: str, expected: str) -> bool:
    """Constant-time comparison of digests (so neither length nor content leaks through timing)."""
    return hmac.compare_digest(hashlib.sha256(given.encode()).digest(),
                               hashlib.sha256(expected.encode()).digest())


@dataclass(frozen=True)
class PasscodeAttempt:
    """The outcome of one passcode attempt: unlocked, or a message (and how long to wait)."""

    unlocked: bool
    message: str = ""
    wait_seconds: float = 0.0


def _session_throttle() -> AttemptThrottle:
    return st.session_state.setdefault(Keys.PASSCODE_THROTTLE, AttemptThrottle())


def try_passcode(given: str, expected: str, *, session: AttemptThrottle, process: AttemptThrottle,
                 now: float) -> PasscodeAttempt:
    """Check one attempt against both throttles; a throttled attempt is not even compared."""
    wait = max(session.wait_seconds(now), process.wait_seconds(now))
    if wait > 0:
        seconds = math.ceil(wait)
        return PasscodeAttempt(False, f"Too many wrong passcodes. Wait {seconds} second{'s' * (seconds != 1)} "
                              "and try again.", wait)
    if given and passcode_matches(given, expected):
        session.reset()
        return PasscodeAttempt(True)
    session.record_failure(now)
    process.record_failure(now)
    return PasscodeAttempt(False, "That passcode is not right.")


def studio_access(config: StudioConfig | None = None) -> Access:
    """This session's access to the studio pages (no backend is touched)."""
    config = config or load_config()
    if listens_on_loopback(config.server_address) or st.session_state.get(Keys.STUDIO_UNLOCKED):
        return Access.OPEN
    if config.login_configured and st.user.get("is_logged_in"):
        return Access.OPEN
    if config.passcode or config.login_configured:
        return Access.LOCKED
    return Access.CLOSED


def _submit_passcode() -> None:
    session = st.session_state
    given = session.get(Keys.U_PASSCODE) or ""
    session[Keys.U_PASSCODE] = ""  # never kept in the session beyond this check
    expected = load_config().passcode
    if not expected:
        return
    attempt = try_passcode(given, expected, session=_session_throttle(),
                           process=data.passcode_throttle(), now=time.monotonic())
    session[Keys.STUDIO_UNLOCKED] = attempt.unlocked
    session[Keys.PASSCODE_NOTICE] = attempt.message or None


def draw_gate(access: Access, config: StudioConfig | None = None) -> None:
    """The only thing a locked or closed studio shows in place of a page."""
    config = config or load_config()
    st.title(":material/lock: Avatar Studio")
    if access is Access.CLOSED:
        st.warning("This studio is served on the network without a passcode, so only **share links** "
                   "work here.", icon=":material/lock:")
        st.markdown(
            "To use the studio from another computer, its owner sets a passcode and restarts it:\n\n"
            "- `AVATAR_STUDIO_PASSCODE=… streamlit run app.py --server.address 0.0.0.0`, or\n"
            "- `passcode = \"…\"` in `.streamlit/secrets.toml` (see `secrets.toml.example`), or\n"
            "- an `[auth]` section in secrets.toml to sign in with Streamlit's login (OIDC).\n\n"
            "On `localhost` the studio needs none of this.")
        return
    st.caption("The studio is served on the network. Its owner keeps it locked.")
    if config.passcode:
        with st.form("passcode_form", border=True):
            st.text_input("Passcode", type="password", key=Keys.U_PASSCODE, autocomplete="current-password")
            st.form_submit_button("Unlock", key=Keys.B_PASSCODE_SUBMIT, type="primary",
                                  icon=":material/lock_open:", on_click=_submit_passcode)
        if notice := st.session_state.pop(Keys.PASSCODE_NOTICE, None):
            st.error(notice, icon=":material/block:")
    if config.login_configured:
        st.button("Sign in", key=Keys.B_LOGIN, icon=":material/login:", on_click=st.login)
