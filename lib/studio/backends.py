"""The three backend profiles (local engine, JoggAI cloud, custom URL) and their health.

Pure logic: which URL and key a profile uses, how healthy it is (whoami + remaining quota) and how a
failure is explained to the user. No Streamlit import; ``lib.studio.connection`` wires it to a session.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field

from lib.joggai import contract, errors
from lib.studio.config import CLOUD_BASE_URL, StudioConfig
from lib.studio.engine_launcher import EngineInfo, read_api_key

BACKEND_LABELS = {"local": "Local engine", "cloud": "JoggAI cloud", "custom": "Custom URL"}


class BackendUnavailable(RuntimeError):
    """A profile cannot be used as configured; ``message`` says what, ``fix`` says what to do."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


@dataclass(frozen=True)
class Backend:
    """A resolved profile: where to send requests and with which key (never in ``repr``)."""

    kind: str
    base_url: str
    api_key: str = field(repr=False)

    @property
    def backend_id(self) -> str:
        """Stable id stored with each job; the local engine keeps its id across port changes."""
        return f"custom:{self.base_url}" if self.kind == "custom" else self.kind

    @property
    def label(self) -> str:
        """Human name of the profile."""
        return BACKEND_LABELS[self.kind]

    @property
    def key_fingerprint(self) -> str:
        """A non-secret digest of the key, used to keep caches of different keys apart."""
        return key_fingerprint(self.api_key)


@dataclass(frozen=True)
class BackendHealth:
    """Result of the connection check shown in the sidebar."""

    ok: bool
    username: str | None = None
    email: str | None = None
    remaining_quota: float | None = None
    message: str | None = None
    fix: str | None = None
    checked_at: float = field(default_factory=time.monotonic, compare=False)


@dataclass(frozen=True)
class Capabilities:
    """What a backend says it does beyond JoggAI's API; unknown means the cloud's terms.

    Without ``idempotency`` a create whose answer was lost may have made (and billed) a video, so it is
    never sent again without a person asking.
    """

    names: frozenset[str] = frozenset()

    @property
    def idempotency(self) -> bool:
        """The backend answers a repeated Idempotency-Key with the first video instead of a new one."""
        return contract.CAPABILITY_IDEMPOTENCY in self.names

    @property
    def ext(self) -> bool:
        """The backend reads the request object ``ext`` (elsewhere it would be dropped silently)."""
        return contract.CAPABILITY_EXT in self.names

    @property
    def ext_routes(self) -> bool:
        """The backend has the ``/v2/ext/...`` routes."""
        return contract.CAPABILITY_EXT_ROUTES in self.names


NO_CAPABILITIES = Capabilities()


def probe_capabilities(client, backend: Backend) -> Capabilities:
    """The capabilities a local or custom backend lists in its /healthz; the cloud is never asked.

    A failed, missing or odd /healthz is no capabilities: billed, rate-limited, no idempotency.
    """
    if backend.kind == "cloud":
        return NO_CAPABILITIES
    try:
        listed = client.engine_health().get("capabilities")
    except errors.JoggAIError:
        return NO_CAPABILITIES
    if not isinstance(listed, list):
        return NO_CAPABILITIES
    return Capabilities(frozenset(str(name) for name in listed))


def key_fingerprint(api_key: str | None) -> str:
    """First 12 hex digits of the key's SHA-256; reveals nothing usable about the key."""
    return hashlib.sha256((api_key or "").encode()).hexdigest()[:12]


def account_tag(backend: Backend, secret: bytes) -> str:
    """Which account's work this is, stored with batches and experiments so each is sent with its own key.

    Empty for the local engine (one engine, one key). Elsewhere a keyed digest of the API key: the studio's
    secret makes it useless for guessing keys, and the key itself is never stored.
    """
    if backend.kind == "local":
        return ""
    return hmac.new(secret, b"account:" + backend.api_key.encode(), hashlib.sha256).hexdigest()[:16]


def backend_label(backend_id: str) -> str:
    """Human name for a stored backend id (``local``, ``cloud``, ``custom:<url>``)."""
    if backend_id.startswith("custom:"):
        return f"Custom ({backend_id.removeprefix('custom:')})"
    return BACKEND_LABELS.get(backend_id, backend_id)


def resolve_backend(kind: str, config: StudioConfig, *, session_key: str | None = None,
                    custom_url: str | None = None, local_engine: EngineInfo | None = None) -> Backend:
    """The URL and key for profile ``kind``; raises BackendUnavailable with a fix when incomplete.

    A key typed into Settings (``session_key``) wins over JOGGAI_API_KEY / secrets for cloud and custom.
    """
    if kind == "local":
        if config.engine_url:
            key = config.engine_key or read_api_key(config.engine_data_dir)
            if not key:
                raise BackendUnavailable(f"No API key for the engine at {config.engine_url}.",
                                         "Set AVATAR_STUDIO_ENGINE_KEY to the key in the engine's "
                                         "data dir (file api_key).")
            return Backend("local", config.engine_url.rstrip("/"), key)
        if local_engine is None:
            raise BackendUnavailable("Local engine is not running.",
                                     "Open Settings → Local engine to start it and read its log.")
        return Backend("local", local_engine.url, local_engine.api_key)
    key = session_key or config.api_key
    if kind == "cloud":
        url = (config.base_url or CLOUD_BASE_URL).rstrip("/")
    elif kind == "custom":
        url = (custom_url or config.base_url or "").strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise BackendUnavailable("No custom backend URL is set.",
                                     "Enter the URL in Settings → Backend, or set JOGGAI_BASE_URL.")
    else:
        raise BackendUnavailable(f"Unknown backend {kind!r}.", "Choose a backend in Settings.")
    if not key:
        raise BackendUnavailable(f"{BACKEND_LABELS[kind]} needs an API key.",
                                 "Enter your key in Settings (kept for this session only), set "
                                 "JOGGAI_API_KEY, or add it to .streamlit/secrets.toml.")
    return Backend(kind, url, key)


def explain_error(exc: Exception, backend: Backend) -> tuple[str, str]:
    """A user-facing (message, fix) pair for an error talking to ``backend``; never includes the key."""
    message, fix = _explain(exc, backend)
    # Server messages are echoed; make sure none of them can carry the key to the screen.
    return message.replace(backend.api_key, "••••") if backend.api_key else message, fix


def _explain(exc: Exception, backend: Backend) -> tuple[str, str]:
    where = f"{backend.label} at {backend.base_url}"
    if isinstance(exc, errors.AuthenticationError):
        return (f"{where} rejected the API key.",
                "Enter a valid key in Settings" + (" (the engine's key is in its data dir: api_key)."
                                                   if backend.kind == "local" else "."))
    if isinstance(exc, errors.PermissionDeniedError):
        return f"{where}: this key has no API permission.", "Use a key with API access (JoggAI plan)."
    if isinstance(exc, errors.TimeoutError):
        return f"{where} did not answer in time.", "Check that it is running and reachable, then retry."
    if isinstance(exc, errors.ConnectionError | errors.TransportError):
        fix = ("Start it from Settings → Local engine, or run `python -m lib.engine --port 8000 "
               "--data-dir DIR` and point AVATAR_STUDIO_ENGINE_URL at it."
               if backend.kind == "local" else "Check the URL and your network, then retry.")
        return f"{where} is not reachable.", fix
    if isinstance(exc, errors.RateLimitError):
        return f"{where} is rate limiting requests.", "Wait a moment; the tracker slows down by itself."
    if isinstance(exc, errors.APIError):
        return f"{where} answered an error: {exc.message}", "Retry later; see the engine log if it persists."
    if isinstance(exc, errors.JoggAIError):
        return f"{where} sent an unexpected answer.", "Check that the URL points at a JoggAI v2 API."
    return f"{where} failed: {type(exc).__name__}.", "Retry; if it persists, check the logs."


def check_health(client, backend: Backend) -> BackendHealth:
    """Who am I and how much quota is left; any failure becomes an explained unhealthy result."""
    try:
        user = client.whoami()
        quota = client.remaining_quota()
    except errors.JoggAIError as exc:
        message, fix = explain_error(exc, backend)
        return BackendHealth(ok=False, message=message, fix=fix)
    return BackendHealth(ok=True, username=user.username, email=user.email, remaining_quota=quota)
