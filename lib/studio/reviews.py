"""Reviews left on share pages: approvals and comments, stored in the studio's SQLite.

Text from colleagues is stored as given (parameters, never SQL built from it) and must be shown
escaped (``st.text`` or Markdown-escaped, never HTML). Each share link takes at most
``PER_LINK_PER_MINUTE`` reviews a minute (counted here, across sessions); the share page also limits
each browser session (``PER_SESSION_PER_MINUTE``, ``attempts.WindowLimit``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from lib.studio.sqlite_store import SqliteStore

APPROVE, COMMENT = "approve", "comment"
PER_LINK_PER_MINUTE = 10
PER_SESSION_PER_MINUTE = 3
MAX_NAME = 80
MAX_COMMENT = 2000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS share_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    link_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    backend TEXT NOT NULL,
    target_id TEXT NOT NULL,
    verdict TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS share_reviews_target ON share_reviews (kind, backend, target_id);
CREATE INDEX IF NOT EXISTS share_reviews_link ON share_reviews (link_id, created_at);
"""


@dataclass(frozen=True)
class Review:
    """One approval or comment."""

    id: int
    link_id: str
    verdict: str
    name: str
    body: str
    created_at: float


class ReviewStore(SqliteStore):
    """Approvals and comments per shared target (a video or a comparison)."""

    schema = _SCHEMA

    def add(self, *, link_id: str, kind: str, backend: str, target_id: str, verdict: str, name: str = "",
            body: str = "", now: float | None = None) -> str | None:
        """Store one review; returns None, or why it was refused (empty comment, too many this minute)."""
        now = time.time() if now is None else now
        name, body = (name or "").strip()[:MAX_NAME], (body or "").strip()[:MAX_COMMENT]
        if verdict not in (APPROVE, COMMENT):
            return "Unknown kind of review."
        if verdict == COMMENT and not body:
            return "Write a comment first."
        with self._connect() as db:
            recent = db.execute("SELECT COUNT(*) FROM share_reviews WHERE link_id = ? AND created_at > ?",
                                (link_id, now - 60)).fetchone()[0]
            if recent >= PER_LINK_PER_MINUTE:
                return f"This link already took {PER_LINK_PER_MINUTE} reviews this minute. Try again shortly."
            db.execute("INSERT INTO share_reviews (link_id, kind, backend, target_id, verdict, name, body, "
                       "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (link_id, kind, backend, target_id, verdict, name, body, now))
        return None

    def for_target(self, kind: str, backend: str, target_id: str) -> list[Review]:
        """The target's reviews, oldest first."""
        with self._connect() as db:
            rows = db.execute("SELECT id, link_id, verdict, name, body, created_at FROM share_reviews "
                              "WHERE kind = ? AND backend = ? AND target_id = ? ORDER BY id",
                              (kind, backend, target_id)).fetchall()
        return [Review(*row) for row in rows]
