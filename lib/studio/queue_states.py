"""Where queued work stands, one vocabulary for batches and experiments (the words stored in SQLite), and
the store base they share (``QueueStore``: running items, and whose key sends each).

A batch or an experiment is ``RUNNING`` (the background sender sends what is due), ``PAUSED`` (a person or a
breaker stopped it) or ``DONE``. Each of its rows or variants is:

- ``INVALID``: a batch row that failed its checks; never sent;
- ``QUEUED``: due;
- ``SENDING``: its POST left, the answer not recorded yet (a crash here is judged on restart);
- ``SENT``: the backend answered with a video id;
- ``REJECTED``: the backend refused its request; nothing was made;
- ``UNCONFIRMED``: no answer from a billed backend; a person decides;
- ``SKIPPED``: a person left an unconfirmed one as it is.
"""

from __future__ import annotations

import time
from typing import ClassVar

from lib.studio.sqlite_store import SqliteStore

RUNNING, PAUSED, DONE = "running", "paused", "done"
INVALID, QUEUED, SENDING, SENT, REJECTED, UNCONFIRMED, SKIPPED = (
    "invalid", "queued", "sending", "sent", "rejected", "unconfirmed", "skipped")
UNSENT = (SENDING, QUEUED)  # still to go: an in-flight one first (it keeps its key), then the queued


class QueueStore(SqliteStore):
    """A store of queued work (batches, experiments): which items are running, and whose key sends each.

    ``queue_table`` has ``backend``, ``state``, ``account`` (``backends.account_tag``; NULL: stored before
    accounts were recorded), ``created_at`` and ``updated_at``; ``queue_id`` is its key column.
    """

    queue_table: ClassVar[str]
    queue_id: ClassVar[str]

    def running(self, backend: str, account: str) -> list[str]:
        """The ids of this backend's running items of ``account``, oldest first (the background sender's work)."""
        with self._connect() as db:
            rows = db.execute(f"SELECT {self.queue_id} FROM {self.queue_table} WHERE backend=? AND account=? "
                              "AND state=? ORDER BY created_at", (backend, account, RUNNING)).fetchall()
        return [row[0] for row in rows]

    def set_account(self, item_id: str, account: str) -> None:
        """Send the rest of this item with ``account``'s key (a person chose to)."""
        with self._connect() as db:
            db.execute(f"UPDATE {self.queue_table} SET account=?, updated_at=? WHERE {self.queue_id}=?",
                       (account, time.time(), item_id))

    def adopt_unowned(self, backend: str, account: str) -> None:
        """Give items stored before accounts were recorded to ``account`` (the first key that sends them)."""
        with self._connect() as db:
            db.execute(f"UPDATE {self.queue_table} SET account=? WHERE backend=? AND account IS NULL",
                       (account, backend))
