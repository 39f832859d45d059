"""lib/studio/finishing.py without a page, against the real engine's finished video: what the choices must
hold, a copy fetched first when there is none, a failed finish keeping the previous finished copy, and the
storage budget taking a finished copy that does not fit."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from lib.joggai import JoggAIClient
from lib.studio import finishing, kept_copies
from lib.studio.finishing import FinishChoices, Upload, make_finished_copy
from lib.studio.history import JobHistory, JobUpdate

pytestmark = pytest.mark.timeout(180)
BIG = 10 * 1024**3


def logo_upload(colour=(255, 0, 255, 255)) -> Upload:
    buffer = io.BytesIO()
    Image.new("RGBA", (80, 40), colour).save(buffer, format="PNG")
    return Upload("logo.png", buffer.getvalue())


def recorded(tmp_path: Path, finished_video) -> tuple[JobHistory, object]:
    remote = finished_video["job"]
    history = JobHistory(tmp_path / "history.sqlite3")
    history.record_submission(backend="local", base_url="http://e", video_id=remote.video_id, request={}, now=1.0)
    history.apply_updates([JobUpdate("local", remote.video_id, 2.0, None, status="completed",
                                     video_url=remote.video_url, cover_url=remote.cover_url)])
    return history, history.get("local", remote.video_id)


def test_the_choices_say_what_is_missing_or_too_big() -> None:
    assert FinishChoices().problems() == ["Choose a logo, music or an end card first."]
    assert FinishChoices(card_text="Buy it").problems() == []
    huge = Upload("m.mp3", b"\0" * (finishing.MAX_UPLOAD_BYTES + 1))
    assert FinishChoices(music=huge).problems() == ["The music is over 50 MB."]
    assert "logo corner" in FinishChoices(logo=logo_upload(), logo_corner="middle").problems()[0]


def test_without_a_copy_or_a_backend_nothing_is_made(tmp_path: Path, finished_video) -> None:
    history, job = recorded(tmp_path, finished_video)
    outcome = make_finished_copy(history, job, FinishChoices(logo=logo_upload()), copies_dir=tmp_path / "copies",
                                 download=None, budget_bytes=BIG)
    assert "not reachable" in outcome.problem and outcome.job.finished_video_path is None
    assert not (tmp_path / "copies").exists()


def test_a_failed_finish_keeps_the_previous_finished_copy(tmp_path: Path, engine_client: JoggAIClient,
                                                          finished_video) -> None:
    history, job = recorded(tmp_path, finished_video)
    seen: list[float] = []
    first = make_finished_copy(history, job, FinishChoices(logo=logo_upload()), copies_dir=tmp_path / "copies",
                               download=engine_client.download, budget_bytes=BIG, progress=seen.append)
    assert first.problem is None and seen[-1] == 1.0
    finished = Path(kept_copies.finished_copy(first.job))
    assert finished == finishing.finished_path(tmp_path / "copies", first.job)
    before = finished.read_bytes()
    broken = make_finished_copy(history, first.job, FinishChoices(logo=Upload("logo.png", b"not a picture")),
                                copies_dir=tmp_path / "copies", download=None, budget_bytes=BIG)
    assert "logo is not a PNG, JPEG or WebP picture" in broken.problem
    assert finished.read_bytes() == before and kept_copies.finished_copy(broken.job) == str(finished)
    assert finishing.finished_status(broken.job).startswith("Finished copy made ")


def test_a_finished_copy_over_the_budget_is_evicted_with_its_copy(tmp_path: Path, engine_client: JoggAIClient,
                                                                  finished_video) -> None:
    history, job = recorded(tmp_path, finished_video)
    size = len(engine_client.download(finished_video["job"].video_url))
    outcome = make_finished_copy(history, job, FinishChoices(card_text="Thanks for watching"),
                                 copies_dir=tmp_path / "copies", download=engine_client.download,
                                 budget_bytes=size + 1)  # less than the copy and its finished copy together
    assert "did not fit in the storage budget" in outcome.problem
    assert outcome.job.copy_state == kept_copies.EVICTED and history.kept_usage() == (0, 0)
    assert not list((tmp_path / "copies").rglob("*.mp4"))
