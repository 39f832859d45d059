"""The favourites store: per backend and kind, idempotent, shared by every connection to the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.studio.favourites import FavouritesStore, only_favourites


def test_stars_are_kept_per_backend_and_kind(tmp_path: Path) -> None:
    store = FavouritesStore(tmp_path / "studio.sqlite3")
    assert store.toggle("local", "avatar", 81) is True
    store.set_favourite("local", "avatar", "81", True)  # idempotent; ids are compared as text
    store.set_favourite("local", "voice", "en-US-1", True)
    store.set_favourite("cloud", "avatar", 7, True)
    assert store.ids("local", "avatar") == {"81"}
    assert store.ids("local", "voice") == {"en-US-1"}
    assert store.ids("cloud", "avatar") == {"7"} and store.ids("cloud", "voice") == set()
    assert store.toggle("local", "avatar", 81) is False
    assert not store.is_favourite("local", "avatar", 81)
    # A second store on the same file (another session, a restarted dashboard) sees the same stars.
    assert FavouritesStore(tmp_path / "studio.sqlite3").ids("local", "voice") == {"en-US-1"}


def test_unknown_kinds_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="kind"):
        FavouritesStore(tmp_path / "studio.sqlite3").ids("local", "video")


def test_only_favourites_keeps_catalog_order() -> None:
    items = [{"id": 3}, {"id": 1}, {"id": 2}]
    assert only_favourites(items, {"2", "3"}, lambda item: item["id"]) == [{"id": 3}, {"id": 2}]
