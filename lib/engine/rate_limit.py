"""The cloud's rate limit, opt-in: at most N POST requests per minute per API key."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque

from lib.joggai.contract import POSTS_PER_MINUTE


class PostRateLimiter:
    """A sliding one-minute window per key, in memory (a restart forgets it, like a window expiring)."""

    def __init__(self, per_minute: int = POSTS_PER_MINUTE, window: float = 60.0) -> None:
        self.per_minute = per_minute
        self.window = window
        self._hits: dict[int, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, key_id: int, now: float | None = None) -> float | None:
        """Count one POST; return None when allowed, else seconds until the next one is."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits[key_id]
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return max(0.0, hits[0] + self.window - now)
            hits.append(now)
            return None


def retry_after_seconds(wait: float) -> int:
    """Whole seconds for the Retry-After header (never 0: a client retrying at once would fail again)."""
    return max(1, math.ceil(wait))
