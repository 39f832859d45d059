"""The Video page's Finish panel: a finished copy with a logo, a ducked music bed and an end card, made from
the kept copy of a video of the real local engine and of the billed cloud stand-in. The finished copy plays
on the page, is in the bundle and is what a share link plays, also once the backend's link has died; the
billed backend gets no request for any of it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from lib.joggai import CreateVideoRequest, VideoStatus, errors
from lib.media.finish import probe_video
from lib.studio import kept_copies, sharing
from lib.studio.history import JobHistory, JobUpdate
from lib.studio.share_media import share_media_path
from lib.studio.state import Keys
from tests.app.conftest import open_page
from tests.app.test_page_jobs import record_finished
from tests.media.sound_checks import BED_BAND, BED_HZ, band, decoded_sound, rms_db_between, tone, write_audio

pytestmark = pytest.mark.timeout(240)

LOGO_COLOUR, PRODUCT_COLOUR = (255, 0, 255), (20, 200, 60)


def png(size: tuple[int, int], colour: tuple[int, ...], mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def music_bytes(tmp_path: Path) -> bytes:
    return write_audio(tmp_path / "bed.m4a", tone(1.0, BED_HZ, 44100, 0.5), 44100, "aac").read_bytes()


def finish_on_the_page(at, tmp_path: Path, *, card_seconds: float = 2.0):
    at.file_uploader(key=Keys.U_FINISH_LOGO).upload("logo.png", png((120, 60), (*LOGO_COLOUR, 255), "RGBA"),
                                                     "image/png")
    at.file_uploader(key=Keys.U_FINISH_MUSIC).upload("bed.m4a", music_bytes(tmp_path), "audio/mp4")
    at.file_uploader(key=Keys.U_FINISH_CARD_IMAGE).upload("product.png", png((200, 200), PRODUCT_COLOUR), "image/png")
    at.text_input(key=Keys.W_FINISH_CARD_TEXT).input("Get yours today")
    at.slider(key=Keys.W_FINISH_CARD_SECONDS).set_value(card_seconds)
    at.run()
    at.button(key=Keys.B_FINISH_MAKE).click().run()
    assert not at.exception
    return at


def check_finished_file(path: Path, original: Path, card_seconds: float) -> None:
    """From decoded frames and sound: as long as the original plus the card, the logo top right, the
    card's product last, and the bed in the sound."""
    finished, source = probe_video(path), probe_video(original)
    assert finished.duration == pytest.approx(source.duration + card_seconds, abs=0.15)
    assert (finished.width, finished.height) == (source.width, source.height)
    with av.open(str(path)) as container:
        pictures = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    margin = round(min(finished.width, finished.height) * 0.035)
    corner = pictures[5][margin + 4, finished.width - margin - 6].astype(int)
    assert np.all(np.abs(corner - LOGO_COLOUR) < 40), corner
    last = pictures[-1]
    assert np.all(np.abs(last[finished.height // 3, finished.width // 2].astype(int) - PRODUCT_COLOUR) < 40)
    sound = decoded_sound(path, 44100)
    card = [(source.duration + 0.2, source.duration + card_seconds / 2)]
    assert rms_db_between(band(sound, 44100, *BED_BAND), 44100, card) > -35  # the bed plays under the card


def test_the_local_engine_s_video_is_finished_from_a_copy_it_fetches_first(studio_env: Path, engine,
                                                                           finished_video, tmp_path: Path) -> None:
    history = JobHistory(studio_env / "history.sqlite3")
    video_id = record_finished(history, engine, finished_video)
    at = open_page("video", video_id=video_id)
    assert not at.exception
    assert len(at.get("video")) == 1  # no finished copy yet
    at.button(key=Keys.B_FINISH_MAKE).click().run()  # nothing chosen: nothing made
    assert any("Choose a logo, music or an end card" in warning.value for warning in at.warning)
    assert history.get("local", video_id).finished_video_path is None

    finish_on_the_page(at, tmp_path)
    assert any("finished copy is ready" in success.value for success in at.success)
    job = history.get("local", video_id)
    kept, finished = Path(job.kept_video_path), Path(job.finished_video_path)
    assert kept.read_bytes()[4:8] == b"ftyp" and finished.parent == kept.parent  # next to the fetched copy
    assert finished.is_relative_to(studio_env / "copies") and not list(finished.parent.glob(".*partial*"))
    check_finished_file(finished, kept, 2.0)
    assert history.kept_usage()[1] == job.kept_bytes + finished.stat().st_size  # counted in the budget
    assert len(at.get("video")) == 2  # the original and, in the panel, the finished copy
    assert any(button.proto.id.endswith(Keys.B_FINISH_DOWNLOAD) for button in at.get("download_button"))
    assert any("Finished copy made" in caption.value for caption in at.caption)


def test_a_billed_video_is_finished_from_its_kept_copy_after_its_link_died(studio_env: Path, cloud,
                                                                           tmp_path: Path) -> None:
    client = cloud.client()
    avatar, voice = client.list_public_avatars(page_size=1)[0], client.list_voices(page_size=1).voices[0]
    video_id = client.create_avatar_video(CreateVideoRequest(avatar_id=avatar.id, voice_id=voice.voice_id,
                                                             script="Hello.", video_name="billed finish"))
    remote = client.wait_for_video(video_id, poll_interval=0.5, timeout=60)
    assert remote.status is VideoStatus.COMPLETED
    backend = f"custom:{cloud.base_url}"
    history = JobHistory(studio_env / "history.sqlite3")
    history.record_submission(backend=backend, base_url=cloud.base_url, video_id=video_id,
                              request={"aspect_ratio": "portrait"}, name="billed finish", now=1.0)
    history.apply_updates([JobUpdate(backend, video_id, 2.0, None, status="completed", progress=100,
                                     video_url=remote.video_url, cover_url=remote.cover_url)])
    job = kept_copies.keep_copy(history, history.get(backend, video_id), client.download, studio_env / "copies")
    assert job.copy_state == kept_copies.KEPT

    cloud.configure(link_ttl=0.001)  # the cloud's links die
    with pytest.raises(errors.JoggAIError):
        client.download(remote.video_url)
    creates_before = len(cloud.creates())

    at = open_page("video", video_id=video_id)
    assert not at.exception
    finish_on_the_page(at, tmp_path, card_seconds=3.0)
    assert any("finished copy is ready" in success.value for success in at.success), [w.value for w in at.warning]
    job = history.get(backend, video_id)
    finished = Path(kept_copies.finished_copy(job))
    check_finished_file(finished, Path(job.kept_video_path), 3.0)
    assert len(at.get("video")) == 2
    assert len(cloud.creates()) == creates_before  # finishing sent the billed backend nothing

    # The bundle holds the original and the finished copy, both read from this computer.
    source = sharing.BundleSource(video_id=video_id, name=job.name, request=job.request, video_url=job.video_url,
                                  cover_url=job.cover_url, finished_video=kept_copies.finished_copy(job))
    bundle = zipfile.ZipFile(io.BytesIO(sharing.build_bundle(source, kept_copies.bundle_fetch(job, client.download))))
    assert bundle.read("video-finished.mp4") == finished.read_bytes()
    assert bundle.read("video.mp4") == Path(job.kept_video_path).read_bytes()
    assert "video-finished.mp4" in bundle.read("README.txt").decode()

    # A share link of the video plays the finished copy; the dead link is never fetched.
    def no_fetch(url: str, max_bytes: int) -> bytes:
        raise AssertionError(f"fetched {url}")

    media = share_media_path(job, studio_env / "share-cache", no_fetch)
    assert media.video == finished and media.problem is None


def test_the_budget_evicts_a_finished_copy_with_its_copy(studio_env: Path, engine, finished_video,
                                                         tmp_path: Path) -> None:
    history = JobHistory(studio_env / "history.sqlite3")
    video_id = record_finished(history, engine, finished_video)
    at = finish_on_the_page(open_page("video", video_id=video_id), tmp_path)
    job = history.get("local", video_id)
    finished = Path(job.finished_video_path)
    assert finished.is_file()
    assert kept_copies.enforce_budget(history, 0) == [job]
    assert not finished.exists() and not Path(job.kept_video_path).exists()
    job = history.get("local", video_id)
    assert job.finished_video_path is None and history.kept_usage() == (0, 0)
    at.run()
    assert not at.exception and len(at.get("video")) == 1  # back to the engine's own link
