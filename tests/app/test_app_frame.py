"""The frame (app.py): shared sidebar on every page and rerun, the page guard, the engine-down banner."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.studio.nav import PAGES
from lib.studio.widgets import format_quota
from tests.app.conftest import new_app, open_page

pytestmark = pytest.mark.timeout(120)


def sidebar_text(at) -> str:
    return " ".join([m.value for m in at.sidebar.markdown] + [c.value for c in at.sidebar.caption])


def test_sidebar_shows_backend_health_user_and_quota(studio_env: Path, engine_client) -> None:
    at = new_app()
    at.run()
    assert not at.exception
    text = sidebar_text(at)
    assert "Local engine" in text and "healthy" in text
    assert engine_client.whoami().username in text
    assert format_quota(engine_client.remaining_quota()) in text


@pytest.mark.parametrize("spec", [spec for spec in PAGES if spec.needs_backend], ids=lambda spec: spec.slug)
def test_every_page_keeps_the_frame_across_reruns(studio_env: Path, spec) -> None:
    at = open_page(spec.slug)
    for _ in range(2):  # with a pages/ folder, AppTest skips app.py on reruns unless the guard works
        assert not at.exception, at.exception
        assert "Avatar Studio" in sidebar_text(at)
        # The title comes from the page registry, drawn once by the frame.
        assert [title.value for title in at.title] == [spec.heading]
        at.run()


def test_the_share_page_has_no_frame_across_reruns(studio_env: Path) -> None:
    at = open_page("share", t="not-a-token")
    for _ in range(2):
        assert not at.exception, at.exception
        assert sidebar_text(at) == "" and not at.sidebar.children
        assert any("not valid" in error.value for error in at.error)
        at.run()


def test_bounce_through_the_entrypoint_lands_on_the_page_with_its_params(studio_env: Path) -> None:
    at = new_app(_next="video", video_id="nope-123")
    at.run()
    assert not at.exception
    assert [title.value for title in at.title] == [":material/movie: Video"]
    assert "_next" not in at.query_params


@pytest.mark.parametrize("slug", ["avatars", "compose", "jobs", "settings"])
def test_engine_down_shows_a_banner_with_the_fix_not_a_traceback(closed_port_env: str, slug: str) -> None:
    at = open_page(slug)
    assert not at.exception
    banner = " ".join(error.value for error in at.error)
    assert "not reachable" in banner and closed_port_env in banner
    assert "AVATAR_STUDIO_ENGINE_URL" in banner  # the fix names what to change
    assert "not connected" in sidebar_text(at)
