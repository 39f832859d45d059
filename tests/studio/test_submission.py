"""The one submission path: its five outcomes on a billed and an idempotent backend, and crash recovery."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from lib.joggai import CreateVideoRequest, JoggAIClient, errors
from lib.studio.backends import Backend, probe_capabilities
from lib.studio.history import JobHistory
from lib.studio.submission import (
    Origin,
    OutcomeKind,
    SubmissionStore,
    Submitter,
    Target,
    new_key,
)
from tests.engine_process import EngineProcess
from tests.studio.fakes import ScriptedClient

pytestmark = pytest.mark.timeout(120)

REQUEST = CreateVideoRequest(avatar_id=1, voice_id="v", script="Hello.")
BILLED = Target("cloud", "https://api.example.invalid")
IDEMPOTENT = Target("local", "http://127.0.0.1:9", idempotent=True)


def submitter(tmp_path: Path, client, target: Target, store: SubmissionStore | None = None) -> Submitter:
    history = JobHistory(tmp_path / "history.sqlite3")
    return Submitter(store or SubmissionStore(history.path), history, client, target, clock=lambda: 1000.0)


UNCONFIRMED_ERRORS = [
    errors.TimeoutError("no answer within 15 s"),
    errors.ConnectionError("connection reset by peer"),
    errors.ServerError("boom", http_status=502),
    errors.MalformedResponseError("not an envelope"),
]


@pytest.mark.parametrize("target", [BILLED, IDEMPOTENT], ids=["billed", "idempotent"])
def test_accepted_is_recorded_in_the_history_and_never_sent_twice(tmp_path: Path, target: Target) -> None:
    client = ScriptedClient("vid-1")
    flow = submitter(tmp_path, client, target)
    first = flow.submit(REQUEST, key="k1", origin=Origin.compose("c1"), avatar_name="Ava", voice_name="Guy")
    again = flow.submit(REQUEST, key="k1", origin=Origin.compose("c1"))
    assert first.kind is again.kind is OutcomeKind.ACCEPTED
    assert first.job.video_id == again.video_id == "vid-1" and first.job.avatar_name == "Ava"
    assert first.job.next_poll_at is not None
    assert len(client.calls) == 1  # the second click was answered from the stored intent
    assert client.calls == (["k1"] if target.idempotent else [None])  # the header only where it means something


@pytest.mark.parametrize("target", [BILLED, IDEMPOTENT], ids=["billed", "idempotent"])
def test_refused_names_the_field_and_nothing_is_recorded(tmp_path: Path, target: Target) -> None:
    refusal = errors.InvalidRequestError("voice.script is required", param="voice.script", http_status=400)
    flow = submitter(tmp_path, ScriptedClient(refusal, "vid-2"), target)
    outcome = flow.submit(REQUEST, key="k2", origin=Origin.compose("c1"))
    assert outcome.kind is OutcomeKind.REFUSED and outcome.field == "voice.script" and outcome.request_problem
    assert "voice.script" in outcome.reason and flow.history.list_jobs() == []
    assert flow.submit(REQUEST, key="k2", origin=Origin.compose("c1")).accepted  # nothing was made: safe to send


@pytest.mark.parametrize("target", [BILLED, IDEMPOTENT], ids=["billed", "idempotent"])
def test_an_account_refusal_is_not_blamed_on_the_request(tmp_path: Path, target: Target) -> None:
    flow = submitter(tmp_path, ScriptedClient(errors.InsufficientCreditError("no credit", code=18020)), target)
    outcome = flow.submit(REQUEST, key="k3", origin=Origin.compose("c1"))
    assert outcome.kind is OutcomeKind.REFUSED and not outcome.request_problem


@pytest.mark.parametrize("target", [BILLED, IDEMPOTENT], ids=["billed", "idempotent"])
def test_rate_limited_carries_retry_after_and_may_be_sent_later(tmp_path: Path, target: Target) -> None:
    client = ScriptedClient(errors.RateLimitError("slow down", retry_after=7.0, http_status=429), "vid-3")
    flow = submitter(tmp_path, client, target)
    outcome = flow.submit(REQUEST, key="k4", origin=Origin.compose("c1"))
    assert outcome.kind is OutcomeKind.RATE_LIMITED and outcome.retry_after == 7.0
    assert flow.submit(REQUEST, key="k4", origin=Origin.compose("c1")).video_id == "vid-3"
    assert len(client.calls) == 2


@pytest.mark.parametrize("target", [BILLED, IDEMPOTENT], ids=["billed", "idempotent"])
def test_a_connection_never_made_is_not_sent_not_unconfirmed(tmp_path: Path, target: Target) -> None:
    refused = errors.ConnectionError("connection refused", request_sent=False)
    flow = submitter(tmp_path, ScriptedClient(refused, "vid-4"), target)
    assert flow.submit(REQUEST, key="k5", origin=Origin.compose("c1")).kind is OutcomeKind.NOT_SENT
    assert flow.submit(REQUEST, key="k5", origin=Origin.compose("c1")).accepted


@pytest.mark.parametrize("error", UNCONFIRMED_ERRORS, ids=lambda exc: type(exc).__name__)
def test_on_a_billed_backend_an_unconfirmed_create_is_never_sent_again_by_itself(tmp_path: Path, error) -> None:
    client = ScriptedClient(error, "vid-5")
    flow = submitter(tmp_path, client, BILLED)
    outcome = flow.submit(REQUEST, key="k6", origin=Origin.batch_row("b1", 3))
    assert outcome.kind is OutcomeKind.UNCONFIRMED and outcome.reason
    assert flow.submit(REQUEST, key="k6", origin=Origin.batch_row("b1", 3)).unconfirmed
    assert len(client.calls) == 1
    assert flow.store.get("k6").state == "unconfirmed"


@pytest.mark.parametrize("error", UNCONFIRMED_ERRORS, ids=lambda exc: type(exc).__name__)
def test_on_an_idempotent_backend_an_unconfirmed_create_goes_again_with_its_key(tmp_path: Path, error) -> None:
    client = ScriptedClient(error, "vid-6")
    flow = submitter(tmp_path, client, IDEMPOTENT)
    assert flow.submit(REQUEST, key="k7", origin=Origin.compose("c1")).unconfirmed
    assert flow.submit(REQUEST, key="k7", origin=Origin.compose("c1")).video_id == "vid-6"
    assert client.calls == ["k7", "k7"]


def test_send_again_uses_a_new_key_and_skip_is_final(tmp_path: Path) -> None:
    client = ScriptedClient(errors.TimeoutError("no answer"), "vid-7")
    flow = submitter(tmp_path, client, Target("cloud", "https://api.example.invalid"))
    origin = Origin.variant("e1", 2)
    assert flow.submit(REQUEST, key="k8", origin=origin).unconfirmed
    again = flow.send_again(origin, "k8")
    assert again.accepted and again.key == "k8-again-1" and again.job.experiment == "e1"
    assert [intent.state for intent in flow.store.for_origin(origin)] == ["resent", "accepted"]
    assert flow.submit(REQUEST, key="k8", origin=origin).unconfirmed  # the old key stays settled
    assert len(client.calls) == 2

    skipped = submitter(tmp_path, ScriptedClient(errors.TimeoutError("no answer")), BILLED, flow.store)
    assert skipped.submit(REQUEST, key="k9", origin=Origin.compose("c1")).unconfirmed
    skipped.skip("k9")
    assert skipped.store.get("k9").state == "skipped"
    assert skipped.submit(REQUEST, key="k9", origin=Origin.compose("c1")).unconfirmed
    assert len(skipped.client.calls) == 1


def test_a_new_key_is_new_each_time() -> None:
    assert new_key() != new_key() and new_key("batch").startswith("batch-")


def test_after_a_crash_a_billed_backend_shows_the_in_flight_intent_unconfirmed(tmp_path: Path) -> None:
    history = JobHistory(tmp_path / "history.sqlite3")
    dead = SubmissionStore(history.path)
    dead.begin("k10", BILLED, Origin.compose("c1"), REQUEST, avatar_name="", voice_name="", now=1000.0)
    # The process dies here: the POST may have left; no answer was written.

    client = ScriptedClient("vid-10")
    restarted = Submitter(SubmissionStore(history.path), history, client, BILLED, clock=lambda: 2000.0)
    [outcome] = restarted.recover_interrupted()
    assert outcome.unconfirmed and client.calls == []
    assert restarted.store.get("k10").state == "unconfirmed"
    assert restarted.recover_interrupted() == []  # judged once


def test_an_intent_of_this_process_is_not_taken_for_a_crash(tmp_path: Path) -> None:
    flow = submitter(tmp_path, ScriptedClient("vid"), BILLED)
    flow.store.begin("k11", BILLED, Origin.compose("c1"), REQUEST, avatar_name="", voice_name="",
                     now=flow.store.opened_at + 1)
    assert flow.store.interrupted(BILLED.backend_id) == []


def engine_jobs_named(engine: EngineProcess, name: str) -> int:
    with sqlite3.connect(engine.data_dir / "engine.sqlite3") as db:
        rows = db.execute("SELECT request_json FROM jobs").fetchall()
    return sum(f'"video_name": "{name}"' in row[0] for row in rows)


def test_after_a_crash_the_local_engine_gets_the_intent_again_with_its_key_and_makes_one_video(
        tmp_path: Path, engine: EngineProcess, engine_client: JoggAIClient) -> None:
    backend = Backend("local", engine.base_url, engine.api_key)
    capabilities = probe_capabilities(engine_client, backend)
    assert capabilities.idempotency and capabilities.ext_routes
    target = Target("local", engine.base_url, idempotent=capabilities.idempotency)
    voice = engine_client.list_voices(page_size=1).voices[0]
    avatar = engine_client.list_public_avatars(page_size=1)[0]
    name = f"crash-{tmp_path.name}"
    request = CreateVideoRequest(avatar_id=avatar.id, voice_id=voice.voice_id, script="Crash test.",
                                 video_name=name)
    history = JobHistory(tmp_path / "history.sqlite3")
    key = new_key("crash")
    SubmissionStore(history.path).begin(key, target, Origin.batch_row("b9", 1), request, avatar_name=avatar.name,
                                        voice_name=voice.name, now=1000.0)
    arrived = engine_client.create_avatar_video(request, idempotency_key=key)  # then the dashboard died

    restarted = Submitter(SubmissionStore(history.path), history, engine_client, target)
    [outcome] = restarted.recover_interrupted()
    assert outcome.accepted and outcome.video_id == arrived
    assert outcome.job.batch == "b9" and outcome.job.avatar_name == avatar.name
    assert engine_jobs_named(engine, name) == 1


def test_the_cloud_is_never_asked_for_capabilities() -> None:
    class Untouchable:
        def engine_health(self):
            raise AssertionError("the cloud has no /healthz to ask")

    assert not probe_capabilities(Untouchable(), Backend("cloud", "https://api.jogg.ai", "k")).names


def test_a_custom_url_without_healthz_has_no_capabilities() -> None:
    client = JoggAIClient("http://127.0.0.1:9", "key", max_retries=0, timeout=0.5)
    capabilities = probe_capabilities(client, Backend("custom", "http://127.0.0.1:9", "key"))
    assert not capabilities.idempotency and not capabilities.ext and not capabilities.ext_routes
