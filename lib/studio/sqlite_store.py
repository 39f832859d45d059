"""The dashboard's SQLite file: one base for every store that keeps tables in it.

History, batches, experiments, favourites and the webhook inbox share one database file. Each store
opens a short connection per call (so any thread or Streamlit session may use it), commits on success,
rolls back on error and closes the connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar


class SqliteStore:
    """Creates its tables (``schema``) on construction; ``_connect()`` yields a connection with Row access."""

    schema: ClassVar[str] = ""
    # Columns a table gained after it first shipped, {table: {column: SQL type}}: the schema's CREATE TABLE
    # has them too, and an older file gets them on open, before the schema runs (its indexes may name them).
    later_columns: ClassVar[dict[str, dict[str, str]]] = {}

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")  # readers (the tracker) never wait for a writer
            for table, columns in self.later_columns.items():
                have = {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}
                for column, kind in columns.items() if have else ():  # no table yet: the schema makes it whole
                    if column not in have:
                        db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            db.executescript(self.schema)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        try:
            with db:  # commit on success, roll back on error
                yield db
        finally:
            db.close()
