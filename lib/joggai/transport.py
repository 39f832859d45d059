"""`Transport`: the HTTP machinery under `JoggAIClient`, written once for every endpoint.

Transport rules (see docs/CLIENT.md): a `requests.Session` per thread; explicit (connect, read)
timeouts; GETs retried on 429/5xx with jittered backoff honouring Retry-After; other methods retried
only when the connection could not be made; a call fails unless the HTTP status is 2xx *and* the
envelope's `code` is 0; the API key never appears in an error, a repr or a log line.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError, ReadTimeoutError

from lib.joggai import errors
from lib.joggai.contract import HEALTH_PATH
from lib.joggai.retrying import RetryPolicy

__all__ = ["DEFAULT_TIMEOUT", "DEFAULT_USER_AGENT", "ProgressCallback", "Transport"]

DEFAULT_TIMEOUT: tuple[float, float] = (3.05, 15.0)
DEFAULT_USER_AGENT = "AvatarStudio/0.1"
#: on_progress(bytes_sent, total_bytes) during an upload.
ProgressCallback = Callable[[int, int], None]

_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid", "x-trace-id")
_MAX_ERROR_BODY_CHARS = 2000
_UPLOAD_CHUNK = 64 * 1024
_REDACTED = "[redacted]"
_MIN_REDACTED_KEY = 6

_Model = TypeVar("_Model")

class _ProgressBody:
    """A file-like request body over bytes that reports each chunk handed to the socket.

    Having `__len__` makes requests send a Content-Length (signed storage URLs reject chunked
    uploads); having `read` makes urllib3 stream it in blocks, which is where progress comes from.
    """

    def __init__(self, data: bytes, on_progress: ProgressCallback | None) -> None:
        self._view = memoryview(data)
        self._sent = 0
        self._on_progress = on_progress

    def __len__(self) -> int:
        return len(self._view)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = len(self._view) - self._sent
        chunk = self._view[self._sent : self._sent + min(size, _UPLOAD_CHUNK)].tobytes()
        self._sent += len(chunk)
        if chunk and self._on_progress is not None:
            self._on_progress(self._sent, len(self._view))
        return chunk


def _normalise_base_url(base_url: str) -> str:
    """`https://host`, `https://host/`, `https://host/v2` and `https://host/v2/` all become `https://host/v2`."""
    if not isinstance(base_url, str) or not base_url.strip():
        raise ValueError("base_url must be an http(s) URL such as https://api.jogg.ai")
    url = base_url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("base_url must be an http(s) URL such as https://api.jogg.ai")
    if parts.query or parts.fragment:
        raise ValueError("base_url must not carry a query or fragment")
    if not url.endswith("/v2"):
        url += "/v2"
    return url


def _checked_api_key(api_key: str) -> str:
    # requests quotes a rejected header value in its exception, so reject bad keys here, silently.
    if not isinstance(api_key, str):
        raise TypeError("api_key must be a string")
    key = api_key.strip()
    if not key.isascii() or not key.isprintable():
        raise ValueError("api_key contains characters that cannot be sent in an HTTP header")
    return key


def _cause_chain(exc: BaseException) -> list[BaseException]:
    """A requests error and what it wraps, outermost first, down to e.g. the OSError of 'connection refused'."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        reason = getattr(current, "reason", None)
        wrapped = current.args[0] if current.args and isinstance(current.args[0], BaseException) else None
        if isinstance(reason, BaseException):
            current = reason
        else:
            current = wrapped or current.__cause__ or current.__context__
    return chain


def _describe_cause(exc: BaseException) -> str:
    cause = _cause_chain(exc)[-1]
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror
    text = str(cause)
    # urllib3 prefixes its messages with the connection object's repr; the tail is what matters.
    return text.split(": ", 1)[-1] if text.startswith("<") else text


def _envelope_code(body: Any) -> int | None:
    """The envelope's integer `code` (some gateways send it as a numeric string), or None without one."""
    code = body.get("code") if isinstance(body, dict) else None
    if isinstance(code, str) and code.strip().lstrip("-").isdigit():
        return int(code)
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def _never_connected(exc: BaseException) -> bool:
    # Refused, unresolvable or unroutable: the socket never opened, so no byte of the request left.
    return isinstance(exc, requests.ConnectTimeout) or any(
        isinstance(link, NewConnectionError) for link in _cause_chain(exc))


def _is_read_timeout(exc: BaseException) -> bool:
    # After GET retries run out, urllib3 wraps a read timeout in MaxRetryError -> requests.ConnectionError.
    return any(isinstance(link, ReadTimeoutError) for link in _cause_chain(exc))


class Transport:
    """Sessions, one API call (`_call`), the envelope check, error mapping and key redaction.

    `JoggAIClient` inherits it and adds one method per endpoint. `base_url` may name the host
    (`https://api.jogg.ai`) or the API root (`.../v2`), with or without a trailing slash.
    `timeout` is `(connect, read)` seconds or one number for both.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        user_agent: str = DEFAULT_USER_AGENT,
        backoff_factor: float = 0.5,
        backoff_jitter: float = 0.25,
        backoff_max: float = 8.0,
        retry_after_max: float = 30.0,
        pool_maxsize: int = 10,
    ) -> None:
        self.base_url = _normalise_base_url(base_url)
        parts = urlsplit(self.base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self._api_key = _checked_api_key(api_key)
        if isinstance(timeout, (int, float)):
            connect_timeout = read_timeout = float(timeout)
        else:
            connect_timeout, read_timeout = (float(part) for part in timeout)
        self.timeout: tuple[float, float] = (connect_timeout, read_timeout)
        self.user_agent = user_agent
        self.retry_policy = RetryPolicy(
            max_retries=max_retries,
            backoff_factor=backoff_factor,
            backoff_jitter=backoff_jitter,
            backoff_max=backoff_max,
            retry_after_max=retry_after_max,
        )
        self._pool_maxsize = pool_maxsize
        self._local = threading.local()
        self._sessions: weakref.WeakSet[requests.Session] = weakref.WeakSet()
        self._sessions_lock = threading.Lock()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every pooled connection this client opened, in all threads."""
        with self._sessions_lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.close()

    def _new_session(self, retry: Any, headers: dict[str, str]) -> requests.Session:
        session = requests.Session()
        session.headers.update(headers)
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self._pool_maxsize, max_retries=retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        with self._sessions_lock:
            self._sessions.add(session)
        return session

    def _api_session(self) -> requests.Session:
        session = getattr(self._local, "api", None)
        if session is None:
            headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
            if self._api_key:
                headers["x-api-key"] = self._api_key
            session = self._local.api = self._new_session(self.retry_policy.for_api(), headers)
        return session

    def _upload_session(self) -> requests.Session:
        """A session without the API key, for signed URLs and public media links."""
        session = getattr(self._local, "bare", None)
        if session is None:
            session = self._local.bare = self._new_session(
                self.retry_policy.for_upload(), {"User-Agent": self.user_agent}
            )
        return session

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Send one API request and return the envelope's `data`, or raise the matching error."""
        url = f"{self.base_url}/{path}"
        query = {key: value for key, value in (params or {}).items() if value is not None and value != ""}
        try:
            response = self._api_session().request(
                method,
                url,
                params=query or None,
                json=json_body,
                headers=headers,
                timeout=self.timeout,
                # A redirect to another host would carry x-api-key along (requests strips only Authorization).
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise self._transport_error(exc, method, url) from None
        return self._unwrap(response, method, f"/v2/{path}")

    def _transport_error(
        self, exc: requests.RequestException, method: str, url: str
    ) -> errors.TransportError:
        where = f"{method} {urlsplit(url).path or '/'} on {self.origin if url.startswith(self.origin) else urlsplit(url).netloc}"
        reason = self._redact(_describe_cause(exc))
        sent = not _never_connected(exc)
        if isinstance(exc, requests.ConnectTimeout):
            return errors.TimeoutError(f"{where}: could not connect within {self.timeout[0]:g} s",
                                       request_sent=False)
        if isinstance(exc, requests.Timeout) or _is_read_timeout(exc):
            return errors.TimeoutError(f"{where}: no answer within {self.timeout[1]:g} s", request_sent=sent)
        if isinstance(exc, requests.ConnectionError):
            return errors.ConnectionError(f"cannot reach {where}: {reason}", request_sent=sent)
        return errors.TransportError(f"{where} failed: {reason}", request_sent=sent)

    def _redact(self, text: str) -> str:
        key = self._api_key
        # A key too short to be real would blank out ordinary words ("k" in "known").
        return text.replace(key, _REDACTED) if len(key) >= _MIN_REDACTED_KEY and key in text else text

    def _redact_value(self, value: Any) -> Any:
        """A parsed error body with the key blanked out of every string in it."""
        if isinstance(value, str):
            return self._redact(value)
        if isinstance(value, list):
            return [self._redact_value(item) for item in value]
        if isinstance(value, dict):
            return {self._redact(str(key)): self._redact_value(item) for key, item in value.items()}
        return value

    @staticmethod
    def _request_id(response: requests.Response) -> str | None:
        for name in _REQUEST_ID_HEADERS:
            value = response.headers.get(name)
            if value:
                return value
        return None

    def _unwrap(self, response: requests.Response, method: str, path: str) -> Any:
        """Parse the envelope once; succeed only on HTTP 2xx with code 0."""
        status = response.status_code
        request_id = self._request_id(response)
        text = response.content.decode("utf-8", errors="replace")
        try:
            body = json.loads(text) if text.strip() else None
        except ValueError:
            body = None
        http_ok = 200 <= status < 300
        code = _envelope_code(body)
        has_envelope = code is not None
        if http_ok and has_envelope and code == 0:
            return body.get("data")

        redacted_text = self._redact(text)
        body = self._redact_value(body)
        if has_envelope:
            message = (
                body.get("msg") or body.get("message") or f"HTTP {status} {response.reason or ''}".strip()
            )
            raise errors.error_from_response(
                http_status=status,
                code=code or None,  # code 0 with a failing status: let the status decide
                message=str(message),
                request_id=request_id or (str(body["request_id"]) if body.get("request_id") else None),
                body=body,
                headers=response.headers,
            )
        content_type = response.headers.get("Content-Type", "unknown type")
        snippet = redacted_text[:_MAX_ERROR_BODY_CHARS]
        if status == 429 or status >= 500:
            # Gateways and proxies answer these without an envelope; they are still rate limits and outages.
            raise errors.error_from_response(
                http_status=status,
                code=None,
                message=f"HTTP {status} {response.reason or ''} from {method} {path}".strip(),
                request_id=request_id,
                body=body if body is not None else snippet,
                headers=response.headers,
            )
        raise errors.MalformedResponseError(
            f"{method} {path} answered HTTP {status} with {content_type}, not a JoggAI envelope; "
            "is the base URL a JoggAI v2 API?",
            http_status=status,
            request_id=request_id,
            body=body if body is not None else snippet,
        )

    def _raise_for_upload(self, response: requests.Response) -> None:
        """Signed-URL answers are not envelopes: only a failing status (or an envelope error) counts."""
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        if 200 <= status < 300 and not _envelope_code(body):
            return
        if _envelope_code(body) is not None:
            self._unwrap(response, "PUT", urlsplit(response.url).path)
        raise errors.error_from_response(
            http_status=status,
            code=None,
            message=f"uploading to the signed URL failed: HTTP {status} {response.reason or ''}".strip(),
            request_id=self._request_id(response),
            body=self._redact(response.text[:_MAX_ERROR_BODY_CHARS]),
        )

    @staticmethod
    def _object(data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise errors.MalformedResponseError(
                f"expected an object in data, got {type(data).__name__}", body=data
            )
        return data

    @staticmethod
    def _model(factory: Callable[[dict[str, Any]], _Model], data: dict[str, Any], what: str) -> _Model:
        try:
            return factory(data)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise errors.MalformedResponseError(f"unreadable {what}: {exc}", body=data) from None

    @classmethod
    def _models(cls, factory: Callable[[dict[str, Any]], _Model], items: Any, what: str) -> list[_Model]:
        if items is None:
            return []
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise errors.MalformedResponseError(f"{what} is not a list of objects", body=items)
        return [cls._model(factory, item, what) for item in items]

    def _put_signed(
        self, sign_url: str, data: bytes, content_type: str, on_progress: ProgressCallback | None
    ) -> None:
        """PUT `data` to a signed URL without the API key; `on_progress` follows the bytes sent."""
        if on_progress is not None:
            on_progress(0, len(data))
        try:
            response = self._upload_session().put(
                sign_url,
                data=_ProgressBody(bytes(data), on_progress),
                headers={"Content-Type": content_type},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise self._transport_error(exc, "PUT", sign_url) from None
        self._raise_for_upload(response)

    def _fetch(self, absolute: str, max_bytes: int | None) -> bytes:
        """GET a public link without the API key; `InvalidRequestError` past `max_bytes`."""
        try:
            response = self._upload_session().get(absolute, timeout=self.timeout, stream=True)
        except requests.RequestException as exc:
            raise self._transport_error(exc, "GET", absolute) from None
        with response:
            if not 200 <= response.status_code < 300:
                raise errors.error_from_response(
                    http_status=response.status_code,
                    code=None,
                    message=f"downloading {absolute} failed: HTTP {response.status_code} {response.reason}",
                    request_id=self._request_id(response),
                    body=None,
                )
            chunks: list[bytes] = []
            size = 0
            try:
                for chunk in response.iter_content(chunk_size=256 * 1024):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise errors.InvalidRequestError(
                            f"{absolute} is larger than {max_bytes} bytes", http_status=response.status_code
                        )
                    chunks.append(chunk)
            except requests.RequestException as exc:
                raise self._transport_error(exc, "GET", absolute) from None
        return b"".join(chunks)

    def _health(self) -> Any:
        """`GET /healthz` at the origin (outside /v2, no key), unwrapped like any envelope."""
        try:
            response = self._upload_session().get(f"{self.origin}{HEALTH_PATH}", timeout=self.timeout)
        except requests.RequestException as exc:
            raise self._transport_error(exc, "GET", f"{self.origin}{HEALTH_PATH}") from None
        return self._unwrap(response, "GET", HEALTH_PATH)
