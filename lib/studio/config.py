"""Dashboard configuration: the only module that reads environment variables and ``st.secrets``.

Environment variables win over ``.streamlit/secrets.toml``; a missing secrets file is normal.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
import streamlit as st

CLOUD_BASE_URL = "https://api.jogg.ai"
DEFAULT_AUTOREFRESH_MS = 3000
BACKEND_KINDS = ("local", "cloud", "custom")


@dataclass(frozen=True)
class StudioConfig:
    """Settings read once per run; the API key is kept out of ``repr`` so it never lands in a log."""

    backend: str
    data_dir: Path
    autorefresh_ms: int
    base_url: str | None = None
    engine_url: str | None = None
    # Where colleagues' browsers reach the local engine (sharing); None: derived from the browser's host.
    engine_public_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    engine_key: str | None = field(default=None, repr=False)
    # Access beyond loopback (lib.studio.access): Streamlit's server.address, a passcode, st.login.
    server_address: str | None = None
    passcode: str | None = field(default=None, repr=False)
    login_configured: bool = False

    @property
    def engine_data_dir(self) -> Path:
        """Where the dashboard keeps (or finds) its own local engine."""
        return self.data_dir / "engine"

    @property
    def history_path(self) -> Path:
        """The SQLite job history."""
        return self.data_dir / "history.sqlite3"

    @property
    def share_secret_path(self) -> Path:
        """The key that signs share links (mode 0600, created on first use)."""
        return self.data_dir / "share-secret"

    @property
    def account_secret_path(self) -> Path:
        """The key that makes stored account tags (``backends.account_tag``) unguessable; mode 0600."""
        return self.data_dir / "account-secret"

    @property
    def share_cache_dir(self) -> Path:
        """Copies of shared videos and captions that Streamlit serves from its own port."""
        return self.data_dir / "share-cache"


def _secret(name: str) -> str | None:
    # Without any secrets file even `in`/`.get` raise StreamlitSecretNotFoundError (a FileNotFoundError).
    try:
        value = st.secrets.get(name)
    except (FileNotFoundError, KeyError):
        return None
    return str(value) if value not in (None, "") else None


def _setting(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or _secret(name)


def _login_configured() -> bool:
    # st.login needs an [auth] section with at least a client id (flat, or per provider).
    try:
        auth = st.secrets.get("auth")
    except (FileNotFoundError, KeyError):
        return False
    if not hasattr(auth, "get"):
        return False
    return bool(auth.get("client_id")) or any(hasattr(value, "get") and value.get("client_id")
                                              for value in auth.values())


def _server_address() -> str | None:
    # Streamlit's own option (config.toml, --server.address or STREAMLIT_SERVER_ADDRESS).
    value = st.get_option("server.address")
    return str(value).strip() or None if value is not None else None


def load_config() -> StudioConfig:
    """Read the dashboard settings from the environment, then from ``st.secrets``."""
    backend = (_setting("AVATAR_STUDIO_BACKEND") or "local").lower()
    if backend not in BACKEND_KINDS:
        backend = "local"
    data_dir = Path(_setting("AVATAR_STUDIO_DATA_DIR") or platformdirs.user_data_dir("avatar-studio"))
    try:
        autorefresh_ms = max(500, int(_setting("AVATAR_STUDIO_AUTOREFRESH_MS") or DEFAULT_AUTOREFRESH_MS))
    except ValueError:
        autorefresh_ms = DEFAULT_AUTOREFRESH_MS
    return StudioConfig(
        backend=backend,
        data_dir=data_dir.expanduser(),
        autorefresh_ms=autorefresh_ms,
        base_url=_setting("JOGGAI_BASE_URL"),
        engine_url=_setting("AVATAR_STUDIO_ENGINE_URL"),
        engine_public_url=_setting("AVATAR_STUDIO_ENGINE_PUBLIC_URL"),
        api_key=_setting("JOGGAI_API_KEY"),
        engine_key=_setting("AVATAR_STUDIO_ENGINE_KEY"),
        server_address=_server_address(),
        passcode=os.environ.get("AVATAR_STUDIO_PASSCODE") or _secret("passcode"),
        login_configured=_login_configured(),
    )
