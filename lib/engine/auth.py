"""The `x-api-key` check, written once as a dependency for every /v2 route."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lib.engine.envelope import ApiError
from lib.engine.keys import KeyOwner, owner_of
from lib.engine.runtime import Runtime
from lib.joggai.contract import Code


async def require_key(request: Request, engine: Runtime) -> KeyOwner:
    """Resolve the caller from `x-api-key` (headers are case-insensitive) or answer 10105 / HTTP 401.

    Async on purpose, like the light read-only routes: an indexed SQLite read is cheaper than the
    thread-pool hop a sync dependency costs, and status polls should stay fast while videos render.
    """
    key = request.headers.get("x-api-key", "").strip()
    if not key:
        raise ApiError(Code.INVALID_API_KEY, "missing API key: send it in the x-api-key header")
    owner = owner_of(engine.db, key)
    if owner is None:
        raise ApiError(Code.INVALID_API_KEY, "invalid API key")
    request.state.owner = owner
    return owner


# Route parameter type: `owner: Owner` gives the handler the caller (resolved once per request).
Owner = Annotated[KeyOwner, Depends(require_key)]
