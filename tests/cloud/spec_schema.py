"""Response schemas from JoggAI's own OpenAPI file, made strict: no field beyond the spec's passes."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

_SPEC_NAME = Path("shared") / "reference" / "joggai-openapi-v2.yaml"


def spec_path() -> Path:
    """The spec beside the repository; worktrees sit one level deeper than the main checkout."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / _SPEC_NAME).exists():
            return parent / _SPEC_NAME
    raise FileNotFoundError(f"{_SPEC_NAME} not found above {here}")


@cache
def _spec() -> dict[str, Any]:
    return yaml.safe_load(spec_path().read_text())


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    """Resolve $ref, merge allOf, and close every object that lists its properties."""
    if "$ref" in schema:
        node: Any = _spec()
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        return _strict(node)
    if "allOf" in schema:
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in map(_strict, schema["allOf"]):
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        return {**merged, "additionalProperties": False}
    result = dict(schema)
    if "properties" in schema:
        result["properties"] = {name: _strict(sub) for name, sub in schema["properties"].items()}
        result["additionalProperties"] = False
    if "items" in schema:
        result["items"] = _strict(schema["items"])
    return result


@cache
def strict_response_schema(method: str, path: str) -> dict[str, Any]:
    """The spec's HTTP 200 answer schema of one operation, with no room for extension fields."""
    operation = _spec()["paths"][path][method.lower()]
    return _strict(operation["responses"]["200"]["content"]["application/json"]["schema"])


def assert_matches_spec(method: str, path: str, answer: Any) -> None:
    """Raise jsonschema.ValidationError unless `answer` is exactly the spec's shape for this operation."""
    jsonschema.validate(answer, strict_response_schema(method, path))
