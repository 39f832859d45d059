"""Typed, frozen models of JoggAI's AI script API (`POST /v2/ai_scripts`, `GET /v2/ai_scripts/results/{id}`).

Kept beside `models.py` in its style: `from_api` ignores unknown fields and keeps `.raw`. The task's
status is the same closed set as a video's (`VideoStatus`: the spec's pending, processing, completed,
failed, plus the aliases clients have seen), so `status.is_terminal` works the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lib.joggai.contract import AI_SCRIPT_LANGUAGES, AI_SCRIPT_LENGTHS, AI_SCRIPT_STYLES, VideoStatus
from lib.joggai.models import FieldProblem, _text

__all__ = ["AiScriptRequest", "AiScriptTask", "GeneratedScript"]


@dataclass(frozen=True)
class AiScriptRequest:
    """What `POST /v2/ai_scripts` takes, flattened.

    Details mode (`product_info.source_type` "details") when `product_id` is None: `product_name` and
    `product_description` are required. With `product_id`, the product is looked up by id ("id" mode).
    """

    script_style: str
    product_name: str | None = None
    product_description: str | None = None
    product_id: str | None = None
    language: str = "english"
    video_length_seconds: int | str = 30
    target_audience: str | None = None

    @property
    def source_type(self) -> str:
        """ "id" when a product id is given, "details" otherwise."""
        return "id" if self.product_id is not None else "details"

    def problems(self) -> list[FieldProblem]:
        """Every broken rule of the spec, in form order; an empty list means the request may be sent."""
        found: list[FieldProblem] = []

        def broken(name: str, message: str) -> None:
            found.append(FieldProblem(name, f"{name} {message}"))

        if self.language not in AI_SCRIPT_LANGUAGES:
            broken("language", f"must be one of {', '.join(AI_SCRIPT_LANGUAGES)}")
        if isinstance(self.video_length_seconds, bool) or str(self.video_length_seconds) not in AI_SCRIPT_LENGTHS:
            broken("video_length_seconds", f"must be one of {', '.join(AI_SCRIPT_LENGTHS)}")
        if self.script_style not in AI_SCRIPT_STYLES:
            broken("script_style", f"must be one of {', '.join(AI_SCRIPT_STYLES)}")
        if self.source_type == "id":
            if not str(self.product_id).strip():
                broken("product_info.data.id", 'is required when product_info.source_type is "id"')
        else:
            for name, value in (("name", self.product_name), ("description", self.product_description)):
                if not isinstance(value, str) or not value.strip():
                    broken(f"product_info.data.{name}", 'is required when product_info.source_type is "details"')
        return found

    def to_payload(self) -> dict[str, Any]:
        """The nested JSON body; the length as the spec's string, no empty target_audience."""
        if self.source_type == "id":
            data: dict[str, Any] = {"id": str(self.product_id).strip()}
        else:
            data = {"name": (self.product_name or "").strip(), "description": (self.product_description or "").strip()}
        payload: dict[str, Any] = {
            "language": self.language,
            "video_length_seconds": str(self.video_length_seconds),
            "script_style": self.script_style,
            "product_info": {"source_type": self.source_type, "data": data},
        }
        if self.target_audience and self.target_audience.strip():
            payload["target_audience"] = self.target_audience.strip()
        return payload


@dataclass(frozen=True)
class GeneratedScript:
    """One draft: its style and its paragraphs (each a speakable text)."""

    script_style: str
    script_paragraphs: tuple[str, ...]
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def text(self) -> str:
        """The whole script, paragraphs separated by a blank line (ready for `voice.script`)."""
        return "\n\n".join(self.script_paragraphs)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> GeneratedScript:
        """Build from one item of `generated_scripts`; a lone string paragraph is read as a list of one."""
        paragraphs = data.get("script_paragraphs")
        if isinstance(paragraphs, str):
            paragraphs = [paragraphs]
        if not isinstance(paragraphs, list):
            raise TypeError("generated script without a script_paragraphs list")
        return cls(
            script_style=_text(data.get("script_style")) or "",
            script_paragraphs=tuple(str(text) for text in paragraphs if text is not None),
            raw=data,
        )


@dataclass(frozen=True)
class AiScriptTask:
    """A script task (`GET /v2/ai_scripts/results/{task_id}`): drafts once completed, `err_msg` once failed.

    Note the spec's nesting: the drafts are at `data.data.generated_scripts[]`.
    """

    task_id: str
    status: VideoStatus
    generated_scripts: tuple[GeneratedScript, ...] = ()
    err_msg: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def script(self, style: str) -> GeneratedScript | None:
        """The draft in `style`, if the task wrote one."""
        return next((script for script in self.generated_scripts if script.script_style == style), None)

    @classmethod
    def from_api(cls, data: dict[str, Any], *, task_id: str | None = None) -> AiScriptTask:
        """Build from the envelope's `data`; `task_id` fills in when the server leaves it out."""
        found_id = _text(data.get("task_id")) or task_id
        if not found_id:
            raise ValueError("AI script task without a task_id")
        if data.get("status") is None:
            raise ValueError("AI script task without a status")
        result = data.get("data")
        items = result.get("generated_scripts") if isinstance(result, dict) else None
        if items is not None and not (isinstance(items, list) and all(isinstance(item, dict) for item in items)):
            raise ValueError("generated_scripts is not a list of objects")
        return cls(
            task_id=found_id,
            status=VideoStatus.parse(data["status"]),
            generated_scripts=tuple(GeneratedScript.from_api(item) for item in items or ()),
            err_msg=_text(data.get("err_msg")) or None,
            raw=data,
        )
