"""Every Streamlit cache in the dashboard: clients, the local engine, health and catalog fetches.

Catalog caches are keyed by base URL plus a non-secret key fingerprint (the client and key arguments
start with ``_`` so they are never hashed), so one user's catalog is never served for another key.
Job status is never cached.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import streamlit as st

from lib.joggai import JoggAIClient
from lib.studio.attempts import AttemptThrottle
from lib.studio.backends import Backend, BackendHealth, Capabilities, check_health, probe_capabilities
from lib.studio.batch import BatchStore
from lib.studio.engine_launcher import EngineInfo, EngineLaunchError, ensure_engine, probe_engine
from lib.studio.experiments import ExperimentStore
from lib.studio.favourites import FavouritesStore
from lib.studio.history import JobHistory
from lib.studio.inbox_store import InboxStore
from lib.studio.kept_copies import CopyKeeper
from lib.studio.personas import PersonaStore
from lib.studio.pronunciations import PronunciationStore
from lib.studio.reviews import ReviewStore
from lib.studio.share_links import ShareLinks, load_secret
from lib.studio.sqlite_store import SqliteStore
from lib.studio.studio_settings import StudioSettings
from lib.studio.submission import SubmissionStore
from lib.studio.webhook_receiver import WebhookReceiver

_StoreT = TypeVar("_StoreT", bound=SqliteStore)

CATALOG_TTL = "10m"
HEALTH_TTL_SECONDS = 15
CAPABILITIES_TTL = "5m"  # an engine's capabilities change only with its version
FAILED_HEALTH_TTL_SECONDS = 2  # a backend that comes back shows up within a couple of seconds
LAUNCH_RETRY_SECONDS = 30  # after a failed start, don't try again on every rerun


@dataclass(frozen=True)
class LocalEngineStatus:
    """The outcome of finding or starting the local engine."""

    engine: EngineInfo | None
    error: str | None
    checked_at: float


def _engine_status_still_valid(status: LocalEngineStatus) -> bool:
    if status.engine is not None:
        return probe_engine(status.engine.url, timeout=0.5) is not None
    return time.time() - status.checked_at < LAUNCH_RETRY_SECONDS


@st.cache_resource(show_spinner="Starting the local engine…", validate=_engine_status_still_valid)
def local_engine(data_dir: str) -> LocalEngineStatus:
    """The dashboard's own engine (found via engine.json or started); re-checked on every access."""
    try:
        return LocalEngineStatus(ensure_engine(Path(data_dir)), None, time.time())
    except EngineLaunchError as exc:
        return LocalEngineStatus(None, str(exc), time.time())


def forget_local_engine() -> None:
    """Drop the remembered engine state so the next access finds or starts one again."""
    local_engine.clear()


@st.cache_resource(show_spinner=False)
def joggai_client(base_url: str, key_fingerprint: str, _api_key: str) -> JoggAIClient:
    """One thread-safe client per backend URL and key."""
    return JoggAIClient(base_url, _api_key)


@st.cache_resource(show_spinner=False)
def health_client(base_url: str, key_fingerprint: str, _api_key: str) -> JoggAIClient:
    """A client that fails fast (no retries, short timeouts): the health check runs on every page."""
    return JoggAIClient(base_url, _api_key, timeout=(2.0, 5.0), max_retries=0)


def client_for(backend: Backend) -> JoggAIClient:
    """The cached client for a resolved backend."""
    return joggai_client(backend.base_url, backend.key_fingerprint, backend.api_key)


@st.cache_resource(show_spinner=False)
def _store(kind: type[_StoreT], path: str) -> _StoreT:
    # One object per store class and database file in this process: its schema (and migrations) run once.
    return kind(Path(path))


def job_history(path: str) -> JobHistory:
    """The SQLite job history at ``path`` (schema created once per process)."""
    return _store(JobHistory, path)


def batch_store(path: str) -> BatchStore:
    """Batches in the dashboard database at ``path`` (schema created once per process)."""
    return _store(BatchStore, path)


def experiment_store(path: str) -> ExperimentStore:
    """Experiments in the dashboard database at ``path`` (schema created once per process)."""
    return _store(ExperimentStore, path)


def submission_store(path: str) -> SubmissionStore:
    """Submission intents at ``path``; made once per process, so intents older than it were interrupted."""
    return _store(SubmissionStore, path)


def favourites_store(path: str) -> FavouritesStore:
    """Starred avatars and voices in the dashboard database at ``path`` (schema created once per process)."""
    return _store(FavouritesStore, path)


def persona_store(path: str) -> PersonaStore:
    """Saved personas in the dashboard database at ``path`` (schema created once per process)."""
    return _store(PersonaStore, path)


def pronunciation_store(path: str) -> PronunciationStore:
    """The pronunciation lexicon in the dashboard database at ``path`` (schema created once per process)."""
    return _store(PronunciationStore, path)


@st.cache_resource(show_spinner=False)
def share_links(path: str, secret_path: str) -> ShareLinks:
    """Share links in the dashboard database at ``path``, signed with the secret at ``secret_path``."""
    return ShareLinks(Path(path), load_secret(Path(secret_path)))


@st.cache_resource(show_spinner=False)
def account_secret(secret_path: str) -> bytes:
    """The secret behind stored account tags (created on first use)."""
    return load_secret(Path(secret_path))


def review_store(path: str) -> ReviewStore:
    """Approvals and comments from share pages, in the dashboard database at ``path``."""
    return _store(ReviewStore, path)


@st.cache_resource(show_spinner=False)
def media_client(origin: str) -> JoggAIClient:
    """A client without any key, only for downloading media links (they need none) for share pages."""
    return JoggAIClient(origin, "")


@st.cache_resource(show_spinner=False)
def passcode_throttle() -> AttemptThrottle:
    """Wrong passcodes of every session in this process (a script opening new sessions is slowed too)."""
    return AttemptThrottle(free=20, base=1.0, cap=120.0)


@st.cache_data(ttl=HEALTH_TTL_SECONDS, show_spinner=False)
def _checked_health(base_url: str, key_fingerprint: str, _backend: Backend) -> BackendHealth:
    return check_health(health_client(base_url, key_fingerprint, _backend.api_key), _backend)


def backend_health(base_url: str, key_fingerprint: str, backend: Backend) -> BackendHealth:
    """whoami + remaining quota: a healthy answer is reused for 15 s, a failed one for 2 s."""
    health = _checked_health(base_url, key_fingerprint, backend)
    if not health.ok and time.monotonic() - health.checked_at > FAILED_HEALTH_TTL_SECONDS:
        _checked_health.clear(base_url, key_fingerprint, backend)
        health = _checked_health(base_url, key_fingerprint, backend)
    return health


def forget_backend_health() -> None:
    """Settings' "Test connection": ask every backend again on the next run."""
    _checked_health.clear()
    _probed_capabilities.clear()


@st.cache_data(ttl=CAPABILITIES_TTL, show_spinner=False)
def _probed_capabilities(base_url: str, key_fingerprint: str, _backend: Backend) -> tuple[Capabilities, float]:
    return probe_capabilities(health_client(base_url, key_fingerprint, _backend.api_key), _backend), time.monotonic()


def backend_capabilities(backend: Backend) -> Capabilities:
    """What the backend says it honours (its /healthz), per backend; none at all is re-asked after 2 s."""
    capabilities, checked_at = _probed_capabilities(backend.base_url, backend.key_fingerprint, backend)
    if not capabilities.names and backend.kind != "cloud" and \
            time.monotonic() - checked_at > FAILED_HEALTH_TTL_SECONDS:
        _probed_capabilities.clear(backend.base_url, backend.key_fingerprint, backend)
        capabilities, _ = _probed_capabilities(backend.base_url, backend.key_fingerprint, backend)
    return capabilities


@st.cache_data(ttl=CATALOG_TTL, show_spinner="Loading the avatar catalog…")
def public_avatars(base_url: str, key_fingerprint: str, _client: JoggAIClient) -> list:
    """The whole public avatar catalog (pages fetched concurrently by the client)."""
    return _client.all_public_avatars()


@st.cache_data(ttl=CATALOG_TTL, show_spinner=False)
def custom_avatars(base_url: str, key_fingerprint: str, _client: JoggAIClient) -> list:
    """The user's own avatars (first 100)."""
    return _client.list_custom_avatars(page=1, page_size=100)


@st.cache_data(ttl=CATALOG_TTL, show_spinner="Loading voices…")
def voices(base_url: str, key_fingerprint: str, _client: JoggAIClient) -> list:
    """The whole voice catalog."""
    return _client.all_voices()


@st.cache_data(ttl=CATALOG_TTL, show_spinner=False)
def custom_voices(base_url: str, key_fingerprint: str, _client: JoggAIClient) -> list:
    """The user's cloned voices (first 100)."""
    return _client.list_custom_voices(page=1, page_size=100)


@st.cache_data(ttl=CATALOG_TTL, max_entries=64, show_spinner=False)
def preview_media(url: str, max_bytes: int, _client: JoggAIClient) -> bytes:
    """A backend file (cover, uploaded visual) for the layout preview; uploads and covers do not change."""
    return _client.download(url, max_bytes=max_bytes)


def clear_catalog_caches() -> None:
    """Forget catalogs and health, e.g. after the backend or key changed."""
    for cached in (public_avatars, custom_avatars, voices, custom_voices, _checked_health, _probed_capabilities):
        cached.clear()


def inbox_store(path: str) -> InboxStore:
    """The webhook inbox's registrations and deliveries at ``path`` (schema created once per process)."""
    return _store(InboxStore, path)


def studio_settings(path: str) -> StudioSettings:
    """Settings kept in the dashboard database at ``path`` (schema created once per process)."""
    return _store(StudioSettings, path)


def _stop_released_keeper(keeper: CopyKeeper) -> None:
    keeper.stop()


# One copy worker per dashboard process; copies live next to the database, in copies/.
@st.cache_resource(show_spinner=False, on_release=_stop_released_keeper)
def copy_keeper(db_path: str) -> CopyKeeper:
    """The process's kept-copies worker for the dashboard database at ``db_path``, started on first use."""
    return CopyKeeper(job_history(db_path), studio_settings(db_path), Path(db_path).parent / "copies").start()


def _stop_released_inbox(receiver: WebhookReceiver) -> None:
    receiver.stop()


# One webhook receiver per dashboard process, shared by every session; releasing it stops listening.
@st.cache_resource(show_spinner=False, on_release=_stop_released_inbox)
def running_inbox(db_path: str) -> WebhookReceiver:
    """The process's inbox receiver for the dashboard database at ``db_path``, started on first use."""
    return WebhookReceiver(inbox_store(db_path), job_history(db_path), on_applied=copy_keeper(db_path).want).start()


def stop_inbox() -> None:
    """Stop the process's inbox (its deliveries and registrations stay stored)."""
    running_inbox.clear()
