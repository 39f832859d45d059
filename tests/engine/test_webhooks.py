"""Webhook endpoints (CRUD, limits) and real deliveries to local receivers: signatures, filters, retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import time
from collections.abc import Iterator

import psutil
import pytest
import requests

from tests.engine.webhook_receiver import WebhookReceiver
from tests.engine_process import EngineProcess, start_engine

SUCCESS, FAILED = "generated_avatar_video_success", "generated_avatar_video_failed"
SEED_VOICE = "en-US-ChristopherNeural"


@pytest.fixture(scope="module")
def hook_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineProcess]:
    """Its own engine: endpoints here must not receive events from other tests' videos."""
    running = start_engine(tmp_path_factory.mktemp("webhook-engine"))
    yield running
    running.stop()


def call(engine, method, path, payload=None):
    answer = requests.request(method, engine.v2 + path, headers=engine.headers(), json=payload, timeout=10)
    return answer.status_code, answer.json()


def add(engine, url, events=(SUCCESS, FAILED), status="enabled"):
    code, answer = call(engine, "POST", "/endpoint", {"url": url, "events": list(events), "status": status})
    assert code == 200 and answer["code"] == 0, answer
    return answer["data"]


def remove_all(engine):
    _, listed = call(engine, "GET", "/endpoints")
    for endpoint in listed["data"]["endpoints"]:
        call(engine, "DELETE", f"/endpoint/{endpoint['endpoint_id']}")


def test_events_list(hook_engine):
    code, answer = call(hook_engine, "GET", "/events")
    assert code == 200 and SUCCESS in answer["data"]["events"] and FAILED in answer["data"]["events"]
    assert len(answer["data"]["events"]) == 18


def test_endpoint_crud(hook_engine):
    url = "http://127.0.0.1:9/Hook?b=2&a=%2F&x=caf%C3%A9#frag"  # must come back byte-exact
    created = add(hook_engine, url, events=[SUCCESS])
    assert created["url"] == url and created["status"] == "enabled" and created["events"] == [SUCCESS]
    assert created["secret"] and created["endpoint_id"] and isinstance(created["created_at"], int)
    assert created["username"] == "local"
    endpoint_id = created["endpoint_id"]
    _, listed = call(hook_engine, "GET", "/endpoints")
    assert created in listed["data"]["endpoints"]
    code, updated = call(hook_engine, "PUT", f"/endpoint/{endpoint_id}",
                         {"url": url + "2", "events": [SUCCESS, FAILED], "status": "disabled", "secret": "mine"})
    assert code == 200
    assert updated["data"]["url"] == url + "2" and updated["data"]["status"] == "disabled"
    assert updated["data"]["events"] == [SUCCESS, FAILED]
    assert updated["data"]["secret"] == created["secret"]  # immutable
    code, deleted = call(hook_engine, "DELETE", f"/endpoint/{endpoint_id}")
    assert code == 200 and deleted["data"] == {"message": "webhook deleted"}
    for method in ("PUT", "DELETE"):
        code, answer = call(hook_engine, method, f"/endpoint/{endpoint_id}", {"status": "enabled"})
        assert (code, answer["code"]) == (404, 10104)


@pytest.mark.parametrize(("payload", "message"), [
    ({"events": [SUCCESS], "status": "enabled"}, "url is required"),
    ({"url": "ftp://x/y", "events": [SUCCESS], "status": "enabled"}, "url must be an http"),
    ({"url": "http://x/" + "a" * 2048, "events": [SUCCESS]}, "2048"),
    ({"url": "http://x/y", "events": [], "status": "enabled"}, "events must be a non-empty list"),
    ({"url": "http://x/y", "events": "generated_avatar_video_success"}, "events must be a non-empty list"),
    ({"url": "http://x/y", "events": ["video_done"], "status": "enabled"}, "unknown event"),
    ({"url": "http://x/y", "events": [SUCCESS], "status": "on"}, "status must be enabled or disabled"),
])
def test_endpoint_validation(hook_engine, payload, message):
    code, answer = call(hook_engine, "POST", "/endpoint", payload)
    assert code == 400 and answer["code"] == 40000 and message in answer["msg"]


def test_at_most_20_endpoints(hook_engine):
    remove_all(hook_engine)
    for n in range(20):
        add(hook_engine, f"http://127.0.0.1:9/h{n}")
    code, answer = call(hook_engine, "POST", "/endpoint",
                        {"url": "http://127.0.0.1:9/h21", "events": [SUCCESS], "status": "enabled"})
    assert code == 400 and "at most 20" in answer["msg"]
    remove_all(hook_engine)


def create_video(engine, script, webhook_url=""):
    code, answer = call(engine, "POST", "/create_video_from_avatar", {
        "avatar": {"avatar_id": 81, "avatar_type": 0},
        "voice": {"type": "script", "voice_id": SEED_VOICE, "script": script},
        "aspect_ratio": "square", "screen_style": 1, "caption": False, "webhook_url": webhook_url,
    })
    assert code == 200 and answer["code"] == 0, answer
    return answer["data"]["video_id"]


def wait_terminal(engine, video_id, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, answer = call(engine, "GET", f"/avatar_video/{video_id}")
        if answer["data"]["status"] in ("completed", "failed"):
            return answer["data"]
        time.sleep(0.2)
    raise AssertionError(f"video {video_id} did not finish in {timeout} s")


def attempts_for(engine, url):
    conn = sqlite3.connect(f"file:{engine.data_dir / 'engine.sqlite3'}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT a.attempt, a.http_status FROM webhook_attempts a JOIN webhook_deliveries d "
            "ON d.id = a.delivery_id WHERE d.url = ? ORDER BY a.attempt", (url,)).fetchall()
    finally:
        conn.close()


def verify(received, secret):
    expected = hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(received.headers["x-webhook-signature"], expected)


@pytest.mark.slow
def test_success_delivery_signed_filtered_and_retried(hook_engine):
    remove_all(hook_engine)
    subscribed, disabled, other_event, per_request = (WebhookReceiver(), WebhookReceiver(), WebhookReceiver(),
                                                      WebhookReceiver(statuses=[500, 200]))
    try:
        endpoint = add(hook_engine, subscribed.url)
        add(hook_engine, disabled.url, status="disabled")
        add(hook_engine, other_event.url, events=["generated_video_success"])
        video_id = create_video(hook_engine, "Webhooks tell you when the video is ready.", per_request.url)
        job = wait_terminal(hook_engine, video_id)
        assert job["status"] == "completed", job

        [delivery] = subscribed.wait_for(1)
        assert delivery.headers["x-webhook-event"] == SUCCESS
        assert delivery.headers["user-agent"] == "JoggAI-Webhook/2.0"
        verify(delivery, endpoint["secret"])
        body = json.loads(delivery.body)
        assert set(body) == {"event_id", "event", "timestamp", "data"} and body["event"] == SUCCESS
        assert body["data"]["video_id"] == video_id and body["data"]["status"] == "completed"
        assert body["data"]["video_url"] == job["video_url"] and body["data"]["cover_url"] == job["cover_url"]
        assert body["data"]["duration"] == pytest.approx(job["duration"])

        # The per-request webhook_url: 500 first, then retried after the backoff and delivered.
        first, second = per_request.wait_for(2, timeout=30)
        assert (first.answered, second.answered) == (500, 200)
        assert first.body == second.body  # the same event, byte for byte
        verify(second, endpoint["secret"])  # signed with the oldest enabled endpoint's secret
        deadline = time.monotonic() + 10
        while len(attempts_for(hook_engine, per_request.url)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert attempts_for(hook_engine, per_request.url) == [(1, 500), (2, 200)]

        time.sleep(1.0)  # nothing more may arrive for disabled or unsubscribed endpoints
        assert disabled.received == [] and other_event.received == []
        assert len(subscribed.received) == 1
    finally:
        for receiver in (subscribed, disabled, other_event, per_request):
            receiver.close()
        remove_all(hook_engine)


def render_workers(engine):
    """The engine's render worker processes (spawned multiprocessing children)."""
    workers = []
    for child in psutil.Process(engine.pid).children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE and any("spawn_main" in arg for arg in child.cmdline()):
                workers.append(child)
        except psutil.Error:  # it exited while we looked
            pass
    return workers


@pytest.mark.slow
def test_killed_workers_are_retried_then_the_job_fails_with_a_failed_event(hook_engine):
    remove_all(hook_engine)
    receiver = WebhookReceiver()
    try:
        endpoint = add(hook_engine, receiver.url, events=[FAILED])
        video_id = create_video(hook_engine, "This render is interrupted on purpose. " * 20)
        killed = 0
        deadline = time.monotonic() + 120
        while killed < 3 and time.monotonic() < deadline:
            _, answer = call(hook_engine, "GET", f"/avatar_video/{video_id}")
            workers = render_workers(hook_engine)
            if answer["data"]["status"] == "processing" and workers:
                for worker in workers:
                    worker.kill()
                killed += 1
                time.sleep(0.5)
            time.sleep(0.05)
        job = wait_terminal(hook_engine, video_id)
        assert job["status"] == "failed"
        assert job["error"]["code"] == 50000 and "3 times" in job["error"]["message"]
        [delivery] = receiver.wait_for(1)
        verify(delivery, endpoint["secret"])
        body = json.loads(delivery.body)
        assert body["event"] == FAILED and body["data"]["video_id"] == video_id
        assert body["data"]["error"] == job["error"]
        # The engine keeps serving and rendering after its workers died.
        assert call(hook_engine, "GET", "/user/whoami")[0] == 200
        assert wait_terminal(hook_engine, create_video(hook_engine, "Back to work."))["status"] == "completed"
    finally:
        receiver.close()
        remove_all(hook_engine)
