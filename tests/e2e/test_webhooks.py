"""Webhooks in a real browser: the inbox started from Settings receives the engine's signed delivery for
a job, finishes the job in the tracker without a poll, and rejects a tampered copy posted to it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from lib.joggai import CreateVideoRequest, JoggAIClient
from lib.studio.history import JobHistory
from lib.studio.inbox_store import BAD_SIGNATURE, VALID, InboxStore
from tests.e2e.conftest import keyed, screenshot, wait_for_app

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]




def open_from_sidebar(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNavLink").filter(has_text=title).click()
    wait_for_app(page)


def wait_for(condition, timeout: float = 180.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


def test_inbox_receives_signed_deliveries_and_rejects_a_tampered_one(page: Page, studio, engine) -> None:
    db_path = Path(studio.data_dir) / "history.sqlite3"
    client = JoggAIClient(engine.base_url, engine.api_key)
    page.goto(f"{studio.url}/settings")
    wait_for_app(page)
    keyed(page, "inbox_start").locator("button").click()
    wait_for_app(page)
    expect(keyed(page, "inbox_controls")).to_contain_text("Listening at http://127.0.0.1:")
    history = JobHistory(db_path)
    inbox = InboxStore(db_path)  # the dashboard's store, read from the test
    registration = inbox.endpoint_for("local")
    assert registration is not None
    try:
        [endpoint] = [e for e in client.list_webhook_endpoints() if e.endpoint_id == registration.endpoint_id]
        assert "/hooks/" in endpoint.url and endpoint.status == "enabled"

        request = CreateVideoRequest(avatar_id=81, voice_id="en-US-ChristopherNeural",
                                     script="Finished by a webhook.", video_name="Webhook test")
        video_id = client.create_avatar_video(request)
        # Recorded as the composer does, but not due for a poll for hours: only the event can finish it.
        history.record_submission(backend="local", base_url=engine.base_url, video_id=video_id,
                                  request=request.to_payload(), name="Webhook test",
                                  next_poll_at=time.time() + 10_000)
        delivery = wait_for(lambda: next((d for d in inbox.deliveries() if d.video_id == video_id), None))
        assert delivery.verdict == VALID and delivery.applied
        job = history.get("local", video_id)
        assert job.status == "completed" and job.video_url

        # Someone alters the body in transit (the video link), keeping the engine's signature.
        tampered = delivery.body.replace(b"video_url", b"video_URL")
        assert tampered != delivery.body
        answer = requests.post(endpoint.url, data=tampered, timeout=5,
                               headers={"X-Webhook-Signature": delivery.signature,
                                        "X-Webhook-Event": delivery.event, "Content-Type": "application/json"})
        assert answer.status_code == 401
        assert next(d for d in inbox.deliveries() if d.body == tampered).verdict == BAD_SIGNATURE

        page.reload()
        wait_for_app(page)
        expect(page.get_by_test_id("stDataFrame").last).to_be_visible()  # the deliveries, newest first
        keyed(page, "inbox_replay").scroll_into_view_if_needed()
        screenshot(page, "webhooks-inbox")

        # The tracker shows the job finished (its inline player) without ever having polled it.
        open_from_sidebar(page, "Jobs")
        expect(keyed(page, f"finished_{video_id}").locator("[data-testid=stVideo]")).to_have_count(1)
        assert history.get("local", video_id).last_polled_at == job.last_polled_at
    finally:
        page.goto(f"{studio.url}/settings")
        wait_for_app(page)
        if keyed(page, "inbox_stop").count():
            keyed(page, "inbox_stop").locator("button").click()
            wait_for_app(page)
        client.delete_webhook_endpoint(registration.endpoint_id)
