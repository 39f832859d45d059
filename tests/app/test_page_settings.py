"""Settings page: backend switch with a session-only key, connection test, the managed local engine."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from lib.joggai import CreateVideoRequest
from lib.studio import kept_copies
from lib.studio.engine_launcher import find_running_engine, stop_engine
from lib.studio.history import JobHistory, JobUpdate
from lib.studio.inbox_store import InboxStore
from lib.studio.state import Keys
from lib.studio.studio_settings import StudioSettings
from tests.app.conftest import open_page

pytestmark = pytest.mark.timeout(180)


def all_text(at) -> str:
    kinds = ("markdown", "caption", "code", "text", "error", "success", "info", "warning", "title", "subheader")
    values = [str(element.value) for kind in kinds for element in at.get(kind)]
    values += [str(element.value) for element in [*at.sidebar.markdown, *at.sidebar.caption]]
    values += [str(widget.value) for widget in at.text_input]
    return "\n".join(values)


def test_shows_the_configured_engine(studio_env: Path, engine) -> None:
    at = open_page("settings")
    assert not at.exception
    assert any(engine.base_url in info.value for info in at.info)
    assert any("Connected to Local engine" in success.value for success in at.success)


def test_custom_url_with_a_typed_key_connects_and_the_key_is_never_shown(studio_env: Path, engine) -> None:
    at = open_page("settings")
    at.radio(key=Keys.W_SETTINGS_BACKEND).set_value("custom")
    at.text_input(key=Keys.W_SETTINGS_URL).input(engine.base_url + "/v2")
    at.text_input(key=Keys.U_SETTINGS_KEY).input(engine.api_key)
    at.button(key=Keys.B_SETTINGS_APPLY).click().run()
    assert not at.exception
    assert "Custom URL" in " ".join(m.value for m in at.sidebar.markdown)
    assert any("Connected to Custom URL" in success.value for success in at.success)
    assert engine.api_key not in all_text(at)
    at.switch_page("pages/compose.py").run()
    assert engine.api_key not in all_text(at)


def test_a_wrong_key_is_explained(studio_env: Path, engine) -> None:
    at = open_page("settings")
    at.radio(key=Keys.W_SETTINGS_BACKEND).set_value("custom")
    at.text_input(key=Keys.W_SETTINGS_URL).input(engine.base_url)
    at.text_input(key=Keys.U_SETTINGS_KEY).input("definitely-not-the-key")
    at.button(key=Keys.B_SETTINGS_APPLY).click().run()
    assert not at.exception
    assert any("rejected the API key" in error.value for error in at.error)
    assert "definitely-not-the-key" not in all_text(at)


def test_the_studio_starts_its_own_engine_and_shows_its_log(studio_env: Path) -> None:
    os.environ.pop("AVATAR_STUDIO_ENGINE_URL")
    os.environ.pop("AVATAR_STUDIO_ENGINE_KEY")
    engine_dir = studio_env / "engine"
    try:
        at = open_page("settings")
        assert not at.exception
        running = find_running_engine(engine_dir)
        assert running is not None
        assert any(running.url in m.value and str(running.pid) in m.value for m in at.markdown)
        assert "healthy" in " ".join(m.value for m in at.sidebar.markdown)
        assert at.code[-1].value != "(no log yet)"
        assert running.api_key not in all_text(at)
    finally:
        if (found := find_running_engine(engine_dir)) is not None:
            stop_engine(found)


def test_webhook_endpoints_add_shows_the_secret_once_then_update_and_delete(studio_env: Path, engine,
                                                                             engine_client) -> None:
    at = open_page("settings")
    assert not at.exception
    url = f"https://hooks.example.org/{os.getpid()}/studio-test"
    at.text_input(key=Keys.W_WEBHOOK_NEW_URL).input(url)
    at.button(key=Keys.B_WEBHOOK_ADD).click().run()
    assert not at.exception
    [created] = [e for e in engine_client.list_webhook_endpoints() if e.url == url]
    try:
        assert created.events == ["generated_avatar_video_success", "generated_avatar_video_failed"]
        assert any(code.value == created.secret for code in at.code)
        table = at.dataframe[0].value
        assert url in list(table["url"]) and "secret" not in table.columns
        at.run()  # any later run: the secret is gone for good
        assert created.secret not in all_text(at)

        at.selectbox(key=Keys.W_WEBHOOK_PICK).select(created.endpoint_id).run()
        assert at.text_input(key=Keys.W_WEBHOOK_EDIT_URL).value == url
        at.text_input(key=Keys.W_WEBHOOK_EDIT_URL).input(url + "/v2")
        at.segmented_control(key=Keys.W_WEBHOOK_EDIT_STATUS).set_value("disabled")
        at.button(key=Keys.B_WEBHOOK_SAVE).click().run()
        assert not at.exception
        [updated] = [e for e in engine_client.list_webhook_endpoints() if e.endpoint_id == created.endpoint_id]
        assert (updated.url, updated.status, updated.secret) == (url + "/v2", "disabled", created.secret)
        assert any(f"Saved {created.endpoint_id}" in s.value for s in at.success)

        at.selectbox(key=Keys.W_WEBHOOK_PICK).select(created.endpoint_id).run()
        at.button(key=Keys.B_WEBHOOK_DELETE).click().run()
        assert not at.exception
        assert created.endpoint_id not in {e.endpoint_id for e in engine_client.list_webhook_endpoints()}
    finally:
        if created.endpoint_id in {e.endpoint_id for e in engine_client.list_webhook_endpoints()}:
            engine_client.delete_webhook_endpoint(created.endpoint_id)


def test_a_bad_endpoint_url_is_explained(studio_env: Path, engine) -> None:
    at = open_page("settings")
    at.text_input(key=Keys.W_WEBHOOK_NEW_URL).input("ftp://nope")
    at.button(key=Keys.B_WEBHOOK_ADD).click().run()
    assert not at.exception
    assert any("Not added" in error.value and "url" in error.value for error in at.error)
    assert not at.get("code") or all("whsec_" not in code.value for code in at.code)


def test_inbox_receives_a_job_event_marks_it_done_and_replays(studio_env: Path, engine, engine_client) -> None:
    history = JobHistory(studio_env / "history.sqlite3")
    at = open_page("settings")
    at.button(key=Keys.B_INBOX_START).click().run()
    assert not at.exception
    inbox = InboxStore(studio_env / "history.sqlite3")
    registration = inbox.endpoint_for("local")
    try:
        assert registration is not None
        assert any(registration.endpoint_id in m.value and "Listening at" in m.value for m in at.markdown)
        assert registration.secret not in all_text(at)
        voice = engine_client.list_voices(page_size=1).voices[0]
        avatar = engine_client.list_public_avatars(page_size=1)[0]
        request = CreateVideoRequest(avatar_id=avatar.id, voice_id=voice.voice_id, script="Inbox page test.")
        video_id = engine_client.create_avatar_video(request)
        # Not due for a poll for hours: only the inbox can finish it.
        history.record_submission(backend="local", base_url=engine.base_url, video_id=video_id,
                                  request=request.to_payload(), next_poll_at=time.time() + 10_000)
        deadline = time.monotonic() + 180
        while history.get("local", video_id).status != "completed" and time.monotonic() < deadline:
            time.sleep(0.3)
        assert history.get("local", video_id).status == "completed"
        at.run()
        rows = next(table.value for table in at.dataframe if "verdict" in table.value.columns)  # the deliveries
        mine = rows[rows["video_id"] == video_id]
        assert list(mine["verdict"]) == ["valid"] and bool(mine["applied"].iloc[0])
        at.selectbox(key=Keys.W_INBOX_PICK).select(int(mine["id"].iloc[0]))
        at.button(key=Keys.B_INBOX_REPLAY).click().run()
        assert any("replayed: valid" in s.value for s in at.success)
        at.switch_page("pages/jobs.py").run()
        assert any("webhook inbox on" in caption.value for caption in at.caption)
        at.switch_page("pages/settings.py").run()
        at.button(key=Keys.B_INBOX_STOP).click().run()
        assert not at.exception and at.button(key=Keys.B_INBOX_START)
        assert not InboxStore(studio_env / "history.sqlite3").wanted()
    finally:
        if registration is not None:
            engine_client.delete_webhook_endpoint(registration.endpoint_id)


def test_deleting_the_inbox_endpoint_registers_it_again(studio_env: Path, engine, engine_client) -> None:
    at = open_page("settings")
    at.button(key=Keys.B_INBOX_START).click().run()
    inbox = InboxStore(studio_env / "history.sqlite3")
    first = inbox.endpoint_for("local")
    try:
        at.selectbox(key=Keys.W_WEBHOOK_PICK).select(first.endpoint_id).run()
        at.button(key=Keys.B_WEBHOOK_DELETE).click().run()
        assert not at.exception
        again = inbox.endpoint_for("local")
        assert again.endpoint_id != first.endpoint_id
        [endpoint] = [e for e in engine_client.list_webhook_endpoints() if e.endpoint_id == again.endpoint_id]
        assert endpoint.url.endswith(f"/hooks/{again.token}")
        assert any(again.endpoint_id in m.value and "Listening at" in m.value for m in at.markdown)
    finally:
        at.button(key=Keys.B_INBOX_STOP).click().run()
        for registration in (first, inbox.endpoint_for("local")):
            if registration.endpoint_id in {e.endpoint_id for e in engine_client.list_webhook_endpoints()}:
                engine_client.delete_webhook_endpoint(registration.endpoint_id)


def test_keep_copies_and_the_budget_are_stored_and_a_smaller_budget_evicts(studio_env: Path, engine) -> None:
    path = studio_env / "history.sqlite3"
    history = JobHistory(path)
    for index, size in enumerate((600 * 1024**2, 500 * 1024**2)):  # recorded sizes; the files are small
        copy = studio_env / "copies" / f"c{index}.mp4"
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(b"mp4")
        history.record_submission(backend="cloud", base_url="https://api.jogg.ai", video_id=f"c{index}", request={})
        history.apply_updates([JobUpdate("cloud", f"c{index}", 1.0, None, status="completed", video_url="https://x")])
        history.record_copy("cloud", f"c{index}", state=kept_copies.KEPT, video_path=str(copy), cover_path=None,
                            size=size, now=float(index))
    at = open_page("settings")
    assert not at.exception
    assert at.toggle(key=Keys.W_SETTINGS_KEEP_COPIES).value is True
    assert at.number_input(key=Keys.W_SETTINGS_COPY_BUDGET).value == 5.0
    assert any("2 copies · 1.1 GB of 5.0 GB" in caption.value for caption in at.caption)
    at.number_input(key=Keys.W_SETTINGS_COPY_BUDGET).set_value(1.0).run()
    assert not at.exception
    assert kept_copies.read_policy(StudioSettings(path)).budget_bytes == 1024**3
    assert history.get("cloud", "c0").copy_state == kept_copies.EVICTED  # the older one
    assert not (studio_env / "copies" / "c0.mp4").exists() and (studio_env / "copies" / "c1.mp4").exists()
    at.toggle(key=Keys.W_SETTINGS_KEEP_COPIES).set_value(False).run()
    assert kept_copies.read_policy(StudioSettings(path)).keep is False
    at.switch_page("pages/video.py")
    at.query_params["video_id"] = "c0"
    at.run()
    assert any("Copy evicted (storage budget)" in caption.value for caption in at.caption)
