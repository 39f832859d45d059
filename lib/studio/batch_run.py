"""Sending a stored batch: paced, resumable, through the one submission path, and honest about what it knows.

A row is marked ``sending`` *before* its POST and ``sent`` with its video id right after; its intent
is kept by ``lib.studio.submission`` under the key ``batch-<id>-row-<n>``. On the local engine
(Idempotency-Key honoured) a row whose answer was lost goes again with that key and the engine answers
with the video it already made. On a billed backend such a row is **unconfirmed**: it is never sent
again by itself, the batch goes on with the next row, and a person may *Send again* (a new key,
maybe a second video) or *Skip* it.

Insufficient credit or a rejected key pauses the batch at once, with the reason: the row that got that
answer made nothing, so it goes back to the queue and nothing more is sent until the user resumes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from lib.studio import pacing
from lib.studio.batch import BatchProgress, BatchStore, idempotency_key
from lib.studio.queue_states import PAUSED, RUNNING
from lib.studio.submission import Origin, OutcomeKind, Submitter


def submit_due_rows(store: BatchStore, submitter: Submitter, *, batch_id: str, backend_limit: int | None,
                    budget_seconds: float = 2.0, max_rows: int | None = None,
                    recent_send_times: Callable[[float], list[float]] | None = None,
                    clock: Callable[[], float] = time.time) -> BatchProgress:
    """Send the batch's next rows (for up to ``budget_seconds`` or ``max_rows``), paced; returns where it stands.

    Called by the background sender (``lib.studio.background_sender``) again and again while rows remain;
    ``recent_send_times(since)`` may count the backend's other POSTs too (default: its batches').
    """
    batch = store.get(batch_id)
    if batch is None:
        raise KeyError(batch_id)
    if batch.state != RUNNING:
        return store.progress(batch_id, message=batch.last_error)
    limit = pacing.effective_limit(backend_limit, batch.posts_per_minute)
    recent = recent_send_times or (lambda since: store.recent_send_times(batch.backend, since))
    started, attempted = clock(), 0
    while clock() - started < budget_seconds and (max_rows is None or attempted < max_rows):
        attempted += 1
        row = store.next_unsent(batch_id)
        if row is None:
            store.finish(batch_id)
            return store.progress(batch_id)
        now = clock()
        due = pacing.next_send_at(recent(now - pacing.WINDOW_SECONDS), now, limit, batch.not_before,
                                  min_gap=pacing.even_gap(batch.posts_per_minute))
        if due > now:
            return store.progress(batch_id, wait_until=due, message=batch.last_error)
        request = row.request
        assert request is not None  # only valid rows are queued
        origin = Origin.batch_row(batch_id, row.row_number)
        key = submitter.key_for(origin, idempotency_key(batch_id, row.row_number))
        store.mark_sending(batch_id, row.row_number, now)
        outcome = submitter.submit(request, key=key, origin=origin, avatar_name=row.avatar_name,
                                   voice_name=row.voice_name)
        if outcome.kind is OutcomeKind.ACCEPTED:
            store.mark_sent(batch_id, row.row_number, outcome.video_id)
            if batch.not_before is not None or batch.last_error:
                store.hold(batch_id, None, None)  # sending again: the earlier wait and its reason are over
                batch = store.get(batch_id) or batch
            continue
        if outcome.kind is OutcomeKind.REFUSED and outcome.breaker:
            store.mark_queued(batch_id, row.row_number)  # nothing was created: it goes again after resume
            message = f"Paused at row {row.row_number}: {outcome.reason} Nothing more is sent until you resume."
            store.set_state(batch_id, PAUSED, last_error=message)
            return store.progress(batch_id, message=message)
        if outcome.kind is OutcomeKind.REFUSED and outcome.request_problem:
            store.mark_rejected(batch_id, row.row_number, outcome.reason or "refused")
            continue
        if outcome.kind is OutcomeKind.UNCONFIRMED and not submitter.target.idempotent:
            store.mark_unconfirmed(batch_id, row.row_number, outcome.reason)
            continue  # this row waits for a person; the others are not held back by it
        # Nothing was created (429, no connection, an account refusal), or the key makes a retry safe:
        # the row stays in flight and goes again, same key, after the wait.
        if outcome.kind is OutcomeKind.RATE_LIMITED:
            wait = outcome.retry_after if outcome.retry_after is not None else pacing.DEFAULT_RATE_LIMIT_WAIT
            message = f"Rate limited by the backend; waiting {wait:.0f} s as it asked."
        else:
            wait = pacing.FAILURE_BACKOFF_SECONDS
            message = f"Sending row {row.row_number} failed ({outcome.reason}); retrying shortly."
        until = clock() + wait
        store.hold(batch_id, until, message)
        return store.progress(batch_id, wait_until=until, message=message)
    return store.progress(batch_id)


def send_row_again(store: BatchStore, submitter: Submitter, batch_id: str, row_number: int) -> None:
    """A person confirmed: the unconfirmed row goes again with a new key (it may cost a second video)."""
    origin = Origin.batch_row(batch_id, row_number)
    submitter.release(submitter.key_for(origin, idempotency_key(batch_id, row_number)))
    store.mark_queued(batch_id, row_number)
    store.set_state(batch_id, RUNNING)


def skip_row(store: BatchStore, submitter: Submitter, batch_id: str, row_number: int) -> None:
    """A person decided: the unconfirmed row is left as it is and never sent again."""
    submitter.skip(submitter.key_for(Origin.batch_row(batch_id, row_number), idempotency_key(batch_id, row_number)))
    store.mark_skipped(batch_id, row_number)


def sending_summary(progress: BatchProgress) -> str:
    """``"4 of 5 sent, 1 unconfirmed"``: a row whose answer never came is never counted as sent."""
    text = f"{progress.sent} of {progress.total} sent"
    for count, word in ((progress.unconfirmed, "unconfirmed"), (progress.rejected, "rejected"),
                        (progress.skipped, "skipped")):
        if count:
            text += f", {count} {word}"
    return text
