"""When the client tries a request again, and how long it waits.

GET and HEAD are retried on 429/500/502/503/504 with jittered exponential backoff, honouring the
server's `Retry-After` up to a cap. Other methods are retried only when the connection could not be
made, because then nothing reached the server. The last response is returned rather than raised, so
the client maps it to its own error with status, body and request id.
"""

from __future__ import annotations

from dataclasses import dataclass

from urllib3.exceptions import InvalidHeader
from urllib3.util.retry import Retry

__all__ = ["RETRY_METHODS", "RETRY_STATUSES", "RetryPolicy"]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_METHODS = frozenset({"GET", "HEAD"})


class _TolerantRetry(Retry):
    """A `Retry` that treats an unreadable Retry-After header as absent instead of failing the call."""

    def parse_retry_after(self, retry_after: str) -> float:
        try:
            return super().parse_retry_after(retry_after)
        except InvalidHeader:
            return 0.0  # falsy: urllib3 falls back to its own backoff


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry.

    `max_retries` bounds every kind of retry; waits grow as `backoff_factor * 2**(n-1)` plus up to
    `backoff_jitter`, never above `backoff_max`; a server's Retry-After is obeyed up to
    `retry_after_max` seconds so one call cannot block its caller for minutes.
    """

    max_retries: int = 3
    backoff_factor: float = 0.5
    backoff_jitter: float = 0.25
    backoff_max: float = 8.0
    retry_after_max: float = 30.0

    def for_api(self) -> Retry:
        """The urllib3 policy for JoggAI API calls."""
        retries = max(0, self.max_retries)
        return _TolerantRetry(
            total=retries,
            connect=retries,
            read=min(retries, 2),
            status=retries,
            other=0,
            redirect=0,
            backoff_factor=self.backoff_factor,
            backoff_jitter=self.backoff_jitter,
            backoff_max=self.backoff_max,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=RETRY_METHODS,
            respect_retry_after_header=True,
            retry_after_max=self.retry_after_max,  # type: ignore[arg-type]  # urllib3 compares, any number works
            raise_on_status=False,
            raise_on_redirect=False,
        )

    def for_upload(self) -> Retry:
        """The policy for the signed-URL PUT: only connection failures, since the body is a stream."""
        retries = max(0, self.max_retries)
        return _TolerantRetry(
            total=retries,
            connect=retries,
            read=0,
            status=0,
            other=0,
            redirect=0,
            backoff_factor=self.backoff_factor,
            backoff_jitter=self.backoff_jitter,
            backoff_max=self.backoff_max,
            allowed_methods=RETRY_METHODS,  # PUT is not among them: no read or status retries
            raise_on_status=False,
            raise_on_redirect=False,
        )
