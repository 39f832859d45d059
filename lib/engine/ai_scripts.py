"""JoggAI's AI script routes: `POST /v2/ai_scripts` and `GET /v2/ai_scripts/results/{task_id}`.

The POST validates the request (40000 naming the field), stores a pending task and answers its
`task_id` at once; one background thread writes the drafts (`lib/engine/script_writer`: drafts, not
an LLM) and stores them. The database row is the only truth: a task that was pending when the engine
stopped is written when its owner next asks for it, and a written task never changes.

Where this engine differs from the cloud (the task ends `failed`, with `err_msg` saying why):
- it writes English only;
- it has no product store, so `product_info.source_type` "id" cannot be looked up: send "details".
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from lib.engine.auth import Owner
from lib.engine.envelope import envelope, not_found, parameter_error
from lib.engine.script_writer import CannotWrite, ScriptOrder, require_writable, write_drafts
from lib.engine.store import Database
from lib.joggai.contract import AI_SCRIPT_LANGUAGES, AI_SCRIPT_LENGTHS, AI_SCRIPT_STYLES, PRODUCT_SOURCE_TYPES

log = logging.getLogger("lib.engine")
router = APIRouter()

UNFINISHED = ("pending", "processing")
_RUNNER_LOCK = threading.Lock()


class ProductData(BaseModel):
    """`product_info.data`: `id` for source_type "id"; `name` and `description` for "details"."""

    model_config = ConfigDict(extra="ignore")
    id: str | int | None = None
    name: str | None = None
    description: str | None = None


class ProductInfo(BaseModel):
    """`product_info`: where the product's facts come from."""

    model_config = ConfigDict(extra="ignore")
    source_type: str | None = None
    data: ProductData | None = None


class AiScriptBody(BaseModel):
    """The request body as JoggAI's spec draws it; unknown fields are ignored, like everywhere.

    Fields are optional in the model so that a missing one answers our own 40000 message
    ("language must be one of ...") rather than a generic "field required".
    """

    model_config = ConfigDict(extra="ignore")
    language: str | None = None
    video_length_seconds: str | int | None = None
    script_style: str | None = None
    product_info: ProductInfo | None = None
    target_audience: str | None = None

    def validated(self) -> dict[str, Any]:
        """The stored form of a valid request (a ScriptOrder's fields, or a product id); 40000 otherwise."""
        language = _one_of("language", self.language, AI_SCRIPT_LANGUAGES)
        seconds = self.video_length_seconds
        if isinstance(seconds, bool) or str(seconds).strip() not in AI_SCRIPT_LENGTHS:
            raise parameter_error(f"video_length_seconds must be one of {', '.join(AI_SCRIPT_LENGTHS)}")
        style = _one_of("script_style", self.script_style, AI_SCRIPT_STYLES)
        info = self.product_info
        if info is None:
            raise parameter_error("product_info is required: an object with source_type and data")
        source_type = _one_of("product_info.source_type", info.source_type, PRODUCT_SOURCE_TYPES)
        if info.data is None:
            raise parameter_error("product_info.data is required: an object")
        if source_type == "id":
            product_id = str(info.data.id).strip() if info.data.id is not None else ""
            if not product_id:
                raise parameter_error('product_info.data.id is required when product_info.source_type is "id"')
            return {"language": language, "product_id": product_id}
        for field in ("name", "description"):
            if not (getattr(info.data, field) or "").strip():
                raise parameter_error(
                    f'product_info.data.{field} is required when product_info.source_type is "details"')
        order = ScriptOrder(
            language=language, seconds=int(str(seconds).strip()), style=style,
            product_name=info.data.name.strip(), product_description=info.data.description.strip(),
            target_audience=(self.target_audience or "").strip() or None,
        )
        return order.__dict__.copy()


def _one_of(name: str, value: str | None, allowed: tuple[str, ...]) -> str:
    """`value` spelled as the spec does; the engine also accepts other letter cases ("storytime")."""
    by_lower = {option.lower(): option for option in allowed}
    found = by_lower.get((value or "").strip().lower())
    if found is None:
        raise parameter_error(f"{name} must be one of {', '.join(allowed)}")
    return found


def outcome(request: dict[str, Any], nonce: str) -> tuple[str, list[dict[str, Any]] | None, str | None]:
    """(status, generated_scripts, err_msg) for a stored request; pure apart from the writer's seed."""
    try:
        require_writable(request["language"])
    except CannotWrite as exc:
        return "failed", None, str(exc)
    if "product_id" in request:
        return "failed", None, (
            f"this engine has no product store, so it knows no product by id ({request['product_id'][:80]!r}): "
            'send product_info.source_type "details" with data.name and data.description instead')
    drafts = write_drafts(ScriptOrder(**request), nonce)
    return "completed", [{"script_style": draft.script_style, "script_paragraphs": list(draft.script_paragraphs)}
                         for draft in drafts], None


def write_task(db: Database, task_id: str) -> None:
    """Write one task's drafts and store them; a task that is already finished is left alone."""
    with db.transaction() as conn:
        row = conn.execute("SELECT status, request_json FROM ai_script_tasks WHERE task_id = ?",
                           (task_id,)).fetchone()
        if row is None or row["status"] not in UNFINISHED:
            return
        conn.execute("UPDATE ai_script_tasks SET status = 'processing', updated_at = ? WHERE task_id = ?",
                     (time.time(), task_id))
    try:
        # The task id is random: it is the nonce that lets two equal requests read differently.
        status, scripts, err_msg = outcome(json.loads(row["request_json"]), nonce=task_id)
    except Exception:
        log.exception("AI script task %s failed in the writer", task_id)
        status, scripts, err_msg = "failed", None, "the local script writer failed unexpectedly"
    db.conn.execute(
        "UPDATE ai_script_tasks SET status = ?, result_json = ?, err_msg = ?, updated_at = ? "
        "WHERE task_id = ? AND status IN ('pending', 'processing')",
        (status, json.dumps(scripts) if scripts is not None else None, err_msg, time.time(), task_id),
    )


class ScriptTaskRunner:
    """Writes tasks on one background thread (writing takes milliseconds: no worker process needed)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ai-script")
        self._queued: set[str] = set()
        self._lock = threading.Lock()

    def submit(self, task_id: str) -> None:
        """Queue a task unless it is queued already."""
        with self._lock:
            if task_id in self._queued:
                return
            self._queued.add(task_id)
        self._pool.submit(self._write, task_id)

    def _write(self, task_id: str) -> None:
        try:
            write_task(self._db, task_id)
        except Exception:
            log.exception("AI script task %s could not be stored", task_id)
        finally:
            with self._lock:
                self._queued.discard(task_id)


def runner_for(request: Request) -> ScriptTaskRunner:
    """This app's runner, created on first use (so the app's lifespan needs no change for it)."""
    state = request.app.state
    runner = getattr(state, "ai_script_runner", None)
    if runner is None:
        with _RUNNER_LOCK:
            runner = getattr(state, "ai_script_runner", None)
            if runner is None:
                runner = state.ai_script_runner = ScriptTaskRunner(state.engine.db)
    return runner


def task_json(row: Any) -> dict[str, Any]:
    """A task as `GET /v2/ai_scripts/results/{task_id}` answers it (the spec's fields only)."""
    data: dict[str, Any] = {"task_id": row["task_id"], "status": row["status"]}
    if row["status"] == "completed":
        data["data"] = {"generated_scripts": json.loads(row["result_json"])}
    elif row["status"] == "failed":
        data["err_msg"] = row["err_msg"] or "failed"
    return data


@router.post("/ai_scripts")
async def create_ai_script(request: Request, body: AiScriptBody, owner: Owner) -> JSONResponse:
    """Accept a script request and answer `data.task_id` at once; the drafts follow in the background."""
    stored = body.validated()
    task_id = "task_" + uuid.uuid4().hex
    now = time.time()
    request.app.state.engine.db.conn.execute(
        "INSERT INTO ai_script_tasks (task_id, key_id, status, created_at, updated_at, request_json) "
        "VALUES (?, ?, 'pending', ?, ?, ?)",
        (task_id, owner.key_id, int(now), now, json.dumps(stored, ensure_ascii=False)),
    )
    runner_for(request).submit(task_id)
    return envelope({"task_id": task_id})


@router.get("/ai_scripts/results/{task_id}")
async def get_ai_script(request: Request, task_id: str, owner: Owner) -> JSONResponse:
    """A task's status; its drafts once completed, its err_msg once failed. Other keys' tasks are 10104."""
    row = request.app.state.engine.db.conn.execute(
        "SELECT * FROM ai_script_tasks WHERE task_id = ? AND key_id = ?", (task_id, owner.key_id)
    ).fetchone()
    if row is None:
        raise not_found(f"AI script task {task_id[:80]!r} not found")
    if row["status"] in UNFINISHED:
        runner_for(request).submit(task_id)  # accepted before a restart: write it now (no-op when queued)
    return envelope(task_json(row))
