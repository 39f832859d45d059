"""The cloud stand-in's AI script routes, in the spec's shapes only: `POST /v2/ai_scripts` answers a `task_id`,
`GET /v2/ai_scripts/results/{task_id}` answers pending, then processing, then completed with
`data.generated_scripts[]` of `{script_style, script_paragraphs[]}` in every style, the asked one first.

Unlike our engine it writes any of the spec's languages (the text is canned: it names the product, the
audience, the style and the language, nothing more) and it never answers `failed`. Tasks count as POSTs
in the rate limit; they are not billed.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request

from lib.joggai.contract import (
    AI_SCRIPT_LANGUAGES,
    AI_SCRIPT_LENGTHS,
    AI_SCRIPT_STYLES,
    PRODUCT_SOURCE_TYPES,
    Code,
)

WRITE_SECONDS = 1.0  # pending for the first third, then processing, then completed


@dataclass
class ScriptTask:
    task_id: str
    created: float  # monotonic
    style: str
    language: str
    seconds: int
    name: str
    audience: str

    def status(self, now: float) -> str:
        elapsed = now - self.created
        if elapsed >= WRITE_SECONDS:
            return "completed"
        return "pending" if elapsed < WRITE_SECONDS / 3 else "processing"

    def scripts(self) -> list[dict[str, Any]]:
        styles = [self.style] + [style for style in AI_SCRIPT_STYLES if style != self.style]
        for_whom = f" for {self.audience}" if self.audience else ""
        return [{"script_style": style, "script_paragraphs": [
            f"{self.name}{for_whom}: a {self.seconds}-second {style} script in {self.language}.",
            f"Stand-in text in the {style} style about {self.name}."]} for style in styles]


def checked_order(body: Any, parameter_error) -> dict[str, Any]:
    """The spec's rules, each a parameter error naming its field."""
    if not isinstance(body, dict):
        raise parameter_error("body must be a JSON object")
    if body.get("language") not in AI_SCRIPT_LANGUAGES:
        raise parameter_error(f"language must be one of {', '.join(AI_SCRIPT_LANGUAGES)}")
    if str(body.get("video_length_seconds")) not in AI_SCRIPT_LENGTHS or isinstance(body.get("video_length_seconds"), bool):
        raise parameter_error(f"video_length_seconds must be one of {', '.join(AI_SCRIPT_LENGTHS)}")
    if body.get("script_style") not in AI_SCRIPT_STYLES:
        raise parameter_error(f"script_style must be one of {', '.join(AI_SCRIPT_STYLES)}")
    info = body.get("product_info")
    if not isinstance(info, dict) or info.get("source_type") not in PRODUCT_SOURCE_TYPES:
        raise parameter_error(f"product_info.source_type must be one of {', '.join(PRODUCT_SOURCE_TYPES)}")
    data = info.get("data") if isinstance(info.get("data"), dict) else {}
    needed = ("id",) if info["source_type"] == "id" else ("name", "description")
    for field in needed:
        if not str(data.get(field) or "").strip():
            raise parameter_error(f"product_info.data.{field} is required")
    return {"style": body["script_style"], "language": body["language"],
            "seconds": int(body["video_length_seconds"]), "audience": str(body.get("target_audience") or ""),
            "name": str(data.get("name") or f"product {data.get('id')}").strip()}


def add_script_routes(app: FastAPI, cloud: Any, *, gets: list, posts: list, envelope, cloud_error,
                      parameter_error) -> None:
    """Register both routes on the stand-in; tasks live in `cloud.script_tasks` (emptied by a reset)."""

    @app.post("/v2/ai_scripts", dependencies=posts)
    async def create_script(request: Request):
        try:
            body = await request.json()
        except ValueError:
            body = None
        task = ScriptTask(task_id=f"task_{secrets.token_hex(8)}", created=time.monotonic(),
                          **checked_order(body, parameter_error))
        cloud.script_tasks[task.task_id] = task
        return envelope({"task_id": task.task_id})

    @app.get("/v2/ai_scripts/results/{task_id}", dependencies=gets)
    async def script_result(task_id: str):
        task = cloud.script_tasks.get(task_id)
        if task is None:
            raise cloud_error(Code.NOT_FOUND, f"task {task_id} not found")
        status = task.status(time.monotonic())
        data: dict[str, Any] = {"task_id": task.task_id, "status": status}
        if status == "completed":
            data["data"] = {"generated_scripts": task.scripts()}
        return envelope(data)
