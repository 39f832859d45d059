"""The active backend for this browser session: which profile, its client, and whether it is healthy.

Used by ``app.py`` (sidebar, banner) and by pages that talk to the backend. A backend that cannot be
reached yields an unhealthy ``Connection`` with a message and a fix, never an exception.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from lib.joggai import CreateVideoRequest, JoggAIClient, VideoJob, Voice, errors
from lib.studio import data
from lib.studio.backend_call import Attempt, attempt
from lib.studio.backends import (
    NO_CAPABILITIES,
    Backend,
    BackendHealth,
    BackendUnavailable,
    Capabilities,
    account_tag,
    explain_error,
    resolve_backend,
)
from lib.studio.batch import BatchStore
from lib.studio.config import StudioConfig, load_config
from lib.studio.experiments import ExperimentStore
from lib.studio.favourites import FavouritesStore
from lib.studio.history import JobHistory, JobUpdate
from lib.studio.inbox_store import Delivery, InboxEndpoint, InboxStore
from lib.studio.kept_copies import CopyKeeper, CopyPolicy, enforce_budget, read_policy, save_policy
from lib.studio.personas import PersonaStore
from lib.studio.polling import poll_due_jobs
from lib.studio.pronunciations import PronunciationStore, said_as
from lib.studio.state import Keys
from lib.studio.submission import Origin, SubmissionOutcome, SubmissionStore, Submitter, Target
from lib.studio.webhook_endpoints import EndpointsView, endpoints_view, reaches_this_machine, register_inbox
from lib.studio.webhook_receiver import WebhookReceiver


@dataclass(frozen=True)
class Connection:
    """What a page needs to talk to the active backend."""

    config: StudioConfig
    kind: str
    backend: Backend | None
    client: JoggAIClient | None
    health: BackendHealth
    capabilities: Capabilities = NO_CAPABILITIES  # unknown: billed, no idempotency, no extensions
    account: str = ""  # whose key this is (backends.account_tag): batches and experiments are sent with it

    @property
    def ok(self) -> bool:
        """True when the backend answered whoami and quota."""
        return self.health.ok and self.client is not None

    def explain(self, exc: Exception) -> str:
        """An error talking to this backend, worded for the user (message and fix, never the key)."""
        assert self.backend is not None
        return " ".join(explain_error(exc, self.backend))


def active_kind(config: StudioConfig) -> str:
    """The profile chosen in Settings, else the configured default."""
    return st.session_state.get(Keys.BACKEND) or config.backend


def current_connection() -> Connection:
    """Resolve, connect and health-check the active backend (each step cached)."""
    config = load_config()
    kind = active_kind(config)
    engine = None
    if kind == "local" and not config.engine_url:
        status = data.local_engine(str(config.engine_data_dir))
        if status.engine is None:
            return Connection(config, kind, None, None, BackendHealth(
                ok=False, message=status.error or "Local engine is not running.",
                fix="Open Settings → Local engine for its log, then press Restart."))
        engine = status.engine
    try:
        backend = resolve_backend(kind, config, session_key=st.session_state.get(Keys.SESSION_API_KEY),
                                  custom_url=st.session_state.get(Keys.CUSTOM_URL), local_engine=engine)
    except BackendUnavailable as exc:
        return Connection(config, kind, None, None, BackendHealth(ok=False, message=exc.message, fix=exc.fix))
    client = data.client_for(backend)
    health = data.backend_health(backend.base_url, backend.key_fingerprint, backend)
    capabilities = data.backend_capabilities(backend) if health.ok else NO_CAPABILITIES
    account = account_tag(backend, data.account_secret(str(config.account_secret_path)))
    return Connection(config, kind, backend, client, health, capabilities, account)


def history(connection: Connection | None = None) -> JobHistory:
    """The job history of this dashboard (works whether or not a backend is reachable).

    Given a healthy connection to the local engine, links recorded under an earlier port are moved
    to the engine's current address first.
    """
    store = data.job_history(str(load_config().history_path))
    # Only an engine that answers at its new address may claim the links.
    if connection is not None and connection.ok and connection.backend.kind == "local":
        store.move_origin(connection.backend.backend_id, connection.backend.base_url)
    return store


def batches() -> BatchStore:
    """The dashboard's CSV batches (same database as the history)."""
    return data.batch_store(str(load_config().history_path))


def experiment_store() -> ExperimentStore:
    """The dashboard's experiments (same database as the history)."""
    return data.experiment_store(str(load_config().history_path))


def submissions() -> SubmissionStore:
    """Every submission intent of this dashboard (same database as the history)."""
    return data.submission_store(str(load_config().history_path))


def submitter(connection: Connection) -> Submitter:
    """The one submission path to the connected backend.

    What a crash left in flight is judged by the backend's background sender, in the one process that
    sends (``lib.studio.background_sender``), not here: another studio process may still be waiting for
    that answer.
    """
    assert connection.backend is not None and connection.client is not None
    return Submitter(submissions(), history(connection), connection.client, target_of(connection),
                     explain=connection.explain, lexicon=pronunciations())


def target_of(connection: Connection) -> Target:
    """Where creates go and what that backend honours (idempotency, ext): the one place a Target is made."""
    backend = connection.backend
    assert backend is not None
    return Target(backend.backend_id, backend.base_url, connection.capabilities.idempotency,
                  ext=connection.capabilities.ext)


def favourites() -> FavouritesStore:
    """The dashboard's starred avatars and voices (same database as the history)."""
    return data.favourites_store(str(load_config().history_path))


def personas() -> PersonaStore:
    """The dashboard's saved personas (same database as the history)."""
    return data.persona_store(str(load_config().history_path))


def pronunciations() -> PronunciationStore:
    """The studio-wide pronunciation lexicon (same database as the history)."""
    return data.pronunciation_store(str(load_config().history_path))


def refresh_active_jobs(connection: Connection) -> list[JobUpdate]:
    """One tracker tick: poll the due, unfinished jobs of the active backend and store the answers."""
    store = history(connection)
    backend, client = connection.backend, connection.client
    if backend is None or client is None or not connection.ok:
        return []  # an unreachable backend would only make every poll wait for its timeout
    updates = poll_due_jobs(store.active_jobs(backend.backend_id),
                            lambda job: client if job.backend == backend.backend_id else None)
    store.apply_updates(updates)
    keeper = copy_keeper()
    keeper.want(updates)  # finished billed videos are copied by the keeper's thread, not in this run
    keeper.offer_download(backend.backend_id, client.download)
    return updates


def copy_keeper() -> CopyKeeper:
    """The process's kept-copies worker (lib.studio.kept_copies)."""
    return data.copy_keeper(str(load_config().history_path))


def copy_policy() -> CopyPolicy:
    """Whether billed videos are copied, and the storage budget (Settings)."""
    return read_policy(data.studio_settings(str(load_config().history_path)))


def copy_usage() -> tuple[int, int]:
    """How many kept copies there are and the bytes they take."""
    return data.job_history(str(load_config().history_path)).kept_usage()


def change_copy_policy(policy: CopyPolicy) -> int:
    """Store the policy and evict at once what no longer fits; returns how many copies were evicted."""
    path = str(load_config().history_path)
    save_policy(data.studio_settings(path), policy)
    return len(enforce_budget(data.job_history(path), policy.budget_bytes))


_CATALOGS = {"public_avatars": data.public_avatars, "custom_avatars": data.custom_avatars,
             "voices": data.voices, "custom_voices": data.custom_voices}


def load_catalog(connection: Connection, name: str) -> Attempt[list]:
    """A cached catalog (``public_avatars``, ``custom_avatars``, ``voices``, ``custom_voices``).

    Its value is ``[]`` when the backend failed, so a page can lay out the empty list beside the problem.
    """
    backend = connection.backend
    return attempt(connection, lambda client: _CATALOGS[name](backend.base_url, backend.key_fingerprint, client),
                   default=[])


def submit_video(connection: Connection, request: CreateVideoRequest, *, idempotency_key: str,
                 avatar_name: str, voice_name: str) -> SubmissionOutcome:
    """Compose's create, through the one submission path (a repeated key is answered from the record)."""
    return submitter(connection).submit(request, key=idempotency_key, origin=Origin.compose(idempotency_key),
                                        avatar_name=avatar_name, voice_name=voice_name)


def upload_file(connection: Connection, filename: str, content: bytes, content_type: str,
                on_progress: Callable[[int, int], None] | None = None) -> Attempt[str]:
    """Two-step upload (voice audio, product visuals) through ``client.assets``; the value is the asset URL."""
    return attempt(connection, lambda client: client.assets.upload(filename, content, content_type,
                                                                   on_progress=on_progress).asset_url)


@dataclass(frozen=True)
class SpeechPreview:
    """What "Hear it first" plays: ``audio_url`` (may be None) and, when it is not the script, why."""

    audio_url: str | None
    note: str | None = None
    is_script: bool = False


def speech_preview(connection: Connection, voice: Voice, script: str) -> SpeechPreview:
    """The script spoken in the voice as a video would say it, lexicon included (a local engine extension);
    elsewhere the voice's sample clip.

    The cloud has no call that speaks a given text before rendering, so it is not even asked.
    """
    backend, client = connection.backend, connection.client
    if backend is None or client is None:
        return SpeechPreview(None, connection.health.message or "No backend is connected.")
    if backend.kind != "cloud":
        said = said_as(script, pronunciations().entries(), ext=connection.capabilities.ext)  # as a video goes
        spoken = attempt(connection, lambda client: client.speech_preview(voice.voice_id, *said))
        if spoken.ok:
            return SpeechPreview(spoken.value.audio_url, is_script=True)
        if not isinstance(spoken.error, errors.NotFoundError):  # NotFound: no extension, use the sample
            return SpeechPreview(None, spoken.problem)
    why = (f"{backend.label} cannot speak your own script before rendering (only the local engine can), "
           f"so this is {voice.name or voice.voice_id}'s sample clip.")
    if not voice.audio_url:
        return SpeechPreview(None, why.replace("so this is", "and there is no sample clip of").rstrip(".") + ".")
    return SpeechPreview(voice.audio_url, why)


def fetch_job(connection: Connection, video_id: str) -> Attempt[VideoJob]:
    """One status request for a video that is not (or not fully) in the history."""
    fetched = attempt(connection, lambda client: client.get_avatar_video(video_id))
    if isinstance(fetched.error, errors.NotFoundError):
        return Attempt(None, fetched.error, f"{connection.backend.label} has no video {video_id!r}.")
    return fetched


def inbox_store() -> InboxStore:
    """The webhook inbox's registrations and deliveries (same database as the history)."""
    return data.inbox_store(str(load_config().history_path))


def ensure_inbox(connection: Connection) -> Attempt[WebhookReceiver]:
    """When the user switched the webhook inbox on: the running receiver, registered on the backend.

    The value is the receiver (None when the inbox is off); a problem says why it is not registered.
    """
    db_path = str(connection.config.history_path)
    if not data.inbox_store(db_path).wanted():
        return Attempt(None)
    receiver = data.running_inbox(db_path)
    backend = connection.backend
    if backend is None or connection.client is None or not connection.ok:
        return Attempt(receiver, problem="No backend is connected, so no endpoint points at the inbox yet.")
    if not reaches_this_machine(backend.base_url):
        return Attempt(receiver, problem=f"{backend.label} is not on this computer and cannot reach an inbox on "
                                         "127.0.0.1; use the local engine to rehearse webhooks.")
    if not receiver.is_registered(backend.backend_id, backend.base_url):
        registered = attempt(connection, lambda client: register_inbox(receiver, client, backend.backend_id,
                                                                      backend.base_url))
        if not registered.ok:
            return Attempt(receiver, registered.error, f"Could not register the inbox: {registered.problem}")
    return Attempt(receiver)


@dataclass(frozen=True)
class WebhookSetup:
    """What Settings shows of webhooks: the backend's endpoints, the inbox and its own endpoint."""

    view: EndpointsView
    inbox: Attempt[WebhookReceiver]
    registration: InboxEndpoint | None


def webhook_setup(connection: Connection) -> WebhookSetup:
    """The endpoints and the inbox; an inbox whose endpoint was deleted on the backend registers again."""
    view = endpoints_view(connection)
    inbox = ensure_inbox(connection)
    registration = _registration(connection, inbox.value)
    if registration and not view.problem and registration.endpoint_id not in {e.endpoint_id for e in view.endpoints}:
        inbox.value.forget_registration(registration.backend)
        inbox = ensure_inbox(connection)
        registration = _registration(connection, inbox.value)
        view = endpoints_view(connection)
    return WebhookSetup(view, inbox, registration)


def _registration(connection: Connection, receiver: WebhookReceiver | None) -> InboxEndpoint | None:
    if receiver is None or connection.backend is None:
        return None
    return receiver.store.endpoint_for(connection.backend.backend_id)


def start_inbox_for(connection: Connection) -> Attempt[WebhookReceiver]:
    """Switch the inbox on (remembered across restarts) and register it on the connected backend."""
    data.inbox_store(str(connection.config.history_path)).set_wanted(True)
    return ensure_inbox(connection)


def switch_inbox_off(db_path: Path) -> None:
    """Stop the receiver and remember it is off (its endpoint stays registered, deliveries fail)."""
    data.inbox_store(str(db_path)).set_wanted(False)
    data.stop_inbox()


def replay_delivery(db_path: Path, delivery_id: int) -> Delivery:
    """Verify a stored delivery again and, if valid, apply it again (the receiver need not be listening)."""
    path = str(db_path)
    return WebhookReceiver(data.inbox_store(path), data.job_history(path),
                           on_applied=data.copy_keeper(path).want).replay(delivery_id)
