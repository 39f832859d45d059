"""Experiments (A/B): one script in up to six voices and/or avatars, or one voice reading script variants.

An experiment is a named set of jobs. Its variants and their video ids, the starred winner and the
notes are kept in the history database. *Create experiment* only records it (``running``, every
variant ``queued``); the background sender (``lib.studio.background_sender``) sends the queued
variants with ``submit_due_variants``, each through ``lib.studio.submission`` under the key
``exp-<id>-v<index>``, so a repeated pass is answered with the videos already made. A variant whose
answer was lost is sent again with its key only where the backend honours it (the local engine); on
a billed backend it is **unconfirmed** until a person sends it again (new key) or skips it.
Insufficient credit or a rejected key pauses the experiment with the reason; nothing more is sent
until the user resumes.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar

from lib.joggai import CreateVideoRequest, VideoStatus
from lib.studio import pacing
from lib.studio.experiment_plans import Variant
from lib.studio.history import JobRecord
from lib.studio.queue_states import (
    DONE,
    PAUSED,
    QUEUED,
    REJECTED,
    RUNNING,
    SENT,
    SKIPPED,
    UNCONFIRMED,
    QueueStore,
)
from lib.studio.sharing import request_from_payload
from lib.studio.submission import Intent, Origin, OutcomeKind, SubmissionOutcome, Submitter

# An experiment's states (running, paused, done) and its variants' (queued, sent, rejected, unconfirmed,
# skipped) are the batches' (lib.studio.queue_states).

_SCHEMA = """
CREATE TABLE IF NOT EXISTS experiments (
    experiment_id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    backend TEXT NOT NULL,
    winner_video_id TEXT,
    notes TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    state TEXT NOT NULL DEFAULT 'done',
    not_before REAL,
    last_error TEXT,
    account TEXT
);
CREATE TABLE IF NOT EXISTS experiment_variants (
    experiment_id TEXT NOT NULL,
    variant_index INTEGER NOT NULL,
    label TEXT NOT NULL,
    request_json TEXT NOT NULL,
    video_id TEXT,
    error TEXT,
    state TEXT NOT NULL DEFAULT 'sent',
    sent_at REAL,
    avatar_name TEXT NOT NULL DEFAULT '',
    voice_name TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (experiment_id, variant_index)
);
"""
# Columns added after the first release; an older file gets them (experiments sent before are done).
_LATER_COLUMNS = {"experiments": {"state": "TEXT NOT NULL DEFAULT 'done'", "not_before": "REAL",
                                  "last_error": "TEXT", "account": "TEXT"},
                  "experiment_variants": {"state": "TEXT NOT NULL DEFAULT 'sent'", "sent_at": "REAL",
                                          "avatar_name": "TEXT NOT NULL DEFAULT ''",
                                          "voice_name": "TEXT NOT NULL DEFAULT ''"}}


@dataclass(frozen=True)
class Experiment:
    """A named experiment as stored."""

    experiment_id: str
    name: str
    backend: str
    winner_video_id: str | None
    notes: str
    created_at: float
    state: str = DONE
    not_before: float | None = None
    last_error: str | None = None  # why it is paused or waiting (a breaker, a 429)
    account: str | None = None  # whose key sends it (backends.account_tag); None: recorded before accounts


@dataclass(frozen=True)
class StoredVariant:
    """A variant as stored, with its video id once the backend accepted it."""

    experiment_id: str
    variant_index: int
    label: str
    request_json: str
    video_id: str | None
    error: str | None
    state: str = SENT
    sent_at: float | None = None
    avatar_name: str = ""
    voice_name: str = ""

    @property
    def request(self) -> CreateVideoRequest:
        """The request to send, rebuilt from what was stored."""
        return request_from_payload(json.loads(self.request_json))


def new_experiment_id() -> str:
    """A short random id (it appears in links: ``?experiment=<id>``)."""
    return uuid.uuid4().hex[:12]


def idempotency_key(experiment_id: str, index: int) -> str:
    """The key of one variant's POST; the same on every retry of the experiment."""
    return f"exp-{experiment_id}-v{index}"


class ExperimentStore(QueueStore):
    """Experiments and their variants in the history database; one short connection per call."""

    schema = _SCHEMA
    queue_table, queue_id = "experiments", "experiment_id"

    later_columns: ClassVar[dict[str, dict[str, str]]] = _LATER_COLUMNS

    def create(self, experiment_id: str, *, name: str, backend: str, variants: Sequence[Variant],
               account: str = "", now: float | None = None) -> None:
        """Store the experiment, running, and its variants, queued (a second call with the same id changes nothing)."""
        now = time.time() if now is None else now
        with self._connect() as db:
            if db.execute("INSERT OR IGNORE INTO experiments (experiment_id, name, backend, created_at, "
                          "updated_at, state, account) VALUES (?, ?, ?, ?, ?, ?, ?)",
                          (experiment_id, name, backend, now, now, RUNNING, account)).rowcount:
                db.executemany(
                    "INSERT INTO experiment_variants (experiment_id, variant_index, label, request_json, state, "
                    "avatar_name, voice_name) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(experiment_id, v.index, v.label, json.dumps(v.request.to_payload(), sort_keys=True), QUEUED,
                      v.avatar_name, v.voice_name) for v in variants])

    def get(self, experiment_id: str) -> Experiment | None:
        """One experiment, or None."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM experiments WHERE experiment_id=?", (experiment_id,)).fetchone()
        return Experiment(**{name: row[name] for name in Experiment.__dataclass_fields__}) if row else None

    def list(self, limit: int = 100) -> list[Experiment]:
        """Experiments, newest first."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM experiments ORDER BY created_at DESC LIMIT ?", (limit,)).fetchall()
        return [Experiment(**{name: row[name] for name in Experiment.__dataclass_fields__}) for row in rows]

    def recent_send_times(self, backend: str, since: float) -> list[float]:
        """When this backend's variant POSTs went out since ``since`` (for the sliding-minute limit)."""
        with self._connect() as db:
            rows = db.execute("SELECT v.sent_at FROM experiment_variants v JOIN experiments e USING (experiment_id) "
                              "WHERE e.backend=? AND v.sent_at > ?", (backend, since)).fetchall()
        return [row[0] for row in rows]

    def set_state(self, experiment_id: str, state: str, *, not_before: float | None = None,
                  last_error: str | None = None) -> None:
        """Pause, resume, finish, or hold the experiment until ``not_before`` with a reason."""
        self._update(experiment_id, "state=?, not_before=?, last_error=?", (state, not_before, last_error))

    def finish(self, experiment_id: str) -> None:
        """Done, unless a variant was queued again meanwhile (a *Send again* racing the last send)."""
        with self._connect() as db:
            db.execute("UPDATE experiments SET state=?, not_before=NULL, last_error=NULL, updated_at=? "
                       "WHERE experiment_id=? AND NOT EXISTS (SELECT 1 FROM experiment_variants "
                       "WHERE experiment_id=? AND state=?)", (DONE, time.time(), experiment_id, experiment_id, QUEUED))

    def hold(self, experiment_id: str, not_before: float | None, last_error: str | None) -> None:
        """A running experiment waits until ``not_before`` (None: no longer) with a reason; a pause meanwhile wins."""
        with self._connect() as db:
            db.execute("UPDATE experiments SET not_before=?, last_error=?, updated_at=? WHERE experiment_id=? "
                       "AND state=?", (not_before, last_error, time.time(), experiment_id, RUNNING))

    def set_variant_state(self, experiment_id: str, index: int, state: str, *, sent_at: float | None = None) -> None:
        """Where one variant is on its way (``sent_at``: its POST is leaving now)."""
        with self._connect() as db:
            db.execute("UPDATE experiment_variants SET state=?, sent_at=COALESCE(?, sent_at), "
                       "error=CASE WHEN ?=? THEN NULL ELSE error END "
                       "WHERE experiment_id=? AND variant_index=?", (state, sent_at, state, QUEUED, experiment_id, index))

    def variants(self, experiment_id: str) -> list[StoredVariant]:
        """The experiment's variants in plan order."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM experiment_variants WHERE experiment_id=? ORDER BY variant_index",
                              (experiment_id,)).fetchall()
        return [StoredVariant(**{name: row[name] for name in StoredVariant.__dataclass_fields__}) for row in rows]

    def record_variant(self, experiment_id: str, index: int, *, video_id: str | None = None,
                       error: str | None = None) -> None:
        """The outcome of one variant's POST (a video id means it was accepted: the variant is sent)."""
        with self._connect() as db:
            db.execute("UPDATE experiment_variants SET video_id=COALESCE(?, video_id), error=?, "
                       "state=CASE WHEN ? IS NULL THEN state ELSE ? END "
                       "WHERE experiment_id=? AND variant_index=?",
                       (video_id, error, video_id, SENT, experiment_id, index))

    def set_winner(self, experiment_id: str, video_id: str | None) -> None:
        """Star one video as the winner (None clears the star)."""
        self._update(experiment_id, "winner_video_id=?", (video_id,))

    def set_notes(self, experiment_id: str, notes: str) -> None:
        """Replace the experiment's notes."""
        self._update(experiment_id, "notes=?", (notes,))

    def _update(self, experiment_id: str, assignment: str, params: tuple) -> None:
        with self._connect() as db:
            db.execute(f"UPDATE experiments SET {assignment}, updated_at=? WHERE experiment_id=?",
                       (*params, time.time(), experiment_id))


@dataclass(frozen=True)
class ExperimentOutcome:
    """What sending an experiment did: the jobs created (or found again), per-variant errors, unconfirmed ones."""

    experiment_id: str
    jobs: list[JobRecord]
    errors: list[str]
    unconfirmed: list[str] = field(default_factory=list)  # labels of variants a person must decide about
    stopped: str | None = None  # why it is paused (no credit, key rejected): nothing more goes until resumed
    not_sent: list[str] = field(default_factory=list)  # labels of the variants still queued then
    wait_until: float | None = None  # the next variant may not go before this time (pacing, 429, no connection)


def submit_due_variants(store: ExperimentStore, submitter: Submitter, experiment_id: str, *,
                        backend_limit: int | None = None, max_variants: int | None = None,
                        recent_send_times: Callable[[float], list[float]] | None = None,
                        clock: Callable[[], float] = time.time) -> ExperimentOutcome:
    """Send the running experiment's queued variants (up to ``max_variants``), paced; what came of them.

    A repeated pass is safe: a variant goes under its own key, accepted ones are never queued again, and
    unconfirmed ones go again with their key only where the backend honours it. Insufficient credit or a
    rejected key pauses the experiment at once; that variant stays queued for the resume.
    """
    experiment = store.get(experiment_id)
    if experiment is None:
        raise KeyError(experiment_id)
    jobs, problems, unconfirmed = [], [], []
    queued = [variant for variant in store.variants(experiment_id) if variant.state == QUEUED]
    if experiment.state != RUNNING:
        return ExperimentOutcome(experiment_id, jobs, problems, stopped=experiment.last_error,
                                 not_sent=[variant.label for variant in queued])
    recent = recent_send_times or (lambda since: store.recent_send_times(experiment.backend, since))
    for variant in queued[:max_variants]:
        now = clock()
        due = pacing.next_send_at(recent(now - pacing.WINDOW_SECONDS), now, backend_limit, experiment.not_before)
        if due > now:
            return ExperimentOutcome(experiment_id, jobs, problems, unconfirmed, wait_until=due)
        origin = Origin.variant(experiment_id, variant.variant_index)
        store.set_variant_state(experiment_id, variant.variant_index, QUEUED, sent_at=now)
        outcome = submitter.submit(variant.request, key=submitter.key_for(origin, idempotency_key(
            experiment_id, variant.variant_index)), origin=origin, avatar_name=variant.avatar_name,
            voice_name=variant.voice_name)
        _record(store, experiment_id, variant.variant_index, outcome)
        if outcome.accepted:
            jobs.append(outcome.job)
            if experiment.last_error:
                store.hold(experiment_id, None, None)  # sending again: the earlier wait is over
                experiment = replace(experiment, not_before=None, last_error=None)
            continue
        if outcome.breaker:  # nothing was made: it stays queued, and nothing more goes until resumed
            message = (f"Paused at {variant.label}: {outcome.reason} Nothing more is sent until you resume; "
                       "videos already made are not sent again.")
            store.set_state(experiment_id, PAUSED, last_error=message)
            return ExperimentOutcome(experiment_id, jobs, problems, unconfirmed, stopped=message, not_sent=[
                later.label for later in store.variants(experiment_id) if later.state == QUEUED])
        if outcome.kind is OutcomeKind.REFUSED and outcome.request_problem:
            store.set_variant_state(experiment_id, variant.variant_index, REJECTED)
            problems.append(f"{variant.label}: {outcome.reason}")
            continue
        if outcome.unconfirmed and not submitter.target.idempotent:
            store.set_variant_state(experiment_id, variant.variant_index, UNCONFIRMED)
            unconfirmed.append(variant.label)
            continue
        # Nothing was made (429, no connection, an account refusal), or the key makes a retry safe: it
        # stays queued and goes again, same key, after the wait.
        wait = pacing.FAILURE_BACKOFF_SECONDS
        if outcome.kind is OutcomeKind.RATE_LIMITED:
            wait = pacing.DEFAULT_RATE_LIMIT_WAIT if outcome.retry_after is None else outcome.retry_after
        store.set_variant_state(experiment_id, variant.variant_index, QUEUED)
        until = clock() + wait
        store.hold(experiment_id, until,
                   f"Sending {variant.label} failed ({outcome.reason}); trying again in {wait:.0f} s.")
        problems.append(f"{variant.label}: {outcome.reason}")
        return ExperimentOutcome(experiment_id, jobs, problems, unconfirmed, wait_until=until)
    store.finish(experiment_id)  # when nothing is queued any more
    return ExperimentOutcome(experiment_id, jobs, problems, unconfirmed)


def _record(store: ExperimentStore, experiment_id: str, index: int, outcome: SubmissionOutcome) -> None:
    if outcome.accepted:
        store.record_variant(experiment_id, index, video_id=outcome.video_id)
    else:
        store.record_variant(experiment_id, index, error=outcome.reason)


def send_variant_again(store: ExperimentStore, submitter: Submitter, experiment_id: str, index: int) -> None:
    """A person asked: the unconfirmed variant is queued again for the sender. Where the backend honours the
    key it goes with the same one (no second video); elsewhere with a new key (it may cost one)."""
    if not submitter.target.idempotent:
        submitter.release(submitter.key_for(Origin.variant(experiment_id, index), idempotency_key(experiment_id, index)))
    store.set_variant_state(experiment_id, index, QUEUED)
    store.set_state(experiment_id, RUNNING)


def skip_variant(store: ExperimentStore, submitter: Submitter, experiment_id: str, index: int) -> None:
    """A person decided: the unconfirmed variant is left as it is and never sent again."""
    submitter.skip(submitter.key_for(Origin.variant(experiment_id, index), idempotency_key(experiment_id, index)))
    store.set_variant_state(experiment_id, index, SKIPPED)


@dataclass(frozen=True)
class CompareCell:
    """One cell of the compare grid; ``state`` is unconfirmed or skipped when a lost answer is involved."""

    label: str
    video_id: str | None
    job: JobRecord | None
    error: str | None
    winner: bool
    index: int = 0
    state: str | None = None  # the latest submission intent's
    queue_state: str = SENT  # the variant's own: queued, sent, rejected, unconfirmed, skipped

    @property
    def unconfirmed(self) -> bool:
        return self.job is None and self.state == OutcomeKind.UNCONFIRMED.value

    @property
    def status(self) -> str:
        """The job's status, else unconfirmed / skipped / failed (refused) / pending."""
        if self.job is not None:
            return self.job.status
        if self.state in (OutcomeKind.UNCONFIRMED.value, SKIPPED):
            return self.state
        return VideoStatus.FAILED.value if self.error else VideoStatus.PENDING.value


def compare_cells(experiment: Experiment, variants: Sequence[StoredVariant], jobs: Sequence[JobRecord],
                  intents: Mapping[int, Intent] | None = None) -> list[CompareCell]:
    """Grid cells in plan order, each with its job's latest state and its submission's (``item -> intent``)."""
    by_id = {job.video_id: job for job in jobs}
    intents = intents or {}
    return [CompareCell(label=variant.label, video_id=variant.video_id, job=by_id.get(variant.video_id or ""),
                        error=variant.error, index=variant.variant_index,
                        state=intents[variant.variant_index].state if variant.variant_index in intents else None,
                        queue_state=variant.state,
                        winner=bool(variant.video_id) and variant.video_id == experiment.winner_video_id)
            for variant in variants]


def experiment_summary(cells: Sequence[CompareCell]) -> str:
    """``"2 of 3 done · 1 running"``-style one-liner for the list and the header."""
    done = sum(cell.job is not None and cell.job.video_status is VideoStatus.COMPLETED for cell in cells)
    unconfirmed = sum(cell.unconfirmed for cell in cells)
    skipped = sum(cell.job is None and cell.state == SKIPPED for cell in cells)
    failed = sum((cell.job is not None and cell.job.video_status is VideoStatus.FAILED) or
                 (cell.job is None and bool(cell.error) and cell.state not in (SKIPPED, UNCONFIRMED))
                 for cell in cells)
    running = len(cells) - done - failed - unconfirmed - skipped
    parts = [f"{done} of {len(cells)} done"]
    for count, word in ((running, "running"), (unconfirmed, "unconfirmed"), (failed, VideoStatus.FAILED.value),
                        (skipped, "skipped")):
        if count:
            parts.append(f"{count} {word}")
    return " · ".join(parts)
