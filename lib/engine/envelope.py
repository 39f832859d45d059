"""The JoggAI response envelope `{code, msg, data}` and the one place errors become envelopes."""

from __future__ import annotations

import errno
import logging
import sqlite3
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lib.joggai.contract import HTTP_STATUS_FOR_CODE, SUCCESS, Code

log = logging.getLogger("lib.engine")

STORAGE_MESSAGE = "the engine cannot write to its data directory (is the disk full or read-only?)"
# HTTP 507 Insufficient Storage: still a 5xx for generic clients, but says what went wrong; it is not
# one of the statuses our client retries at once (a full disk does not clear in a second).
STORAGE_HTTP_STATUS = 507
_STORAGE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT, errno.EPERM}


class ApiError(Exception):
    """Raised anywhere in a request to answer with a non-zero code and a user-facing message."""

    def __init__(
        self,
        code: int,
        msg: str,
        *,
        http_status: int | None = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.http_status = http_status or HTTP_STATUS_FOR_CODE.get(code, HTTP_STATUS_FOR_CODE[Code.PARAMETER_ERROR])
        self.data = data
        self.headers = headers or {}


def parameter_error(msg: str) -> ApiError:
    """A 40000 whose message names the parameter."""
    return ApiError(Code.PARAMETER_ERROR, msg)


def not_found(msg: str) -> ApiError:
    """A 10104 lookup failure."""
    return ApiError(Code.NOT_FOUND, msg)


def envelope(data: Any = None, *, code: int = SUCCESS, msg: str = "success", status: int = 200,
             headers: dict[str, str] | None = None) -> JSONResponse:
    """Wrap `data` in the JoggAI envelope."""
    return JSONResponse({"code": code, "msg": msg, "data": data}, status_code=status, headers=headers)


def without_caller_key(request: Request, msg: str) -> str:
    """`msg` with the caller's own API key masked: error messages echo paths and ids, and a key pasted
    into a URL or an id must not come back in the answer (or a proxy's log of it)."""
    key = request.headers.get("x-api-key", "").strip()
    return msg.replace(key, "****") if len(key) >= 8 else msg


def _validation_message(exc: RequestValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "invalid request"
    first = errors[0]
    loc = [str(part) for part in first.get("loc", ()) if part not in ("query", "path", "body", "header")]
    name = ".".join(loc) or "request"
    return f"{name}: {first.get('msg', 'invalid value')}"


def install_error_handlers(app: FastAPI) -> None:
    """Make every answer, errors and unknown paths included, an envelope with a fitting HTTP status."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return envelope(exc.data, code=exc.code, msg=without_caller_key(request, exc.msg), status=exc.http_status,
                        headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return envelope(None, code=Code.PARAMETER_ERROR, msg=without_caller_key(request, _validation_message(exc)),
                        status=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return envelope(None, code=Code.NOT_FOUND, msg=without_caller_key(request, f"no such path: {request.url.path}"),
                            status=404)
        if exc.status_code == 405:
            return envelope(None, code=Code.PARAMETER_ERROR,
                            msg=without_caller_key(request, f"method {request.method} is not allowed on "
                                                            f"{request.url.path}"),
                            status=405, headers=dict(exc.headers or {}))
        code = Code.PARAMETER_ERROR if 400 <= exc.status_code < 500 else Code.SYSTEM_ERROR
        return envelope(None, code=code, msg=without_caller_key(request, str(exc.detail)), status=exc.status_code)

    @app.exception_handler(sqlite3.OperationalError)
    async def _database(request: Request, exc: sqlite3.OperationalError) -> JSONResponse:
        log.error("database error on %s %s: %s", request.method, request.url.path, exc)
        if "locked" in str(exc) or "busy" in str(exc):  # contention, not storage: worth a retry
            return envelope(None, code=Code.SYSTEM_ERROR, msg="the engine is busy; try again in a moment",
                            status=503, headers={"Retry-After": "1"})
        return envelope(None, code=Code.SYSTEM_ERROR, msg=STORAGE_MESSAGE, status=STORAGE_HTTP_STATUS)

    @app.exception_handler(OSError)
    async def _storage(request: Request, exc: OSError) -> JSONResponse:
        if exc.errno not in _STORAGE_ERRNOS:
            raise exc
        log.error("storage error on %s %s: %s", request.method, request.url.path, exc.strerror)
        return envelope(None, code=Code.SYSTEM_ERROR, msg=STORAGE_MESSAGE, status=STORAGE_HTTP_STATUS)

    app.add_middleware(CrashEnvelope)


class CrashEnvelope:
    """ASGI middleware: an unexpected exception becomes a 50000 envelope (logged once, with traceback).

    The client sees a generic message: no paths, no secrets.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:  # too late for an envelope: let the server drop the connection
                raise
            await envelope(None, code=Code.SYSTEM_ERROR, msg="internal error", status=500)(scope, receive, send)
