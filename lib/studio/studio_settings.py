"""Studio settings the user changes in Settings and that outlive the browser session (a small table
in the dashboard database). Values are stored as text; readers give the default and the type."""

from __future__ import annotations

from lib.studio.sqlite_store import SqliteStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS studio_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class StudioSettings(SqliteStore):
    """Named values; thread-safe (one connection per call)."""

    schema = _SCHEMA

    def get(self, name: str) -> str | None:
        """The stored value of ``name``, or None when it was never set."""
        with self._connect() as db:
            row = db.execute("SELECT value FROM studio_settings WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    def set(self, name: str, value: str) -> None:
        """Store ``value`` under ``name``."""
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO studio_settings (name, value) VALUES (?, ?)", (name, str(value)))
