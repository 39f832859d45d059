"""Experiments (A/B): one script in up to six voices and/or avatars, or one voice reading script variants.

An experiment is a named set of jobs. Its variants and their video ids, the starred winner and the
notes are kept in the history database. Each variant goes through ``lib.studio.submission`` under the
key ``exp-<id>-v<index>``: a retried click is answered with the videos already made. A variant whose
answer was lost is sent again with its key only where the backend honours it (the local engine); on
a billed backend it is **unconfirmed** until a person sends it again (new key) or skips it.
"""

from __future__ import annotations

import itertools
import json
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from lib.joggai import CreateVideoRequest, VideoStatus, contract
from lib.studio.compose import SCREEN_STYLES
from lib.studio.history import JobRecord
from lib.studio.product_visuals import with_ext
from lib.studio.sqlite_store import SqliteStore
from lib.studio.submission import SKIPPED, Intent, Origin, OutcomeKind, SubmissionOutcome, Submitter

MAX_VARIANTS = 6
SCRIPT_SEPARATOR = "---"  # a line of its own between script variants
AXES = {"cast": "Voices and avatars", "scripts": "Script variants", "personas": "Personas",
        "languages": "Languages", "visuals": "Product visuals"}

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
                  presets: Sequence[tuple[str, Mapping[str, Any]]] = (),
                  avatar_names: Mapping[tuple[int, int], str] | None = None,
                  voice_names: Mapping[str, str] | None = None) -> list[Variant]:
    """Every combination of the chosen avatars × voices × scripts × presets; an empty choice keeps the base's.

    A preset is ``(label, request fields)``: a persona's settings, or a language's voice and script.
    Labels name only what varies, so the compare grid reads "Ava · Guy" rather than repeating
    the script in every cell.
    """
    avatar_names, voice_names = avatar_names or {}, voice_names or {}
    avatar_axis = list(dict.fromkeys(avatars)) or [(base.avatar_type, base.avatar_id)]
    voice_axis = list(dict.fromkeys(voices)) or [base.voice_id]
    script_axis = list(scripts) or [base.script or ""]
    preset_axis = list(presets) or [("", {})]
    variants = []
    for index, ((avatar_type, avatar_id), voice_id, script_index, (preset_label, preset)) in enumerate(
            itertools.product(avatar_axis, voice_axis, range(len(script_axis)), preset_axis)):
        parts = []
        if len(avatar_axis) > 1:
            parts.append(avatar_names.get((avatar_type, avatar_id), f"#{avatar_id}"))
        if len(voice_axis) > 1:
            parts.append(voice_names.get(voice_id, voice_id))
        if len(script_axis) > 1:
            parts.append(f"Script {script_index + 1}")
        if len(preset_axis) > 1:
            parts.append(preset_label)
        label = " · ".join(parts) or "Only variant"
        name = f"{base.video_name} — {label}" if base.video_name else label
        request = replace(base, avatar_id=avatar_id, avatar_type=avatar_type, voice_id=voice_id,
                          script=script_axis[script_index] if base.voice_type == "script" else base.script,
                          video_name=name[:200])
        request = replace(request, **preset) if preset else request
        variants.append(Variant(index, label, request,
                                avatar_name=avatar_names.get((request.avatar_type, request.avatar_id),
                                                             f"#{request.avatar_id}"),
                                voice_name=voice_names.get(request.voice_id, request.voice_id)))
    return variants


def language_presets(translations: Sequence[tuple[str, str]],
                     labels: Mapping[str, str] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """The languages axis: each ``(voice_id, script)`` pair is one variant, labelled by its voice's language."""
    labels = labels or {}
    return [(labels.get(voice_id, voice_id), {"voice_id": voice_id, "script": script.strip()})
            for voice_id, script in dict(translations).items()]


def plan_visual_variants(base: CreateVideoRequest, *, screen_styles: Sequence[int] = (),
                         with_and_without_music: bool = False) -> list[Variant]:
    """The base request's product visuals shown in each chosen screen style, with and without its music bed.

    Every variant keeps the base's content, background and logo (``ext``); only the screen style and
    whether the music plays differ, so the comparison is about the layout and the music alone.
    """
    ext = dict(base.to_payload().get(contract.EXT_REQUEST_FIELD) or {})
    style_axis = list(dict.fromkeys(screen_styles)) or [base.screen_style]
    music_axis = [True, False] if with_and_without_music and ext.get(contract.EXT_MUSIC_URL) else [None]
    variants = []
    for index, (style, music) in enumerate(itertools.product(style_axis, music_axis)):
        parts = [SCREEN_STYLES.get(style, str(style))] if len(style_axis) > 1 else []
        if music is not None:
            parts.append("with music" if music else "without music")
        label = " · ".join(parts) or "Only variant"
        name = f"{base.video_name} — {label}" if base.video_name else label
        variant_ext = {key: value for key, value in ext.items() if music is not False or key != contract.EXT_MUSIC_URL}
        request = with_ext(replace(base, screen_style=style, video_name=name[:200]), variant_ext)
        variants.append(Variant(index, label, request))
    return variants


def plan_problems(variants: Sequence[Variant]) -> list[str]:
    """Why an experiment cannot be sent as planned (too few or too many variants, broken requests)."""
    found = []
    if len(variants) < 2:
        found.append("Pick at least two voices, two avatars, two script variants, two personas, two languages "
                     "or two product-visual looks to compare.")
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
    """What sending an experiment did: the jobs created (or found again), per-variant errors, unconfirmed ones."""

    experiment_id: str
    jobs: list[JobRecord]
    errors: list[str]
    unconfirmed: list[str] = field(default_factory=list)  # labels of variants a person must decide about
    stopped: str | None = None  # why the variants after a breaker (no credit, key rejected) were not sent
    not_sent: list[str] = field(default_factory=list)  # their labels


def submit_experiment(store: ExperimentStore, submitter: Submitter, *, experiment_id: str, name: str,
                      variants: Sequence[Variant]) -> ExperimentOutcome:
    """Create one video per variant through the one submission path and record each in the history.

    Calling this again with the same id is safe: accepted variants answer with their existing video,
    and unconfirmed ones are sent again only where the backend honours the key. Insufficient credit or a
    rejected key stops it: the variants after it are not sent (calling again, once fixed, sends them).
    """
    store.create(experiment_id, name=name, backend=submitter.target.backend_id, variants=variants)
    jobs, problems, unconfirmed = [], [], []
    for position, variant in enumerate(variants):
        origin = Origin.variant(experiment_id, variant.index)
        outcome = submitter.submit(variant.request, key=submitter.key_for(origin, idempotency_key(
            experiment_id, variant.index)), origin=origin, avatar_name=variant.avatar_name,
            voice_name=variant.voice_name)
        _record(store, experiment_id, variant.index, outcome)
        if outcome.accepted:
            jobs.append(outcome.job)
        elif outcome.unconfirmed and not submitter.target.idempotent:
            unconfirmed.append(variant.label)
        else:
            problems.append(f"{variant.label}: {outcome.reason}")
        if outcome.breaker:
            return ExperimentOutcome(experiment_id, jobs, problems, unconfirmed, stopped=outcome.reason,
                                     not_sent=[later.label for later in variants[position + 1:]])
    return ExperimentOutcome(experiment_id, jobs, problems, unconfirmed)


def _record(store: ExperimentStore, experiment_id: str, index: int, outcome: SubmissionOutcome) -> None:
    if outcome.accepted:
        store.record_variant(experiment_id, index, video_id=outcome.video_id)
    else:
        store.record_variant(experiment_id, index, error=outcome.reason)


def send_variant_again(store: ExperimentStore, submitter: Submitter, experiment_id: str, index: int) -> SubmissionOutcome:
    """A person asked: the unconfirmed variant goes again. Where the backend honours the key it goes with
    the same one (no second video); elsewhere with a new key (the person confirmed it may cost one)."""
    origin, first_key = Origin.variant(experiment_id, index), idempotency_key(experiment_id, index)
    if submitter.target.idempotent:
        intent = submitter.store.get(submitter.key_for(origin, first_key))
        outcome = submitter.submit(intent.request, key=intent.idempotency_key, origin=origin,
                                   avatar_name=intent.avatar_name, voice_name=intent.voice_name)
    else:
        outcome = submitter.send_again(origin, first_key)
    _record(store, experiment_id, index, outcome)
    return outcome


def skip_variant(submitter: Submitter, experiment_id: str, index: int) -> None:
    """A person decided: the unconfirmed variant is left as it is and never sent again."""
    submitter.skip(submitter.key_for(Origin.variant(experiment_id, index), idempotency_key(experiment_id, index)))


@dataclass(frozen=True)
class CompareCell:
    """One cell of the compare grid; ``state`` is unconfirmed or skipped when a lost answer is involved."""

    label: str
    video_id: str | None
    job: JobRecord | None
    error: str | None
    winner: bool
    index: int = 0
    state: str | None = None

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
                        winner=bool(variant.video_id) and variant.video_id == experiment.winner_video_id)
            for variant in variants]


def experiment_summary(cells: Sequence[CompareCell]) -> str:
    """``"2 of 3 done · 1 running"``-style one-liner for the list and the header."""
    done = sum(cell.job is not None and cell.job.video_status is VideoStatus.COMPLETED for cell in cells)
    unconfirmed = sum(cell.unconfirmed for cell in cells)
    skipped = sum(cell.job is None and cell.state == SKIPPED for cell in cells)
    failed = sum((cell.job is not None and cell.job.video_status is VideoStatus.FAILED) or
                 (cell.job is None and bool(cell.error) and cell.state not in (SKIPPED, "unconfirmed"))
                 for cell in cells)
    running = len(cells) - done - failed - unconfirmed - skipped
    parts = [f"{done} of {len(cells)} done"]
    for count, word in ((running, "running"), (unconfirmed, "unconfirmed"), (failed, VideoStatus.FAILED.value),
                        (skipped, "skipped")):
        if count:
            parts.append(f"{count} {word}")
    return " · ".join(parts)
