"""The local webhook inbox against the real engine: signed deliveries are verified, stored and applied
to the history; tampered, unsigned and misaddressed ones are rejected; replays re-verify."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from lib.joggai import CreateVideoRequest, JoggAIClient
from lib.joggai.contract import sign_webhook
from lib.studio.history import JobHistory
from lib.studio.inbox_store import BAD_SIGNATURE, UNKNOWN_ENDPOINT, VALID, InboxEndpoint, InboxStore
from lib.studio.webhook_endpoints import register_inbox
from lib.studio.webhook_receiver import WebhookReceiver, update_from_event

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def inbox(tmp_path: Path, engine_client: JoggAIClient) -> Iterator[WebhookReceiver]:
    path = tmp_path / "history.sqlite3"
    running = WebhookReceiver(InboxStore(path), JobHistory(path)).start()
    try:
        yield running
    finally:
        running.stop()
        registration = running.store.endpoint_for("local")
        if registration is not None:  # the shared engine must not keep delivering to a closed port
            engine_client.delete_webhook_endpoint(registration.endpoint_id)


def wait_for(condition, timeout: float = 180.0, step: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(step)
    raise AssertionError("condition not met in time")


def submit(engine, engine_client: JoggAIClient, history: JobHistory, script: str) -> str:
    voice = engine_client.list_voices(page_size=1).voices[0]
    avatar = engine_client.list_public_avatars(page_size=1)[0]
    request = CreateVideoRequest(avatar_id=avatar.id, voice_id=voice.voice_id, script=script)
    video_id = engine_client.create_avatar_video(request)
    # Never due for a poll: only the webhook can finish it in the history.
    history.record_submission(backend="local", base_url=engine.base_url, video_id=video_id,
                              request=request.to_payload(), next_poll_at=time.time() + 10_000)
    return video_id


def test_signed_delivery_marks_the_job_done_and_a_tampered_one_is_rejected(
        inbox: WebhookReceiver, engine, engine_client: JoggAIClient) -> None:
    registration = register_inbox(inbox, engine_client, "local", engine.base_url)
    [endpoint] = [e for e in engine_client.list_webhook_endpoints() if e.endpoint_id == registration.endpoint_id]
    assert endpoint.url == inbox.hook_url(registration.token) and endpoint.url.startswith("http://127.0.0.1:")
    video_id = submit(engine, engine_client, inbox.history, "Webhook inbox test.")

    delivery = wait_for(lambda: next((d for d in inbox.store.deliveries() if d.video_id == video_id), None))
    assert delivery.verdict == VALID and delivery.applied
    assert delivery.event == "generated_avatar_video_success"
    job = inbox.history.get("local", video_id)
    assert job.status == "completed" and job.poll_count == 1  # the one "poll" is the event
    assert job.video_url == engine_client.get_avatar_video(video_id).video_url

    # Another job still running; a forged "it failed" event for it, signed with the right secret but
    # then altered, must not touch the history.
    other = submit(engine, engine_client, inbox.history, "A second job.")
    body = delivery.body.replace(video_id.encode(), other.encode())
    assert body != delivery.body
    answer = requests.post(inbox.hook_url(registration.token), data=body, timeout=5,
                           headers={"X-Webhook-Signature": delivery.signature,
                                    "X-Webhook-Event": "generated_avatar_video_success"})
    assert answer.status_code == 401
    forged = next(d for d in inbox.store.deliveries() if d.body == body)
    assert forged.verdict == BAD_SIGNATURE and not forged.applied and forged.video_id == other
    assert inbox.history.get("local", other).status == "pending"
    # Replaying the forged one re-verifies and still refuses it; replaying the genuine one is accepted.
    assert inbox.replay(forged.id).verdict == BAD_SIGNATURE
    assert inbox.history.get("local", other).status == "pending"
    replayed = inbox.replay(delivery.id)
    assert replayed.verdict == VALID and replayed.replays == 1


def test_unsigned_and_unknown_endpoint_deliveries(inbox: WebhookReceiver, engine, engine_client) -> None:
    registration = register_inbox(inbox, engine_client, "local", engine.base_url)
    body = json.dumps({"event": "generated_avatar_video_success", "data": {"video_id": "x"}}).encode()
    unsigned = requests.post(inbox.hook_url(registration.token), data=body, timeout=5)
    assert unsigned.status_code == 401
    stranger = requests.post(inbox.hook_url("not-a-token"), data=body, timeout=5,
                             headers={"X-Webhook-Signature": sign_webhook(body, registration.secret)})
    assert stranger.status_code == 404
    # (Only ours: the shared engine may still be retrying events addressed to an earlier test's port.)
    ours = [d for d in inbox.store.deliveries() if d.body == body]
    assert [(d.verdict, d.token) for d in ours] == [(UNKNOWN_ENDPOINT, "not-a-token"),
                                                     (BAD_SIGNATURE, registration.token)]
    signed = requests.post(inbox.hook_url(registration.token), data=body, timeout=5,
                           headers={"X-Webhook-Signature": sign_webhook(body, registration.secret)})
    assert signed.status_code == 200
    latest = next(d for d in inbox.store.deliveries() if d.body == body)
    # A valid event for a video the history does not know is stored but changes nothing.
    assert latest.verdict == VALID and not latest.applied


def test_a_restarted_inbox_re_points_its_endpoint_instead_of_adding_one(
        inbox: WebhookReceiver, engine, engine_client) -> None:
    first = register_inbox(inbox, engine_client, "local", engine.base_url)
    count = len(engine_client.list_webhook_endpoints())
    inbox.stop()
    inbox.start()  # a new free port
    again = register_inbox(inbox, engine_client, "local", engine.base_url)
    assert again.endpoint_id == first.endpoint_id and again.secret == first.secret
    assert len(engine_client.list_webhook_endpoints()) == count
    [endpoint] = [e for e in engine_client.list_webhook_endpoints() if e.endpoint_id == first.endpoint_id]
    assert endpoint.url == inbox.hook_url(first.token) and endpoint.status == "enabled"


def test_failure_events_carry_the_reason() -> None:
    event = {"event": "generated_avatar_video_failed",
             "data": {"project_id": "v1", "error": {"code": 50000, "message": "render crashed"}}}
    update = update_from_event("local", event, now=5.0)
    assert (update.video_id, update.status, update.error_code, update.error_message) == \
        ("v1", "failed", "50000", "render crashed")
    assert update_from_event("local", {"event": "generated_script_success"}) is None


def test_a_signed_body_that_is_no_event_is_stored_but_never_applied(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    receiver = WebhookReceiver(InboxStore(path), JobHistory(path))
    receiver.store.save_endpoint(registration := InboxEndpoint("tok", "local", "http://127.0.0.1:1", "ep", "s3"))
    for body in (b"not json", b"[1, 2]", json.dumps({"data": {"video_id": "v"}}).encode()):
        delivery = receiver.receive(registration.token, body, sign_webhook(body, registration.secret))
        assert (delivery.verdict, delivery.applied) == (VALID, False)
    forged = receiver.receive(registration.token, b"not json", sign_webhook(b"not json", "another secret"))
    assert forged.verdict == BAD_SIGNATURE
