"""kept_copies.py against the real engine standing in for a billed backend ("custom:" + its URL): finished
videos are copied with a plain GET, play and bundle from the copy once the link is dead, and the storage
budget evicts the oldest copies first; the Jobs page's tick copies through the keeper's own thread."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pytest

from lib.joggai import JoggAIClient, contract, errors
from lib.studio import kept_copies
from lib.studio.history import JobHistory, JobUpdate
from lib.studio.inbox_store import InboxEndpoint, InboxStore
from lib.studio.kept_copies import CopyKeeper, CopyPolicy, enforce_budget, keep_copy, read_policy, save_policy
from lib.studio.sharing import BundleSource, build_bundle
from lib.studio.state import Keys
from lib.studio.studio_settings import StudioSettings
from lib.studio.webhook_receiver import WebhookReceiver
from tests.app.conftest import new_app
from tests.studio.fakes import FIRST_RELEASE_JOBS_TABLE

pytestmark = pytest.mark.timeout(240)


def billed_id(engine) -> str:
    return f"custom:{engine.base_url}"


def record_completed(history: JobHistory, backend: str, video_id: str, video_url: str | None,
                     cover_url: str | None = None, at: float = 2.0) -> JobUpdate:
    history.record_submission(backend=backend, base_url="http://b", video_id=video_id, request={}, now=1.0)
    update = JobUpdate(backend, video_id, at, None, status="completed", progress=100, video_url=video_url,
                       cover_url=cover_url)
    history.apply_updates([update])
    return update


def keeper_at(tmp_path: Path) -> CopyKeeper:
    path = tmp_path / "history.sqlite3"
    return CopyKeeper(JobHistory(path), StudioSettings(path), tmp_path / "copies")


def test_a_billed_video_is_copied_and_still_plays_and_bundles_after_its_link_died(
        tmp_path: Path, engine, engine_client: JoggAIClient, finished_video) -> None:
    remote = finished_video["job"]
    keeper = keeper_at(tmp_path)
    backend = billed_id(engine)
    update = record_completed(keeper.history, backend, remote.video_id, remote.video_url, remote.cover_url)
    local = record_completed(keeper.history, "local", "engine-own", remote.video_url, remote.cover_url)
    assert keeper.want([update, local]) == 1  # the local engine keeps its own files
    assert keeper.want([update]) == 0  # already wanted
    assert keeper.run_pending() == 0  # no downloader for that backend yet: it waits, still wanted
    assert keeper.history.get(backend, remote.video_id).copy_state == kept_copies.WANTED

    keeper.offer_download(backend, engine_client.download)
    assert keeper.run_pending() == 1
    job = keeper.history.get(backend, remote.video_id)
    video, cover = Path(job.kept_video_path), Path(job.kept_cover_path)
    assert video.read_bytes() == engine_client.download(remote.video_url) and video.read_bytes()[4:8] == b"ftyp"
    assert cover.read_bytes() == engine_client.download(remote.cover_url)
    assert job.kept_bytes == video.stat().st_size + cover.stat().st_size and job.copy_state == kept_copies.KEPT
    assert video.parent.parent == tmp_path / "copies" and not list(video.parent.glob(".*part"))
    assert engine.api_key.encode() not in video.read_bytes() + cover.read_bytes()
    assert keeper.history.get("local", "engine-own").copy_state is None
    assert kept_copies.playable_video(job) == kept_copies.MediaSource(str(video), True)
    assert kept_copies.copy_status(job).startswith("kept copy (")

    # The link expires: the backend now answers 404 for it, and the copy takes over.
    dead_video, dead_cover = f"{engine.base_url}/media/videos/expired/v.mp4", f"{engine.base_url}/media/expired.jpg"
    keeper.history.apply_updates([JobUpdate(backend, remote.video_id, 9.0, None, status="completed",
                                            video_url=dead_video, cover_url=dead_cover)])
    with pytest.raises(errors.NotFoundError):
        engine_client.download(dead_video)
    job = keeper.history.get(backend, remote.video_id)
    assert kept_copies.playable_video(job).location == str(video)
    assert kept_copies.playable_cover(job).location == str(cover)
    source = BundleSource(video_id=job.video_id, name="n", request={}, video_url=dead_video, cover_url=dead_cover)
    with zipfile.ZipFile(io.BytesIO(build_bundle(source, kept_copies.bundle_fetch(job, engine_client.download)))) as z:
        assert z.read("video.mp4") == video.read_bytes() and z.read("cover.jpg") == cover.read_bytes()


def test_a_link_that_is_dead_before_the_copy_is_recorded_as_failed(tmp_path: Path, engine, engine_client) -> None:
    keeper = keeper_at(tmp_path)
    dead = f"{engine.base_url}/media/videos/expired/gone.mp4"
    record_completed(keeper.history, billed_id(engine), "gone", dead)
    job = keep_copy(keeper.history, keeper.history.get(billed_id(engine), "gone"), engine_client.download,
                    tmp_path / "copies")
    assert job.copy_state == kept_copies.FAILED and job.kept_video_path is None
    assert kept_copies.copy_status(job).startswith("copy failed: ") and "404" in job.copy_note
    assert kept_copies.playable_video(job) == kept_copies.MediaSource(dead, False)


def test_the_budget_evicts_the_oldest_copies_first(tmp_path: Path) -> None:
    keeper = keeper_at(tmp_path)
    save_policy(keeper.settings, CopyPolicy(keep=True, budget_bytes=250))
    fetched = []
    keeper.offer_download("cloud", lambda url: fetched.append(url) or b"x" * 100)
    for index in range(3):
        keeper.want([record_completed(keeper.history, "cloud", f"v{index}", f"https://cdn/v{index}.mp4")])
        keeper.run_pending()
    old, mid, new = (keeper.history.get("cloud", f"v{index}") for index in range(3))
    assert fetched == [f"https://cdn/v{index}.mp4" for index in range(3)]  # one GET per file, no cover
    assert (old.copy_state, mid.copy_state, new.copy_state) == (kept_copies.EVICTED, kept_copies.KEPT, kept_copies.KEPT)
    assert kept_copies.copy_status(old) == "copy evicted (storage budget)" and old.kept_video_path is None
    assert sorted(p.name for p in (tmp_path / "copies").rglob("*.mp4")) == ["v1.mp4", "v2.mp4"]
    assert keeper.history.kept_usage() == (2, 200)
    assert kept_copies.playable_video(old) == kept_copies.MediaSource("https://cdn/v0.mp4", False)
    # A smaller budget set later evicts again, oldest first.
    assert [job.video_id for job in enforce_budget(keeper.history, 150)] == ["v1"]
    assert keeper.history.kept_usage() == (1, 100)


def test_the_policy_defaults_on_with_five_gigabytes_and_is_kept(tmp_path: Path) -> None:
    settings = StudioSettings(tmp_path / "s.sqlite3")
    assert read_policy(settings) == CopyPolicy(keep=True, budget_bytes=5 * 1024**3)
    save_policy(settings, CopyPolicy(keep=False, budget_bytes=123))
    assert read_policy(StudioSettings(tmp_path / "s.sqlite3")) == CopyPolicy(keep=False, budget_bytes=123)
    keeper = keeper_at(tmp_path)
    save_policy(keeper.settings, CopyPolicy(keep=False))
    assert keeper.want([record_completed(keeper.history, "cloud", "off", "https://cdn/off.mp4")]) == 0


def test_an_older_history_file_gains_the_copy_columns(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:  # the jobs table as the first release made it
        db.execute(FIRST_RELEASE_JOBS_TABLE)
        db.execute("INSERT INTO jobs (backend, video_id, base_url, created_at, updated_at) VALUES ('cloud', 'a', 'u', 1, 1)")
    history = JobHistory(path)
    assert history.get("cloud", "a").copy_state is None
    assert history.set_copy_state("cloud", "a", kept_copies.WANTED)


def test_the_jobs_page_tick_copies_a_billed_video_in_the_background(studio_env: Path, engine, finished_video) -> None:
    remote = finished_video["job"]
    history = JobHistory(studio_env / "history.sqlite3")
    backend = billed_id(engine)
    history.record_submission(backend=backend, base_url=engine.base_url, video_id=remote.video_id, request={},
                              name="billed", now=0.0, next_poll_at=0.0)
    at = new_app()
    at.session_state[Keys.BACKEND] = "custom"
    at.session_state[Keys.CUSTOM_URL] = engine.base_url
    at.session_state[Keys.SESSION_API_KEY] = engine.api_key
    at.run()
    at.switch_page("pages/jobs.py").run()
    assert not at.exception
    assert history.get(backend, remote.video_id).status == "completed"  # this run's tick saw it finish
    deadline = time.monotonic() + 60
    while history.get(backend, remote.video_id).copy_state != kept_copies.KEPT and time.monotonic() < deadline:
        time.sleep(0.2)  # the keeper's thread downloads; the page run did not wait for it
    job = history.get(backend, remote.video_id)
    assert job.copy_state == kept_copies.KEPT and Path(job.kept_video_path).is_file()
    assert Path(job.kept_video_path).is_relative_to(studio_env / "copies")
    at.run()
    assert at.dataframe[0].value["copy"].iloc[0].startswith("kept copy (")
    [video] = at.get("video")
    assert not video.proto.url.startswith(engine.base_url)  # served by Streamlit from the copy

    at.switch_page("pages/video.py")
    at.query_params["video_id"] = remote.video_id
    at.run()
    assert not at.exception
    assert any("Kept copy (" in caption.value for caption in at.caption)
    [video] = at.get("video")
    assert not video.proto.url.startswith(engine.base_url)


def test_a_webhook_delivery_that_finishes_a_billed_video_asks_for_its_copy(tmp_path: Path) -> None:
    keeper = keeper_at(tmp_path)
    receiver = WebhookReceiver(InboxStore(keeper.history.path), keeper.history, on_applied=keeper.want)
    receiver.store.save_endpoint(InboxEndpoint("tok", "cloud", "https://api.jogg.ai", "ep", "secret"))
    keeper.history.record_submission(backend="cloud", base_url="https://api.jogg.ai", video_id="hooked", request={})
    body = json.dumps({"event": contract.EVENT_AVATAR_VIDEO_SUCCESS,
                       "data": {"video_id": "hooked", "video_url": "https://cdn/hooked.mp4"}}).encode()
    assert receiver.receive("tok", body, contract.sign_webhook(body, "secret")).applied
    assert keeper.history.get("cloud", "hooked").copy_state == kept_copies.WANTED
    keeper.offer_download("cloud", lambda url: b"video bytes")
    assert keeper.run_pending() == 1
    assert Path(keeper.history.get("cloud", "hooked").kept_video_path).read_bytes() == b"video bytes"
