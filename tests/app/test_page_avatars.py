"""Avatars page: the whole catalog from the engine, facet filters, search, preview and hand-off."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lib.studio.state import Keys
from tests.app.conftest import open_page

pytestmark = pytest.mark.timeout(120)


def shown_count(at) -> tuple[int, int]:
    caption = next(c.value for c in at.caption if " avatars" in c.value)
    shown, total = re.match(r"\*\*(\d+)\*\* of (\d+) avatars", caption).groups()
    return int(shown), int(total)


def test_count_matches_the_engine_catalog(studio_env: Path, engine_client) -> None:
    at = open_page("avatars")
    assert not at.exception
    total = len(engine_client.all_public_avatars())
    assert total >= 300
    assert shown_count(at) == (total, total)
    assert len(at.get("image")) >= 24  # the grid shows a page of covers


def test_facet_filter_matches_the_engine_filter(studio_env: Path, engine_client) -> None:
    at = open_page("avatars")
    at.multiselect(key=Keys.W_AVATAR_GENDER).select("female")
    at.multiselect(key=Keys.W_AVATAR_SCENE).select("business")
    at.run()
    expected = len(engine_client.all_public_avatars(gender="female", scene="business"))
    assert 0 < shown_count(at)[0] == expected


def test_search_open_preview_and_use_in_the_composer(studio_env: Path, engine_client) -> None:
    avatar = next(a for a in engine_client.all_public_avatars() if a.id == 81)
    at = open_page("avatars")
    at.text_input(key=Keys.W_AVATAR_SEARCH).input(avatar.name).run()
    assert shown_count(at)[0] >= 1
    at.button(key="avatar_open_81").click().run()
    assert avatar.video_url in [video.proto.url for video in at.get("video")]
    at.button(key=Keys.B_AVATAR_USE).click().run()
    assert not at.exception
    assert [title.value for title in at.title] == [":material/edit_note: Compose"]
    assert at.selectbox(key=Keys.W_COMPOSE_AVATAR).value == (0, 81)


def test_star_an_avatar_and_filter_favourites_only(studio_env: Path, engine_client) -> None:
    at = open_page("avatars")
    first, second = (avatar.id for avatar in engine_client.all_public_avatars()[:2])
    at.button(key=f"avatar_star_{second}").click().run()
    assert not at.exception
    at.toggle(key=Keys.W_AVATAR_FAVOURITES_ONLY).set_value(True).run()
    assert shown_count(at)[0] == 1
    assert [b.key for b in at.button if b.key.startswith("avatar_open_")] == [f"avatar_open_{second}"]
    # The star survives a new session (a reload): it lives in the dashboard's SQLite file.
    again = open_page("avatars")
    again.toggle(key=Keys.W_AVATAR_FAVOURITES_ONLY).set_value(True).run()
    assert shown_count(again)[0] == 1
    again.button(key=f"avatar_star_{second}").click().run()  # unstar
    assert shown_count(again)[0] == 0
    assert any("No favourite avatars yet" in info.value for info in again.info)
    assert first != second
