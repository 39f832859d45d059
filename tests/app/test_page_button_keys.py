"""No button a page draws has a key the page guard stashes (Streamlit refuses to set a button's value)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.studio.history import JobHistory
from lib.studio.nav import PAGES
from lib.studio.state import STASHED_WIDGETS, Keys
from tests.app.conftest import open_page
from tests.app.test_page_jobs import record_finished

pytestmark = pytest.mark.timeout(180)


def button_ids(at: AppTest) -> list[str]:
    """Element ids of every button drawn (click, form submit, download); an id ends with the widget's key."""
    return [element.proto.id for kind in ("button", "download_button") for element in at.get(kind)]


def stashed_buttons(at: AppTest) -> list[str]:
    return [element_id for element_id in button_ids(at) for key in STASHED_WIDGETS if element_id.endswith(f"-{key}")]


@pytest.mark.parametrize("slug", [spec.slug for spec in PAGES])
def test_no_button_on_the_page_is_stashed(slug: str, studio_env: Path) -> None:
    at = open_page(slug)
    assert not at.exception
    assert stashed_buttons(at) == []


def test_the_video_pages_buttons_are_not_stashed(studio_env: Path, engine, finished_video) -> None:
    video_id = record_finished(JobHistory(studio_env / "history.sqlite3"), engine, finished_video)
    at = open_page("video", video_id=video_id)
    assert not at.exception
    # The ids end with "-<key>": the bundle's proves the check above reads keys the way Streamlit writes them.
    assert any(element_id.endswith(f"-{Keys.B_VIDEO_BUNDLE}") for element_id in button_ids(at))
    assert stashed_buttons(at) == []

