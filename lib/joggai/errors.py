"""The errors a JoggAI client call can raise: one class per failure a caller handles differently.

```
JoggAIError
├── APIError                 the server answered with an error (HTTP status and/or envelope code)
│   ├── AuthenticationError      10105 / HTTP 401: missing or invalid API key
│   ├── PermissionDeniedError    18025 / HTTP 403: the key may not call this API
│   ├── NotFoundError            10104 / HTTP 404: no such record
│   ├── InvalidRequestError      40000 / HTTP 400: a parameter is wrong (`.param` names it)
│   ├── InsufficientCreditError  18020: out of credit
│   ├── RateLimitError           429: slow down (`.retry_after` seconds when the server says)
│   └── ServerError              50000 / HTTP 5xx
├── TransportError           no usable HTTP answer
│   ├── ConnectionError          could not connect, or the connection broke
│   └── TimeoutError             connect or read timeout
│   (`.request_sent` is False only when nothing can have reached the server: refused, connect timeout)
└── MalformedResponseError   an answer that is not a JoggAI envelope (not JSON, no `code`...)
```

No message or repr here ever contains the API key: the client redacts it before building one.
"""

from __future__ import annotations

import re
from typing import Any

from lib.joggai.contract import Code

__all__ = [
    "CODE_INSUFFICIENT_CREDIT",
    "CODE_INVALID_API_KEY",
    "CODE_NOT_FOUND",
    "CODE_NO_PERMISSION",
    "CODE_PARAMETER_ERROR",
    "CODE_RATE_LIMITED",
    "CODE_SYSTEM_ERROR",
    "APIError",
    "AuthenticationError",
    "ConnectionError",
    "InsufficientCreditError",
    "InvalidRequestError",
    "JoggAIError",
    "MalformedResponseError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "TimeoutError",
    "TransportError",
    "error_from_response",
    "parameter_from_message",
]

# The envelope codes, by the names callers already use (the numbers live in the contract).
CODE_NOT_FOUND = Code.NOT_FOUND
CODE_INVALID_API_KEY = Code.INVALID_API_KEY
CODE_INSUFFICIENT_CREDIT = Code.INSUFFICIENT_CREDIT
CODE_NO_PERMISSION = Code.NO_PERMISSION
CODE_PARAMETER_ERROR = Code.PARAMETER_ERROR
CODE_RATE_LIMITED = Code.RATE_LIMITED
CODE_SYSTEM_ERROR = Code.SYSTEM_ERROR


class JoggAIError(Exception):
    """Base class of everything the client raises on purpose."""


class APIError(JoggAIError):
    """The server answered with an error: a non-2xx HTTP status, a non-zero envelope code, or both."""

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        code: int | None = None,
        request_id: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.code = code
        self.request_id = request_id
        self.body = body

    def __str__(self) -> str:
        parts = [self.message]
        details = []
        if self.code is not None:
            details.append(f"code {self.code}")
        if self.http_status is not None:
            details.append(f"HTTP {self.http_status}")
        if self.request_id:
            details.append(f"request id {self.request_id}")
        if details:
            parts.append(f"({', '.join(details)})")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, http_status={self.http_status!r}, "
            f"code={self.code!r}, request_id={self.request_id!r})"
        )


class AuthenticationError(APIError):
    """The API key is missing or invalid (code 10105, HTTP 401)."""


class PermissionDeniedError(APIError):
    """The key is valid but may not call this API (code 18025, HTTP 403)."""


class NotFoundError(APIError):
    """The record does not exist (code 10104, HTTP 404)."""


class InvalidRequestError(APIError):
    """A request parameter is wrong (code 40000, HTTP 400); `param` names it when the server does."""

    def __init__(self, message: str, *, param: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.param = param

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, param={self.param!r})"


class InsufficientCreditError(APIError):
    """The account has no credit left for this operation (code 18020)."""


class RateLimitError(APIError):
    """Too many requests (code/HTTP 429); `retry_after` is the server's advice in seconds, if any."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, retry_after={self.retry_after!r})"


class ServerError(APIError):
    """The server failed (code 50000 or HTTP 5xx); trying again later may work."""


class TransportError(JoggAIError):
    """No usable HTTP answer arrived.

    `request_sent` is False only when the connection was never made (refused, unresolvable, connect
    timeout), so the server cannot have seen the request; otherwise it may have arrived and acted.
    """

    def __init__(self, message: str, *, request_sent: bool = True) -> None:
        super().__init__(message)
        self.request_sent = request_sent


class ConnectionError(TransportError):
    """The connection could not be made or broke mid-request."""


class TimeoutError(TransportError):
    """The server did not connect or answer within the timeout."""


class MalformedResponseError(JoggAIError):
    """The answer is not a JoggAI envelope: not JSON, no integer `code`, or `data` of the wrong shape."""

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        request_id: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.request_id = request_id
        self.body = body


_CODE_CLASSES: dict[int, type[APIError]] = {
    CODE_INVALID_API_KEY: AuthenticationError,
    CODE_NO_PERMISSION: PermissionDeniedError,
    CODE_NOT_FOUND: NotFoundError,
    CODE_PARAMETER_ERROR: InvalidRequestError,
    CODE_INSUFFICIENT_CREDIT: InsufficientCreditError,
    CODE_RATE_LIMITED: RateLimitError,
    CODE_SYSTEM_ERROR: ServerError,
}

_STATUS_CLASSES: dict[int, type[APIError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    402: InsufficientCreditError,
    403: PermissionDeniedError,
    404: NotFoundError,
    413: InvalidRequestError,
    415: InvalidRequestError,
    422: InvalidRequestError,
    429: RateLimitError,
}

# Request field names the JoggAI API uses; a single plain word is only taken as the parameter if listed.
_KNOWN_PLAIN_PARAMS = frozenset(
    {
        "page",
        "page_size",
        "aspect_ratio",
        "screen_style",
        "caption",
        "video_name",
        "webhook_url",
        "avatar",
        "voice",
        "style",
        "gender",
        "age",
        "scene",
        "ethnicity",
        "language",
        "use_case",
        "filename",
        "content_type",
        "file_size",
        "url",
        "events",
        "status",
        "name",
        "script",
        "voice_id",
        "audio_url",
        "avatar_id",
        "avatar_type",
        "endpoint_id",
        "id",
        "video_length_seconds",
        "script_style",
        "product_info",
        "target_audience",
    }
)
_PREFIX = re.compile(
    r"^\s*(?:\d+\s*)?(?:invalid\s+)?(?:parameter|param)s?(?:\s+error)?\s*[:\-]\s*", re.IGNORECASE
)
_DOTTED = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])+)")
_WORD = re.compile(r"[`'\"]?([A-Za-z_][A-Za-z0-9_]*)[`'\"]?")


def parameter_from_message(message: str) -> str | None:
    """Name the request parameter a 40000 message is about, or None when it names none.

    '40000 Parameter error: voice.script is required when voice.type is "script"' -> 'voice.script'.
    """
    rest = _PREFIX.sub("", message or "", count=1)
    dotted = _DOTTED.search(rest)
    first = _WORD.match(rest.lstrip())
    if first and first.group(1) in _KNOWN_PLAIN_PARAMS and (not dotted or dotted.start() > first.end()):
        return first.group(1)
    if dotted:
        return dotted.group(1)
    for word in _WORD.finditer(rest):
        if "_" in word.group(1) and word.group(1) in _KNOWN_PLAIN_PARAMS:
            return word.group(1)
    return None


def _retry_after_from(headers: Any, body: Any) -> float | None:
    """Seconds to wait, from a Retry-After header (seconds) or the envelope's retryAfter."""
    candidates: list[Any] = []
    if headers is not None:
        candidates.append(headers.get("Retry-After"))
    if isinstance(body, dict):
        data = body.get("data")
        for source in (body, data if isinstance(data, dict) else {}):
            candidates.extend((source.get("retryAfter"), source.get("retry_after")))
    for value in candidates:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            continue
        if seconds >= 0:
            return seconds
    return None


def error_from_response(
    *,
    http_status: int,
    code: int | None,
    message: str,
    request_id: str | None,
    body: Any,
    headers: Any = None,
) -> APIError:
    """Build the error for a failed call: the envelope code decides first, then the HTTP status."""
    cls = _CODE_CLASSES.get(code) if code is not None else None
    if cls is None:
        cls = _STATUS_CLASSES.get(http_status)
    if cls is None:
        cls = ServerError if http_status >= 500 else APIError
    common: dict[str, Any] = {
        "http_status": http_status,
        "code": code,
        "request_id": request_id,
        "body": body,
    }
    if cls is InvalidRequestError:
        param = None
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(data, dict):
            param = data.get("param") or data.get("field")
        return InvalidRequestError(message, param=param or parameter_from_message(message), **common)
    if cls is RateLimitError:
        return RateLimitError(message, retry_after=_retry_after_from(headers, body), **common)
    return cls(message, **common)
