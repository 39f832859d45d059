"""Favourite avatars and voices, per backend, kept in the dashboard's SQLite file.

Catalogs differ between backends (the local engine's avatar 81 is not the cloud's), so a favourite
belongs to a backend id (``local``, ``cloud``, ``custom:<url>``). No Streamlit import.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from lib.studio.sqlite_store import SqliteStore

KINDS = ("avatar", "voice")
Item = TypeVar("Item")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS favourites (
    backend TEXT NOT NULL,
    kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (backend, kind, item_id)
);
"""


class FavouritesStore(SqliteStore):
    """Starred catalog items; one short connection per call so any thread or session may use it."""

    schema = _SCHEMA

    @staticmethod
    def _checked_kind(kind: str) -> str:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        return kind

    def ids(self, backend: str, kind: str) -> set[str]:
        """The starred ids of one kind on one backend."""
        with self._connect() as db:
            rows = db.execute("SELECT item_id FROM favourites WHERE backend=? AND kind=?",
                              (backend, self._checked_kind(kind))).fetchall()
        return {row[0] for row in rows}

    def is_favourite(self, backend: str, kind: str, item_id: object) -> bool:
        """Whether one item is starred."""
        return str(item_id) in self.ids(backend, kind)

    def set_favourite(self, backend: str, kind: str, item_id: object, starred: bool) -> None:
        """Star or unstar one item (idempotent)."""
        with self._connect() as db:
            if starred:
                db.execute("INSERT OR IGNORE INTO favourites (backend, kind, item_id, created_at) "
                           "VALUES (?, ?, ?, ?)", (backend, self._checked_kind(kind), str(item_id), time.time()))
            else:
                db.execute("DELETE FROM favourites WHERE backend=? AND kind=? AND item_id=?",
                           (backend, self._checked_kind(kind), str(item_id)))

    def toggle(self, backend: str, kind: str, item_id: object) -> bool:
        """Flip one item's star; returns whether it is starred now."""
        starred = not self.is_favourite(backend, kind, item_id)
        self.set_favourite(backend, kind, item_id, starred)
        return starred


def only_favourites(items: Iterable[Item], starred: set[str], id_of: Callable[[Item], object]) -> list[Item]:
    """The items whose id is starred, in their original order."""
    return [item for item in items if str(id_of(item)) in starred]
