"""Where queued work stands, one vocabulary for batches and experiments (the words stored in SQLite).

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

RUNNING, PAUSED, DONE = "running", "paused", "done"
INVALID, QUEUED, SENDING, SENT, REJECTED, UNCONFIRMED, SKIPPED = (
    "invalid", "queued", "sending", "sent", "rejected", "unconfirmed", "skipped")
UNSENT = (SENDING, QUEUED)  # still to go: an in-flight one first (it keeps its key), then the queued
