"""Experiments (A/B): one script in up to six voices and/or avatars, or one voice reading script variants.

An experiment is a named set of jobs. Its variants and their video ids, the starred winner and the
notes are kept in the history database; each variant's POST carries the Idempotency-Key
``exp-<id>-v<index>``, so a retried click returns the videos already made instead of new ones.
"""

from __future__ import annotations

import itertools
import json
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from lib.joggai import CreateVideoRequest, errors
from lib.studio.history import JobHistory, JobRecord
from lib.studio.polling import first_poll_at
from lib.studio.sqlite_store import SqliteStore

MAX_VARIANTS = 6
SCRIPT_SEPARATOR = "---"  # a line of its own between script variants
AXES = {"cast": "Voices and avatars", "scripts": "Script variants"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS experiments (
    experiment_id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    backend TEXT NOT NULL,
    winner_video_id TEXT,
    notes TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS experiment_variants (
    experiment_id TEXT NOT NULL,
    variant_index INTEGER NOT NULL,
    label TEXT NOT NULL,
    request_json TEXT NOT NULL,
    video_id TEXT,
    error TEXT,
    PRIMARY KEY (experiment_id, variant_index)
);
"""


@dataclass(frozen=True)
class Variant:
    """One cell of the comparison: its request and what tells it apart from the others."""

    index: int
    label: str
    request: CreateVideoRequest
    avatar_name: str = ""
    voice_name: str = ""


@dataclass(frozen=True)
class Experiment:
    """A named experiment as stored."""

    experiment_id: str
    name: str
    backend: str
    winner_video_id: str | None
    notes: str
    created_at: float


@dataclass(frozen=True)
class StoredVariant:
    """A variant as stored, with its video id once the backend accepted it."""

    experiment_id: str
    variant_index: int
    label: str
    request_json: str
    video_id: str | None
    error: str | None


def new_experiment_id() -> str:
    """A short random id (it appears in links: ``?experiment=<id>``)."""
    return uuid.uuid4().hex[:12]


def idempotency_key(experiment_id: str, index: int) -> str:
    """The key of one variant's POST; the same on every retry of the experiment."""
    return f"exp-{experiment_id}-v{index}"


def split_scripts(text: str) -> list[str]:
    """Script variants written one after another, separated by a line holding only ``---``."""
    parts = re.split(rf"(?m)^\s*{re.escape(SCRIPT_SEPARATOR)}\s*$", text or "")
    return [part.strip() for part in parts if part.strip()]


def plan_variants(base: CreateVideoRequest, *, avatars: Sequence[tuple[int, int]] = (),
                  voices: Sequence[str] = (), scripts: Sequence[str] = (),
                  avatar_names: Mapping[tuple[int, int], str] | None = None,
                  voice_names: Mapping[str, str] | None = None) -> list[Variant]:
    """Every combination of the chosen avatars × voices × scripts; an empty choice keeps the base's.

    Labels name only what varies, so the compare grid reads "Ava · Guy" rather than repeating
    the script in every cell.
    """
    avatar_names, voice_names = avatar_names or {}, voice_names or {}
    avatar_axis = list(dict.fromkeys(avatars)) or [(base.avatar_type, base.avatar_id)]
    voice_axis = list(dict.fromkeys(voices)) or [base.voice_id]
    script_axis = list(scripts) or [base.script or ""]
    variants = []
    for index, ((avatar_type, avatar_id), voice_id, script_index) in enumerate(
            itertools.product(avatar_axis, voice_axis, range(len(script_axis)))):
        avatar_name = avatar_names.get((avatar_type, avatar_id), f"#{avatar_id}")
        voice_name = voice_names.get(voice_id, voice_id)
        parts = []
        if len(avatar_axis) > 1:
            parts.append(avatar_name)
        if len(voice_axis) > 1:
            parts.append(voice_name)
        if len(script_axis) > 1:
            parts.append(f"Script {script_index + 1}")
        label = " · ".join(parts) or "Only variant"
        name = f"{base.video_name} — {label}" if base.video_name else label
        request = replace(base, avatar_id=avatar_id, avatar_type=avatar_type, voice_id=voice_id,
                          script=script_axis[script_index] if base.voice_type == "script" else base.script,
                          video_name=name[:200])
        variants.append(Variant(index, label, request, avatar_name=avatar_name, voice_name=voice_name))
    return variants


def plan_problems(variants: Sequence[Variant]) -> list[str]:
    """Why an experiment cannot be sent as planned (too few or too many variants, broken requests)."""
    found = []
    if len(variants) < 2:
        found.append("Pick at least two voices, two avatars or two script variants to compare.")
    if len(variants) > MAX_VARIANTS:
        found.append(f"{len(variants)} combinations: an experiment compares at most {MAX_VARIANTS} videos.")
    checked = variants[:MAX_VARIANTS]
    messages = [[_problem_text(variant.request, problem) for problem in variant.request.problems()]
                for variant in checked]
    # A rule every variant breaks (no script, say) is said once, not once per variant.
    shared = set.intersection(*(set(found) for found in messages)) if messages else set()
    found.extend(message for message in messages[0] if message in shared) if messages else None
    for variant, own in zip(checked, messages, strict=True):
        found.extend(f"{variant.label}: {message}" for message in own if message not in shared)
    return list(dict.fromkeys(found))


def _problem_text(request: CreateVideoRequest, problem) -> str:
    # The composer marks "no avatar picked" with -1; say that instead of the integer rule.
    if problem.field == "avatar.avatar_id" and request.avatar_id == -1:
        return "Choose an avatar (above, or several to compare)."
    if problem.field == "voice.voice_id" and not request.voice_id:
        return "Choose a voice (above, or several to compare)."
    return problem.message


class ExperimentStore(SqliteStore):
    """Experiments and their variants in the history database; one short connection per call."""

    schema = _SCHEMA

    def create(self, experiment_id: str, *, name: str, backend: str, variants: Sequence[Variant],
               now: float | None = None) -> None:
        """Store the experiment and its planned variants (a second call with the same id changes nothing)."""
        now = time.time() if now is None else now
        with self._connect() as db:
            if db.execute("INSERT OR IGNORE INTO experiments (experiment_id, name, backend, created_at, "
                          "updated_at) VALUES (?, ?, ?, ?, ?)",
                          (experiment_id, name, backend, now, now)).rowcount:
                db.executemany(
                    "INSERT INTO experiment_variants (experiment_id, variant_index, label, request_json) "
                    "VALUES (?, ?, ?, ?)",
                    [(experiment_id, v.index, v.label, json.dumps(v.request.to_payload(), sort_keys=True))
                     for v in variants])

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

    def variants(self, experiment_id: str) -> list[StoredVariant]:
        """The experiment's variants in plan order."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM experiment_variants WHERE experiment_id=? ORDER BY variant_index",
                              (experiment_id,)).fetchall()
        return [StoredVariant(**{name: row[name] for name in StoredVariant.__dataclass_fields__}) for row in rows]

    def record_variant(self, experiment_id: str, index: int, *, video_id: str | None = None,
                       error: str | None = None) -> None:
        """The outcome of one variant's POST."""
        with self._connect() as db:
            db.execute("UPDATE experiment_variants SET video_id=COALESCE(?, video_id), error=? "
                       "WHERE experiment_id=? AND variant_index=?", (video_id, error, experiment_id, index))

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
    """What sending an experiment did: the jobs created (or found again) and per-variant errors."""

    experiment_id: str
    jobs: list[JobRecord]
    errors: list[str]


def submit_experiment(store: ExperimentStore, history: JobHistory, client, *, backend_id: str, base_url: str,
                      experiment_id: str, name: str, variants: Sequence[Variant],
                      explain=None) -> ExperimentOutcome:
    """Create one video per variant (idempotent per variant) and record each in the history.

    A variant that failed can be retried by calling this again with the same id: the ones that were
    accepted answer with their existing video. ``explain(exc)`` words an error for the user.
    """
    store.create(experiment_id, name=name, backend=backend_id, variants=variants)
    jobs, problems = [], []
    for variant in variants:
        try:
            video_id = client.create_avatar_video(variant.request,
                                                  idempotency_key=idempotency_key(experiment_id, variant.index))
        except errors.JoggAIError as exc:
            message = explain(exc) if explain else str(exc)
            store.record_variant(experiment_id, variant.index, error=message)
            problems.append(f"{variant.label}: {message}")
            continue
        now = time.time()
        job = history.get(backend_id, video_id) or history.record_submission(
            backend=backend_id, base_url=base_url, video_id=video_id, request=variant.request.to_payload(),
            avatar_name=variant.avatar_name, voice_name=variant.voice_name, experiment=experiment_id, now=now,
            next_poll_at=first_poll_at(backend_id, now))
        store.record_variant(experiment_id, variant.index, video_id=video_id)
        jobs.append(job)
    return ExperimentOutcome(experiment_id, jobs, problems)


@dataclass(frozen=True)
class CompareCell:
    """One cell of the compare grid."""

    label: str
    video_id: str | None
    job: JobRecord | None
    error: str | None
    winner: bool


def compare_cells(experiment: Experiment, variants: Sequence[StoredVariant],
                  jobs: Sequence[JobRecord]) -> list[CompareCell]:
    """Grid cells in plan order, each with its job's latest state from the history."""
    by_id = {job.video_id: job for job in jobs}
    return [CompareCell(label=variant.label, video_id=variant.video_id, job=by_id.get(variant.video_id or ""),
                        error=variant.error,
                        winner=bool(variant.video_id) and variant.video_id == experiment.winner_video_id)
            for variant in variants]


def experiment_summary(cells: Sequence[CompareCell]) -> str:
    """``"2 of 3 done · 1 running"``-style one-liner for the list and the header."""
    done = sum(cell.job is not None and cell.job.status == "completed" for cell in cells)
    failed = sum((cell.job is not None and cell.job.status == "failed") or
                 (cell.job is None and bool(cell.error)) for cell in cells)
    running = len(cells) - done - failed
    parts = [f"{done} of {len(cells)} done"]
    if running:
        parts.append(f"{running} running")
    if failed:
        parts.append(f"{failed} failed")
    return " · ".join(parts)
