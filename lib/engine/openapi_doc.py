"""The engine's own OpenAPI document at `/openapi.json`: JoggAI's shapes plus our extensions, marked.

Bodies are read by `request_body.json_body` (bounded, lenient, the engine's own 40000s) rather than by
FastAPI, so FastAPI does not see them; `documented_body(model)` puts the model in the document instead.
Extensions — `/v2/ext/...` routes, `/healthz`, the sign_url PUT, the `Idempotency-Key` header and answer
fields — carry `x-extension: true` and the `extensions` tag.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from lib.joggai.contract import EXT_ROUTE_PREFIX, HEALTH_PATH

EXTENSION_TAG = "extensions"
_COMPONENTS = "#/components/schemas/{model}"
_body_models: dict[str, type[BaseModel]] = {}


def documented_body(model: type[BaseModel]) -> dict[str, Any]:
    """A route's `openapi_extra`: its JSON body is `model`."""
    _body_models[model.__name__] = model
    ref = {"$ref": _COMPONENTS.format(model=model.__name__)}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


def extension_route(**extra: Any) -> dict[str, Any]:
    """A route's `openapi_extra` when the whole route is ours, not JoggAI's."""
    return {"x-extension": True, **extra}


def install_openapi(app: FastAPI, description: str) -> None:
    """Serve the document (built once, on first request) with the body models in its components."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=description,
                                   routes=app.routes)
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for name, model in _body_models.items():
                schema = model.model_json_schema(ref_template=_COMPONENTS)
                for def_name, definition in schema.pop("$defs", {}).items():
                    schemas.setdefault(def_name, definition)
                schemas[name] = schema
            for path, operations in document.get("paths", {}).items():
                if path.startswith(EXT_ROUTE_PREFIX) or path == HEALTH_PATH:
                    for operation in operations.values():
                        operation["x-extension"] = True
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]
