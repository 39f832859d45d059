"""Share page: a signed link plays the video from the studio's own copy (captions as a track, download
only when allowed); bad links say why; reviews are stored and shown literally, and rate-limited."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from lib.studio.experiment_plans import Variant
from lib.studio.experiments import ExperimentStore
from lib.studio.history import JobHistory
from lib.studio.reviews import PER_SESSION_PER_MINUTE, ReviewStore
from lib.studio.share_links import COMPARISON, DAY, VIDEO, ShareLinks, ShareTarget, load_secret
from lib.studio.state import Keys
from tests.app.conftest import open_page
from tests.app.test_page_jobs import record_finished

pytestmark = pytest.mark.timeout(180)
HOSTILE_NAME = "<script>alert(1)</script> **bold** [x](http://evil) :red[red]"
HOSTILE_COMMENT = "'); DROP TABLE share_reviews; -- <img src=x onerror=alert(1)>"


def links_at(data_dir: Path) -> ShareLinks:
    return ShareLinks(data_dir / "history.sqlite3", load_secret(data_dir / "share-secret"))


@pytest.fixture
def shared(studio_env: Path, engine, finished_video) -> tuple[str, ShareTarget]:
    video_id = record_finished(JobHistory(studio_env / "history.sqlite3"), engine, finished_video)
    return video_id, ShareTarget(VIDEO, "local", video_id)


def test_a_valid_link_plays_the_studio_copy_with_captions(studio_env: Path, engine_client, shared) -> None:
    video_id, target = shared
    token = links_at(studio_env).create(target, lifetime=DAY, allow_download=True).token
    at = open_page("share", t=token)
    assert not at.exception
    [video] = at.get("video")
    # Not the engine's link: a file the studio fetched into its share cache, served by Streamlit.
    assert "/media/" in video.proto.url and video.proto.url.endswith(".mp4") and engine_client.base_url.split("/v2")[0] not in video.proto.url
    cached = studio_env / "share-cache"
    [mp4] = cached.glob("*.mp4")
    assert mp4.read_bytes() == engine_client.download(engine_client.get_avatar_video(video_id).video_url)
    assert len(video.proto.subtitles) == 1 and list(cached.glob("*.vtt"))
    assert [title.value for title in at.title] == [":material/smart_display: studio test"]
    assert any(caption.value.endswith(" s") for caption in at.caption)
    assert [button.proto.label for button in at.get("download_button")] == ["Download MP4"]
    assert not at.sidebar.children


def test_download_only_when_allowed(studio_env: Path, shared) -> None:
    token = links_at(studio_env).create(shared[1], lifetime=DAY, allow_download=False).token
    at = open_page("share", t=token)
    assert not at.exception
    assert len(at.get("video")) == 1 and not at.get("download_button")


@pytest.mark.parametrize("case, words", [("tampered", "not valid"), ("expired", "expired"), ("revoked", "revoked"),
                                         ("long", "not valid")])
def test_bad_links_show_no_video_and_say_why(studio_env: Path, shared, case: str, words: str) -> None:
    links = links_at(studio_env)
    link = links.create(shared[1], lifetime=DAY, allow_download=True, now=1.0 if case == "expired" else None)
    token = {"tampered": link.token[:-2] + ("AA" if not link.token.endswith("AA") else "BB"),
             "expired": link.token, "revoked": link.token, "long": link.token * 50}[case]
    if case == "revoked":
        links.revoke(link.link_id)
    at = open_page("share", t=token)
    assert not at.exception
    assert not at.get("video") and not at.get("download_button") and not at.get("text_area")
    [error] = at.error
    assert words in error.value


def test_reviews_are_stored_and_shown_literally_and_rate_limited(studio_env: Path, shared) -> None:
    video_id, target = shared
    token = links_at(studio_env).create(target, lifetime=DAY, allow_download=False).token
    at = open_page("share", t=token)
    at.text_input(key=Keys.U_REVIEW_NAME).input(HOSTILE_NAME)
    at.button(key=Keys.B_REVIEW_APPROVE).click().run()
    assert any("approval was sent" in success.value for success in at.success)
    at.text_area(key=Keys.U_REVIEW_COMMENT).input(HOSTILE_COMMENT)
    at.button(key=Keys.B_REVIEW_SEND).click().run()
    assert any("comment was sent" in success.value for success in at.success)
    assert at.text_area(key=Keys.U_REVIEW_COMMENT).value == ""
    for _ in range(PER_SESSION_PER_MINUTE - 1):
        at.button(key=Keys.B_REVIEW_APPROVE).click().run()
    assert any(f"At most {PER_SESSION_PER_MINUTE} reviews a minute" in w.value for w in at.warning)
    assert "reviews a minute" in " ".join(caption.value for caption in at.caption)

    reviews = ReviewStore(studio_env / "history.sqlite3").for_target(VIDEO, "local", video_id)
    assert [review.verdict for review in reviews] == ["approve", "comment", "approve"]
    assert reviews[1].body == HOSTILE_COMMENT.strip() and reviews[0].name == HOSTILE_NAME
    with sqlite3.connect(studio_env / "history.sqlite3") as db:  # the table is intact
        assert db.execute("SELECT COUNT(*) FROM share_reviews").fetchone()[0] == 3

    owner = open_page("video", video_id=video_id)
    assert not owner.exception
    assert any(text.value == HOSTILE_COMMENT.strip() for text in owner.text)  # st.text: never Markdown or HTML
    [name_line] = [m.value for m in owner.markdown if "Approved" in m.value][:1]
    assert "<script>" not in name_line and r"\<script\>" in name_line and r"\*\*bold\*\*" in name_line
    assert "2 approvals · 1 comment" in " ".join(m.value for m in owner.markdown)


def test_a_shared_comparison_shows_the_variants_with_their_labels(studio_env: Path, engine, finished_video,
                                                                  engine_client) -> None:
    history = JobHistory(studio_env / "history.sqlite3")
    video_id = record_finished(history, engine, finished_video)
    history.record_submission(backend="local", base_url=engine.base_url, video_id="not-yet", experiment="exp-1",
                              request=finished_video["request"].to_payload())
    with sqlite3.connect(history.path) as db:
        db.execute("UPDATE jobs SET experiment = 'exp-1' WHERE video_id = ?", (video_id,))
    store = ExperimentStore(history.path)
    request = finished_video["request"]
    store.create("exp-1", name="Voices <b>test</b>", backend="local",
                 variants=[Variant(0, "Voice A", request), Variant(1, "Voice B", request)])
    store.record_variant("exp-1", 0, video_id=video_id)
    store.record_variant("exp-1", 1, video_id="not-yet")
    token = links_at(studio_env).create(ShareTarget(COMPARISON, "", "exp-1"), lifetime=None,
                                        allow_download=False).token
    at = open_page("share", t=token)
    assert not at.exception
    assert len(at.get("video")) == 1
    labels = [m.value for m in at.markdown]
    assert "**Voice A**" in labels and "**Voice B**" in labels
    assert "<b>" not in at.title[0].value
