"""Reading request bodies and their fields leniently, with a 40000 naming the field for anything else.

The JSON body is read here, bounded in size, and never reaches a 500: malformed, empty, nested too deep
or not an object is a 40000. The field helpers accept what real JoggAI clients send (numeric strings for
integers, `null` for "not given") and word their errors the way every engine answer does.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fastapi import Depends, Request
from pydantic import BaseModel, PrivateAttr, ValidationError

from lib.engine.envelope import ApiError, parameter_error
from lib.joggai.contract import MAX_SCRIPT_CHARS, Code

# The engine's own bound (the cloud's is not documented): far above any real create request.
MAX_BODY_BYTES = 1024 * 1024
_BODY_TOO_LARGE = "request body is larger than 1 MB"
_INTEGER = re.compile(r"\s*-?\d{1,18}\s*")


async def read_json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, bounded in size; anything else is a 40000 (never a 500)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(Code.PARAMETER_ERROR, _BODY_TOO_LARGE, http_status=413)
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > MAX_BODY_BYTES:
            raise ApiError(Code.PARAMETER_ERROR, _BODY_TOO_LARGE, http_status=413)
    if not raw.strip():
        raise parameter_error("request body is required: a JSON object")
    try:
        body = json.loads(bytes(raw))
    except (ValueError, RecursionError):
        raise parameter_error("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise parameter_error("request body must be a JSON object")
    return body


def int_field(name: str, value: Any, allowed: tuple[int, ...] | None = None) -> int:
    """An integer, also given as a numeric string ("0"); booleans are not integers here."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value):
        number = int(value)
    if number is None:
        what = f"one of {', '.join(map(str, allowed))}" if allowed else "an integer"
        raise parameter_error(f"{name} must be {what}")
    if allowed is not None and number not in allowed:
        raise parameter_error(f"{name} must be one of {', '.join(map(str, allowed))}, got {number}")
    return number


def optional_str(name: str, value: Any) -> str | None:
    """A string or None (JSON null and an absent field are the same); anything else is a 40000."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise parameter_error(f"{name} must be a string")
    return value


def has_speakable_text(script: str) -> bool:
    """True when the script holds at least one letter or digit (in any script); "...", a lone RTL mark
    or zero-width spaces give the speech engine nothing to say."""
    return any(unicodedata.category(char)[0] in "LN" for char in script)


def check_script(name: str, script: str) -> None:
    """The 40000 rules every spoken script follows: 1-5000 characters after trimming, something to say."""
    length = len(script.strip())
    if not 1 <= length <= MAX_SCRIPT_CHARS:
        raise parameter_error(f"{name} must be 1 to {MAX_SCRIPT_CHARS} characters after trimming "
                              f"spaces, got {length}")
    if not has_speakable_text(script):
        raise parameter_error(f"{name} has nothing to speak: it needs at least one letter or digit")


def is_http_url(value: str) -> bool:
    """An absolute http(s) URL with a host."""
    try:
        parts = urlsplit(value)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


class JsonBody(BaseModel):
    """A request body model that also keeps the JSON object it was parsed from (see `raw`)."""

    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def raw(self) -> dict[str, Any]:
        """The body exactly as sent, unknown fields included (e.g. for an idempotency digest)."""
        return self._raw


BodyT = TypeVar("BodyT", bound=JsonBody)


def json_body(model: type[BodyT]) -> Any:
    """A dependency giving the handler the body read by `read_json_object` and parsed into `model`.

    Body models validate leniently and raise the engine's own 40000s (see `lib/engine/bodies.py`); a
    pydantic error that still gets through becomes a 40000 naming the field, never FastAPI's 422.
    Pair it with `openapi_doc.documented_body(model)` so the route's body is in /openapi.json.
    """

    async def parse(request: Request) -> BodyT:
        raw = await read_json_object(request)
        try:
            parsed = model.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0] if exc.errors() else {}
            name = ".".join(str(part) for part in first.get("loc", ())) or "request body"
            raise parameter_error(f"{name}: {first.get('msg', 'invalid value')}") from None
        parsed._raw = raw
        return parsed

    return Depends(parse)
