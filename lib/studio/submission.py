"""The one way a video is submitted (Compose, Experiments and Batch): write the intent, send, write the outcome.

The intent (request without the key, backend, base URL, Idempotency-Key, origin, time) is stored in the
history database *before* the POST, so a crash cannot lose a video the backend made. The answer becomes
one ``SubmissionOutcome``:

- accepted: a video id; the job is in the history, due for its first poll;
- refused: the backend said no (4xx / business error); nothing was created;
- rate_limited: nothing was created; trying again after ``retry_after`` is safe;
- not_sent: the connection was never made (refused, connect timeout); nothing can have arrived;
- unconfirmed: the request left but no usable answer came back (read timeout, reset connection,
  5xx, malformed answer): the backend may have created, and billed, the video.

On a backend that honours Idempotency-Key (the local engine) an unconfirmed or interrupted intent is
sent again with its own key, automatically: the backend answers with the video it already made. On
any other backend it is never sent again by itself; only a person may (``send_again`` with a new key).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from lib.joggai import CreateVideoRequest, errors
from lib.studio.history import JobHistory, JobRecord, scrub_request
from lib.studio.polling import first_poll_at
from lib.studio.product_visuals import without_ext
from lib.studio.pronunciations import PronunciationStore, spoken_request
from lib.studio.sharing import request_from_payload
from lib.studio.sqlite_store import SqliteStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    idempotency_key TEXT PRIMARY KEY,
    backend TEXT NOT NULL,
    base_url TEXT NOT NULL,
    origin_kind TEXT NOT NULL,
    origin_group TEXT NOT NULL DEFAULT '',
    origin_item INTEGER NOT NULL DEFAULT 0,
    request_json TEXT NOT NULL,
    avatar_name TEXT NOT NULL DEFAULT '',
    voice_name TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    video_id TEXT,
    reason TEXT,
    field TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_origin ON submissions (origin_kind, origin_group, origin_item);
CREATE INDEX IF NOT EXISTS submissions_state ON submissions (backend, state);
"""
# Intent states: sending (the POST may be on its way), the five outcomes, skipped and resent (a person
# decided about an unconfirmed one: leave it, or replace it by a new intent with a new key).
SENDING, SKIPPED, RESENT = "sending", "skipped", "resent"


class OutcomeKind(Enum):
    """What came of one POST."""

    ACCEPTED = "accepted"
    REFUSED = "refused"
    RATE_LIMITED = "rate_limited"
    NOT_SENT = "not_sent"
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class Origin:
    """Where a submission comes from: ``compose``, a ``batch`` row or an ``experiment`` variant."""

    kind: str
    group: str = ""  # batch or experiment id
    item: int = 0  # row number or variant index

    @classmethod
    def compose(cls, click_id: str) -> Origin:
        return cls("compose", click_id)

    @classmethod
    def batch_row(cls, batch_id: str, row_number: int) -> Origin:
        return cls("batch", batch_id, row_number)

    @classmethod
    def variant(cls, experiment_id: str, index: int) -> Origin:
        return cls("experiment", experiment_id, index)


@dataclass(frozen=True)
class Target:
    """The backend a submission goes to, whether it honours Idempotency-Key and whether it reads ``ext``."""

    backend_id: str
    base_url: str
    idempotent: bool = False
    ext: bool = False  # the backend reads the request field ``ext``; elsewhere it is taken off before sending


@dataclass(frozen=True)
class SubmissionOutcome:
    """The one result shape of a submission (see the module docstring for the kinds)."""

    kind: OutcomeKind
    key: str
    video_id: str | None = None
    job: JobRecord | None = None
    reason: str | None = None  # the explained error, for the user
    field: str | None = None  # the request field a refusal names
    retry_after: float | None = None
    request_problem: bool = False  # refused because of this request (not the key or account)
    breaker: bool = False  # refused for the account (no credit, key rejected): send nothing more until fixed

    @property
    def accepted(self) -> bool:
        return self.kind is OutcomeKind.ACCEPTED

    @property
    def unconfirmed(self) -> bool:
        return self.kind is OutcomeKind.UNCONFIRMED


@dataclass(frozen=True)
class Intent:
    """One stored submission and where it stands."""

    idempotency_key: str
    backend: str
    base_url: str
    origin_kind: str
    origin_group: str
    origin_item: int
    request_json: str
    avatar_name: str
    voice_name: str
    state: str
    video_id: str | None
    reason: str | None
    field: str | None
    attempts: int
    created_at: float
    updated_at: float

    @property
    def origin(self) -> Origin:
        return Origin(self.origin_kind, self.origin_group, self.origin_item)

    @property
    def request(self) -> CreateVideoRequest:
        return request_from_payload(json.loads(self.request_json))


class SubmissionStore(SqliteStore):
    """Submission intents in the history database; ``opened_at`` marks this process's start."""

    schema = _SCHEMA

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.opened_at = time.time()

    def get(self, key: str) -> Intent | None:
        """The intent sent (or to be sent) with this Idempotency-Key."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM submissions WHERE idempotency_key=?", (key,)).fetchone()
        return _intent(row) if row else None

    def for_origin(self, origin: Origin) -> list[Intent]:
        """Every intent of one compose click, batch row or variant, oldest first."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM submissions WHERE origin_kind=? AND origin_group=? AND origin_item=? "
                              "ORDER BY created_at, rowid", (origin.kind, origin.group, origin.item)).fetchall()
        return [_intent(row) for row in rows]

    def latest(self, kind: str, group: str) -> dict[int, Intent]:
        """The newest intent per item of one batch or experiment (``item -> intent``)."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM submissions WHERE origin_kind=? AND origin_group=? "
                              "ORDER BY created_at, rowid", (kind, group)).fetchall()
        return {intent.origin_item: intent for intent in map(_intent, rows)}

    def begin(self, key: str, target: Target, origin: Origin, request: CreateVideoRequest, *,
              avatar_name: str, voice_name: str, now: float) -> None:
        """Before the POST: the intent is ``sending`` (a crash now leaves it for recovery to judge)."""
        body = json.dumps(scrub_request(request.to_payload()), sort_keys=True)
        with self._connect() as db:
            db.execute(
                "INSERT INTO submissions (idempotency_key, backend, base_url, origin_kind, origin_group, "
                "origin_item, request_json, avatar_name, voice_name, state, attempts, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'sending', 1, ?, ?) ON CONFLICT (idempotency_key) DO UPDATE "
                "SET state='sending', request_json=excluded.request_json, reason=NULL, field=NULL, "
                "attempts=attempts+1, updated_at=excluded.updated_at",
                (key, target.backend_id, target.base_url, origin.kind, origin.group, origin.item, body,
                 avatar_name, voice_name, now, now))

    def finish(self, key: str, state: str, *, video_id: str | None = None, reason: str | None = None,
               field: str | None = None, now: float | None = None) -> None:
        """After the POST (or a person's decision): the intent's state and what is known."""
        with self._connect() as db:
            db.execute("UPDATE submissions SET state=?, video_id=COALESCE(?, video_id), reason=?, field=?, "
                       "updated_at=? WHERE idempotency_key=?",
                       (state, video_id, reason, field, time.time() if now is None else now, key))

    def interrupted(self, backend_id: str) -> list[Intent]:
        """Intents left ``sending`` by an earlier process (a crash or restart mid-POST)."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM submissions WHERE backend=? AND state='sending' AND updated_at < ?",
                              (backend_id, self.opened_at)).fetchall()
        return [_intent(row) for row in rows]


def _intent(row) -> Intent:
    return Intent(**{name: row[name] for name in Intent.__dataclass_fields__})


def new_key(prefix: str = "compose") -> str:
    """A fresh Idempotency-Key (a new click, or a person's "Send again")."""
    return f"{prefix}-{uuid.uuid4().hex}"


@dataclass
class Submitter:
    """Submits to one backend and records everything; ``explain(exc)`` words an error for the user."""

    store: SubmissionStore
    history: JobHistory
    client: Any
    target: Target
    explain: Callable[[Exception], str] = str
    clock: Callable[[], float] = time.time
    # The studio's pronunciation lexicon (same database as the intents unless given).
    lexicon: PronunciationStore | None = None

    def __post_init__(self) -> None:
        if self.lexicon is None:
            self.lexicon = PronunciationStore(self.store.path)

    def submit(self, request: CreateVideoRequest, *, key: str, origin: Origin, avatar_name: str = "",
               voice_name: str = "") -> SubmissionOutcome:
        """Send ``request`` once under ``key``; a key already sent is answered from what is stored.

        An accepted key is never sent again. An unconfirmed (or interrupted) one is sent again with the
        same key only when the backend honours it; otherwise it stays unconfirmed until a person decides.
        The lexicon goes with it: respelled into the script, or as ``ext.pronunciations`` to a backend that
        reads ``ext`` (idempotent: a stored, already spoken request is unchanged by it).
        """
        if not self.target.ext:  # defence in depth: whatever built the request, ext never reaches such a backend
            request = without_ext(request)
        request = spoken_request(request, self.lexicon.entries(), ext=self.target.ext)
        known = self.store.get(key)
        if known is not None:
            if known.state == OutcomeKind.ACCEPTED.value and known.video_id:
                return self._accepted(known, known.video_id)
            if known.state in (SENDING, OutcomeKind.UNCONFIRMED.value, SKIPPED, RESENT) and not (
                    self.target.idempotent and known.state in (SENDING, OutcomeKind.UNCONFIRMED.value)):
                if known.state == SENDING:
                    self.store.finish(key, OutcomeKind.UNCONFIRMED.value, reason=known.reason, now=self.clock())
                return SubmissionOutcome(OutcomeKind.UNCONFIRMED, key, reason=known.reason)
            if known.state in (SENDING, OutcomeKind.UNCONFIRMED.value):
                # The same key again: the body it first carried, whatever changed since (the lexicon, a
                # persona). An honouring backend answers a changed body under a used key with a 40000.
                request = known.request
        self.store.begin(key, self.target, origin, request, avatar_name=avatar_name, voice_name=voice_name,
                         now=self.clock())
        return self._send(key, request)

    def key_for(self, origin: Origin, first_key: str) -> str:
        """The key ``origin``'s next POST goes with: its current intent's, or a new one after a "Send again"."""
        intents = self.store.for_origin(origin)
        if not intents:
            return first_key
        latest = intents[-1]
        return f"{first_key}-again-{len(intents)}" if latest.state == RESENT else latest.idempotency_key

    def release(self, key: str) -> None:
        """A person asked to send an unconfirmed intent again: its key is retired (the next one is new)."""
        old = self.store.get(key)
        if old is None:
            raise KeyError(key)
        self.store.finish(key, RESENT, reason=old.reason, now=self.clock())

    def send_again(self, origin: Origin, first_key: str) -> SubmissionOutcome:
        """A person asked: ``origin``'s unconfirmed intent is replaced by a new one (new key, may cost a video)."""
        old_key = self.key_for(origin, first_key)
        self.release(old_key)
        old = self.store.get(old_key)
        return self.submit(old.request, key=self.key_for(origin, first_key), origin=origin,
                           avatar_name=old.avatar_name, voice_name=old.voice_name)

    def skip(self, key: str) -> None:
        """A person decided to leave an unconfirmed intent as it is (never sent again)."""
        old = self.store.get(key)
        self.store.finish(key, SKIPPED, reason=old.reason if old else None, now=self.clock())

    def recover_interrupted(self) -> list[SubmissionOutcome]:
        """Intents a crash left ``sending``: re-sent with their key where that is safe, else unconfirmed."""
        return [self.submit(intent.request, key=intent.idempotency_key, origin=intent.origin,
                            avatar_name=intent.avatar_name, voice_name=intent.voice_name)
                for intent in self.store.interrupted(self.target.backend_id)]

    def _send(self, key: str, request: CreateVideoRequest) -> SubmissionOutcome:
        # The header is only sent where it means something; elsewhere it would only pretend to protect.
        try:
            video_id = self.client.create_avatar_video(
                request, idempotency_key=key if self.target.idempotent else None)
        except errors.RateLimitError as exc:
            return self._close(key, OutcomeKind.RATE_LIMITED, exc, retry_after=exc.retry_after)
        except errors.TransportError as exc:
            return self._close(key, OutcomeKind.UNCONFIRMED if exc.request_sent else OutcomeKind.NOT_SENT, exc)
        except (errors.ServerError, errors.MalformedResponseError) as exc:
            return self._close(key, OutcomeKind.UNCONFIRMED, exc)
        except errors.APIError as exc:
            return self._close(key, OutcomeKind.REFUSED, exc, field=getattr(exc, "param", None),
                               request_problem=isinstance(exc, errors.InvalidRequestError | errors.NotFoundError),
                               breaker=isinstance(exc, errors.InsufficientCreditError | errors.AuthenticationError))
        except errors.JoggAIError as exc:  # anything else after the request left: it may have arrived
            return self._close(key, OutcomeKind.UNCONFIRMED, exc)
        self.store.finish(key, OutcomeKind.ACCEPTED.value, video_id=video_id, now=self.clock())
        intent = self.store.get(key)
        assert intent is not None
        return self._accepted(intent, video_id)

    def _close(self, key: str, kind: OutcomeKind, exc: Exception, **details: Any) -> SubmissionOutcome:
        reason = self.explain(exc)
        self.store.finish(key, kind.value, reason=reason, field=details.get("field"), now=self.clock())
        return SubmissionOutcome(kind, key, reason=reason, **details)

    def _accepted(self, intent: Intent, video_id: str) -> SubmissionOutcome:
        job = self.history.get(intent.backend, video_id)
        if job is None:  # recorded now, or after a crash between the answer and the history write
            now = self.clock()
            origin = intent.origin
            job = self.history.record_submission(
                backend=intent.backend, base_url=intent.base_url, video_id=video_id,
                request=json.loads(intent.request_json), avatar_name=intent.avatar_name,
                voice_name=intent.voice_name, batch=origin.group if origin.kind == "batch" else None,
                experiment=origin.group if origin.kind == "experiment" else None, now=now,
                next_poll_at=first_poll_at(intent.backend, now))
        return SubmissionOutcome(OutcomeKind.ACCEPTED, intent.idempotency_key, video_id=video_id, job=job)


def unconfirmed_warning(backend_label: str) -> str:
    """What the studio says about an unconfirmed submission, wherever it shows one."""
    return (f"**Unconfirmed**: the request left for {backend_label} but no answer came back. The backend may "
            "have created, and billed, the video. It will not be sent again by itself: check your JoggAI "
            "account, then *Send again* (which may cost a second video) or *Skip*.")
