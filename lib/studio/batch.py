"""Batch from CSV: template, row validation, and the stored batches and rows (sending: ``batch_run``).

Every batch and every row's state live in SQLite (the history database), so a reload or a dashboard
crash loses nothing. Rows go to the backend through ``lib.studio.submission`` (see ``batch_run``).
"""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from lib.joggai import CreateVideoRequest, VideoStatus, contract
from lib.studio import lint, product_visuals
from lib.studio.history import JobRecord
from lib.studio.personas import Persona
from lib.studio.queue_states import (
    DONE,
    INVALID,
    QUEUED,
    REJECTED,
    RUNNING,
    SENDING,
    SENT,
    SKIPPED,
    UNCONFIRMED,
    UNSENT,
    QueueStore,
)
from lib.studio.sharing import request_from_payload

TEMPLATE_COLUMNS = ("script", "avatar_id", "voice_id", "aspect_ratio", "screen_style", "caption", "video_name")
# Optional product-visual columns, named as the request's ``ext`` keys; only a backend with CAPABILITY_EXT takes them.
EXT_COLUMNS = contract.EXT_VISUAL_FIELDS
# A row may name a saved persona instead of avatar_id/voice_id: it takes the persona's settings, and any
# of these columns the row fills in overrides the persona's value.
PERSONA_COLUMN = "persona"
MAX_ROWS = 500
_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"", "0", "false", "no", "n", "off"}
_SCREEN_NAMES = {"full": 1, "full screen": 1, "split": 2, "split screen": 2, "pip": 3,
                 "picture in picture": 3, "picture-in-picture": 3}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    backend TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'running',
    posts_per_minute INTEGER,
    not_before REAL,
    last_error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    account TEXT
);
CREATE TABLE IF NOT EXISTS batch_rows (
    batch_id TEXT NOT NULL,
    row_number INTEGER NOT NULL,
    request_json TEXT,
    avatar_name TEXT NOT NULL DEFAULT '',
    voice_name TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    video_id TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at REAL,
    PRIMARY KEY (batch_id, row_number)
);
CREATE INDEX IF NOT EXISTS batch_rows_sent ON batch_rows (sent_at);
"""


@dataclass(frozen=True)
class RowPlan:
    """One CSV row after validation: the request it describes, or why it cannot be sent."""

    row_number: int  # 1-based, counting data rows (the header is row 0)
    values: dict[str, str]
    request: CreateVideoRequest | None
    errors: tuple[str, ...]
    avatar_name: str = ""
    voice_name: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        """True when the row can be sent."""
        return self.request is not None and not self.errors


@dataclass(frozen=True)
class Batch:
    """A submitted batch; ``state`` is running, paused or done."""

    batch_id: str
    name: str
    backend: str
    state: str
    posts_per_minute: int | None
    not_before: float | None
    last_error: str | None
    created_at: float
    account: str | None = None  # whose key sends it (backends.account_tag); None: stored before accounts


@dataclass(frozen=True)
class BatchRow:
    """One persisted row and where it is on its way to a video."""

    batch_id: str
    row_number: int
    request_json: str | None
    avatar_name: str
    voice_name: str
    state: str
    video_id: str | None
    error: str | None
    attempts: int
    sent_at: float | None

    @property
    def request(self) -> CreateVideoRequest | None:
        """The request to send, rebuilt from what was stored."""
        return request_from_payload(json.loads(self.request_json)) if self.request_json else None


@dataclass(frozen=True)
class BatchProgress:
    """Where a batch stands after a submission step."""

    total: int  # rows that were valid
    sent: int
    rejected: int
    unsent: int
    wait_until: float | None  # the next row may not go before this time (pacing or 429)
    message: str | None = None
    unconfirmed: int = 0  # the backend may have made these; never counted as sent
    skipped: int = 0

    @property
    def finished_sending(self) -> bool:
        """No row is left to send."""
        return self.unsent == 0


def idempotency_key(batch_id: str, row_number: int) -> str:
    """The key of one row's POST: the same on every attempt, different for every row and batch."""
    return f"batch-{batch_id}-row-{row_number}"


def template_csv(example_avatar_id: int | None = None, example_voice_id: str | None = None, *,
                 with_ext: bool = False) -> bytes:
    """A CSV with the template's columns and one example row (real ids when given); ``with_ext`` adds the
    product-visual columns, empty, for a backend that reads ``ext``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*TEMPLATE_COLUMNS, *(EXT_COLUMNS if with_ext else ())])
    writer.writerow(["Hello! This is my first batch video.", example_avatar_id if example_avatar_id is not None
                     else 1, example_voice_id or "en-US-ChristopherNeural", "portrait", 1, "true", "Batch video 1",
                     *([""] * len(EXT_COLUMNS) if with_ext else ())])
    return out.getvalue().encode()


def parse_csv(data: bytes) -> tuple[list[dict[str, str]], str | None]:
    """Rows of an uploaded CSV as dicts of stripped strings; ``([], message)`` when it cannot be read."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], "The file is not UTF-8 text; save the CSV as UTF-8 and upload it again."
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    required = ("script",) if PERSONA_COLUMN in header else ("script", "avatar_id", "voice_id")
    missing = [column for column in required if column not in header]
    if missing:
        return [], (f"The CSV has no column {', '.join(missing)}; start from the template (or name a "
                    f"{PERSONA_COLUMN} instead of avatar_id and voice_id).")
    rows = []
    for raw in reader:
        values = {(key or "").strip().lower(): (value or "").strip() if isinstance(value, str) else ""
                  for key, value in raw.items() if key is not None}
        if any(values.values()):
            rows.append(values)
    if len(rows) > MAX_ROWS:
        return [], f"The CSV has {len(rows)} rows; a batch takes at most {MAX_ROWS}."
    return rows, None


def ext_of_row(values: Mapping[str, str]) -> dict[str, str]:
    """The row's product-visual columns that hold a value, as an ``ext`` object."""
    return {column: values[column] for column in EXT_COLUMNS if values.get(column)}


def ext_refusal(rows: Sequence[Mapping[str, str]], ext_allowed: bool) -> str | None:
    """Why rows with product-visual values cannot go to this backend (naming the columns), or None."""
    used = [column for column in EXT_COLUMNS if any(row.get(column) for row in rows)]
    if ext_allowed or not used:
        return None
    return (f"This backend takes no product visuals: the column(s) {', '.join(used)} only work on the local "
            "engine. Rows that fill them are not sent; empty those cells (and add a logo or music with *Finish* "
            "on each video afterwards) or switch to the local engine.")


def _parse_row(values: Mapping[str, str], persona: Persona | None = None,
               ext_allowed: bool = False) -> tuple[CreateVideoRequest | None, list[str]]:
    problems: list[str] = []
    avatar_text = values.get("avatar_id", "")
    avatar_type = persona.avatar_type if persona and not avatar_text else 0
    avatar_id = persona.avatar_id if persona and not avatar_text else -1
    if avatar_text:
        try:
            avatar_id = int(avatar_text)
        except ValueError:
            problems.append(f"avatar_id must be an integer, got {avatar_text!r}")
    elif persona is None:
        problems.append("avatar_id is required")
    screen_text = values.get("screen_style", "").lower() or (str(persona.screen_style) if persona else "1")
    screen_style = _SCREEN_NAMES.get(screen_text) or (int(screen_text) if screen_text.isdigit() else 0)
    caption_text = values.get("caption", "").lower()
    if caption_text not in _TRUE | _FALSE:
        problems.append(f"caption must be true or false, got {values.get('caption')!r}")
    caption = caption_text in _TRUE if caption_text or not persona else persona.caption
    request = CreateVideoRequest(
        avatar_id=avatar_id, avatar_type=avatar_type,
        voice_id=values.get("voice_id", "") or (persona.voice_id if persona else ""), script=values.get("script", ""),
        aspect_ratio=values.get("aspect_ratio", "").lower() or (persona.aspect_ratio if persona else "portrait"),
        screen_style=screen_style, caption=caption, video_name=values.get("video_name") or None)
    # The persona's product visuals, then the row's own columns over them (the cloud gets neither).
    ext = dict(persona.settings(ext_allowed=ext_allowed).get(contract.EXT_REQUEST_FIELD) or {}) if persona else {}
    if (columns := ext_of_row(values)) and not ext_allowed:
        problems.append(f"{', '.join(columns)}: this backend takes no product visuals (local engine only)")
    elif ext or columns:
        request = product_visuals.with_ext(request, {**ext, **columns})
    # A product-visual rule names its column ("resolution must be ..."), as the CSV does.
    problems.extend(problem.message.removeprefix(f"{contract.EXT_REQUEST_FIELD}.") for problem in request.problems()
                    if not (problem.field == "avatar.avatar_id" and avatar_id == -1))
    return request, problems


def validate_rows(rows: Sequence[Mapping[str, str]], avatars: Iterable, voices: Iterable, *,
                  posts_per_minute: int | None = None, personas: Mapping[str, Persona] | None = None,
                  ext_allowed: bool = False) -> list[RowPlan]:
    """Check every row: its persona, the request rules, then unknown avatar or voice ids against the catalog.

    ``personas`` is keyed by case-folded name (``personas.by_name``); a row naming one it does not
    hold is an error naming it.
    """
    avatar_by_id = {avatar.id: avatar for avatar in avatars}
    voice_by_id = {voice.voice_id: voice for voice in voices}
    personas = personas or {}
    plans = []
    for number, values in enumerate(rows, start=1):
        persona_name = values.get(PERSONA_COLUMN, "")
        persona = personas.get(persona_name.casefold()) if persona_name else None
        request, problems = _parse_row(values, persona, ext_allowed)
        if persona_name and persona is None:
            known = ", ".join(sorted(p.name for p in personas.values())) or "none saved on this backend"
            problems.insert(0, f"persona {persona_name!r} is not one of your personas ({known})")
        avatar = avatar_by_id.get(request.avatar_id)
        voice = voice_by_id.get(request.voice_id)
        if request.avatar_id >= 0 and avatar is None:
            problems.append(f"avatar_id {request.avatar_id} is not in the avatar catalog")
        if request.voice_id and voice is None:
            problems.append(f"voice_id {request.voice_id!r} is not in the voice catalog")
        warnings = lint.lint_request(request, voice_language=getattr(voice, "language", None),
                                     avatar_aspect=getattr(avatar, "aspect_ratio_name", None))
        plans.append(RowPlan(number, dict(values), request, tuple(problems),
                             avatar_name=getattr(avatar, "name", ""), voice_name=getattr(voice, "name", ""),
                             warnings=tuple(warning.message for warning in warnings)))
    return plans


class BatchStore(QueueStore):
    """Batches and their rows in the history database; one short connection per call."""

    schema = _SCHEMA
    queue_table, queue_id = "batches", "batch_id"
    later_columns: ClassVar[dict[str, dict[str, str]]] = {"batches": {"account": "TEXT"}}

    def create(self, plans: Sequence[RowPlan], *, backend: str, name: str = "", batch_id: str | None = None,
               posts_per_minute: int | None = None, account: str = "", now: float | None = None) -> str:
        """Persist a batch and all its rows (invalid ones too, for the results); idempotent per id."""
        batch_id = batch_id or uuid.uuid4().hex[:12]
        now = time.time() if now is None else now
        with self._connect() as db:
            created = db.execute(
                "INSERT OR IGNORE INTO batches (batch_id, name, backend, state, posts_per_minute, created_at, "
                "updated_at, account) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (batch_id, name, backend, RUNNING, posts_per_minute, now, now, account)).rowcount
            if created:
                db.executemany(
                    "INSERT INTO batch_rows (batch_id, row_number, request_json, avatar_name, voice_name, state, "
                    "error) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(batch_id, plan.row_number,
                      json.dumps(plan.request.to_payload(), sort_keys=True) if plan.valid else None,
                      plan.avatar_name, plan.voice_name, QUEUED if plan.valid else INVALID,
                      None if plan.valid else "; ".join(plan.errors)) for plan in plans])
        return batch_id

    def get(self, batch_id: str) -> Batch | None:
        """One batch, or None."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM batches WHERE batch_id=?", (batch_id,)).fetchone()
        return Batch(**{name: row[name] for name in Batch.__dataclass_fields__}) if row else None

    def list(self, limit: int = 50) -> list[Batch]:
        """Batches, newest first."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM batches ORDER BY created_at DESC LIMIT ?", (limit,)).fetchall()
        return [Batch(**{name: row[name] for name in Batch.__dataclass_fields__}) for row in rows]

    def rows(self, batch_id: str) -> list[BatchRow]:
        """Every row of a batch, in CSV order."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM batch_rows WHERE batch_id=? ORDER BY row_number",
                              (batch_id,)).fetchall()
        return [BatchRow(**{name: row[name] for name in BatchRow.__dataclass_fields__}) for row in rows]

    def next_unsent(self, batch_id: str) -> BatchRow | None:
        """The row to send next: one that was in flight first (it keeps its key), then the lowest queued."""
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM batch_rows WHERE batch_id=? AND state IN (?, ?) "
                "ORDER BY state=?, row_number LIMIT 1", (batch_id, SENDING, QUEUED, QUEUED)).fetchone()
        return BatchRow(**{name: row[name] for name in BatchRow.__dataclass_fields__}) if row else None

    def recent_send_times(self, backend: str, since: float) -> list[float]:
        """When this backend's batch POSTs went out since ``since`` (for the sliding-minute limit)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT r.sent_at FROM batch_rows r JOIN batches b USING (batch_id) "
                "WHERE b.backend=? AND r.sent_at > ?", (backend, since)).fetchall()
        return [row[0] for row in rows]

    def mark_sending(self, batch_id: str, row_number: int, now: float) -> None:
        """Before the POST: the row is in flight (a crash now means: re-send with the same key)."""
        self._update_row(batch_id, row_number, "state=?, attempts=attempts+1, sent_at=?", (SENDING, now))

    def mark_sent(self, batch_id: str, row_number: int, video_id: str) -> None:
        """After the POST: the row's video id, recorded before the next row goes."""
        self._update_row(batch_id, row_number, "state=?, video_id=?, error=NULL", (SENT, video_id))

    def mark_rejected(self, batch_id: str, row_number: int, error: str) -> None:
        """The backend refused the row's request (it will not be sent again)."""
        self._update_row(batch_id, row_number, "state=?, error=?", (REJECTED, error))

    def mark_unconfirmed(self, batch_id: str, row_number: int, error: str | None) -> None:
        """Sent, but no answer came back from a backend without idempotency: a person decides."""
        self._update_row(batch_id, row_number, "state=?, error=?", (UNCONFIRMED, error))

    def mark_queued(self, batch_id: str, row_number: int) -> None:
        """A person asked for the row to be sent again."""
        self._update_row(batch_id, row_number, "state=?, error=NULL", (QUEUED,))

    def mark_skipped(self, batch_id: str, row_number: int) -> None:
        """A person decided to leave an unconfirmed row as it is."""
        self._update_row(batch_id, row_number, "state=?", (SKIPPED,))

    def set_state(self, batch_id: str, state: str, *, not_before: float | None = None,
                  last_error: str | None = None) -> None:
        """Pause, resume, finish, or hold the batch until ``not_before`` with a reason."""
        with self._connect() as db:
            db.execute("UPDATE batches SET state=?, not_before=?, last_error=?, updated_at=? WHERE batch_id=?",
                       (state, not_before, last_error, time.time(), batch_id))

    def finish(self, batch_id: str) -> None:
        """Done, unless a row was queued again meanwhile (a *Send again* racing the last send)."""
        with self._connect() as db:
            db.execute("UPDATE batches SET state=?, not_before=NULL, last_error=NULL, updated_at=? "
                       "WHERE batch_id=? AND NOT EXISTS (SELECT 1 FROM batch_rows WHERE batch_id=? "
                       f"AND state IN ({', '.join('?' * len(UNSENT))}))",
                       (DONE, time.time(), batch_id, batch_id, *UNSENT))

    def hold(self, batch_id: str, not_before: float | None, last_error: str | None) -> None:
        """A running batch waits until ``not_before`` (None: no longer) with a reason; a pause meanwhile wins."""
        with self._connect() as db:
            db.execute("UPDATE batches SET not_before=?, last_error=?, updated_at=? WHERE batch_id=? "
                       "AND state=?", (not_before, last_error, time.time(), batch_id, RUNNING))

    def _update_row(self, batch_id: str, row_number: int, assignments: str, params: tuple) -> None:
        with self._connect() as db:
            db.execute(f"UPDATE batch_rows SET {assignments} WHERE batch_id=? AND row_number=?",
                       (*params, batch_id, row_number))

    def progress(self, batch_id: str, wait_until: float | None = None, message: str | None = None) -> BatchProgress:
        """Counts of the batch's valid rows by state."""
        rows = [row for row in self.rows(batch_id) if row.state != INVALID]
        return BatchProgress(total=len(rows), sent=sum(row.state == SENT for row in rows),
                             rejected=sum(row.state == REJECTED for row in rows),
                             unsent=sum(row.state in UNSENT for row in rows),
                             wait_until=wait_until, message=message,
                             unconfirmed=sum(row.state == UNCONFIRMED for row in rows),
                             skipped=sum(row.state == SKIPPED for row in rows))


def results_rows(store: BatchStore, batch_id: str, jobs: Iterable[JobRecord]) -> list[dict[str, Any]]:
    """One result per CSV row: row, video id, status (job status, or why it was not sent), video URL."""
    by_id = {job.video_id: job for job in jobs}
    results = []
    for row in store.rows(batch_id):
        job = by_id.get(row.video_id or "")
        status = job.status if job else {SENT: VideoStatus.PENDING.value}.get(
            row.state, row.state)
        results.append({"row": row.row_number, "video_id": row.video_id or "", "status": status,
                        "video_url": (job.video_url if job else None) or "",
                        "error": (job.error_message if job and job.error_message else row.error) or ""})
    return results


def results_csv(results: Sequence[Mapping[str, Any]]) -> bytes:
    """The results as a downloadable CSV."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["row", "video_id", "status", "video_url", "error"])
    writer.writeheader()
    writer.writerows(results)
    return out.getvalue().encode()


def plans_frame(plans: Sequence[RowPlan]) -> pd.DataFrame:
    """The validation table: one line per CSV row with its errors (and non-blocking warnings)."""
    rows = [{"row": plan.row_number, "ok": plan.valid,
             "video_name": plan.values.get("video_name", ""),
             "avatar": plan.avatar_name or plan.values.get("avatar_id", ""),
             "voice": plan.voice_name or plan.values.get("voice_id", ""),
             "script": plan.values.get("script", "")[:60],
             "errors": "; ".join(plan.errors), "warnings": "; ".join(plan.warnings)} for plan in plans]
    return pd.DataFrame(rows, columns=["row", "ok", "video_name", "avatar", "voice", "script", "errors", "warnings"])
