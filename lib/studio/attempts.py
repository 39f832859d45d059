"""Rate limits in memory: a growing delay after wrong passcodes, and "at most N per minute".

Both take ``now`` from the caller (``time.monotonic()`` in the app, plain numbers in tests) and are
thread-safe, so one instance may guard a whole process (cached in ``lib.studio.data``).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field


@dataclass
class AttemptThrottle:
    """Wrong passcodes within ``window`` seconds: the first ``free`` cost nothing, then each one doubles
    the wait (``base`` seconds, capped at ``cap``). Thread-safe, so one instance can guard a process."""

    free: int = 3
    base: float = 2.0
    cap: float = 300.0
    window: float = 900.0
    _failures: deque = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _prune(self, now: float) -> None:
        while self._failures and now - self._failures[0] > self.window:
            self._failures.popleft()

    def wait_seconds(self, now: float) -> float:
        """How long until another attempt is allowed (0: now)."""
        with self._lock:
            self._prune(now)
            over = len(self._failures) - self.free
            if over < 0:
                return 0.0
            delay = min(self.cap, self.base * 2 ** over)
            return max(0.0, self._failures[-1] + delay - now)

    def record_failure(self, now: float) -> None:
        """Count one wrong attempt."""
        with self._lock:
            self._prune(now)
            self._failures.append(now)

    def reset(self) -> None:
        """Forget the failures (after a right passcode in this session)."""
        with self._lock:
            self._failures.clear()


@dataclass
class WindowLimit:
    """At most ``limit`` events per ``window`` seconds."""

    limit: int
    window: float = 60.0
    _events: deque = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, now: float) -> bool:
        """Count one event and say whether it is within the limit (a refused one is not counted)."""
        with self._lock:
            while self._events and now - self._events[0] >= self.window:
                self._events.popleft()
            if len(self._events) >= self.limit:
                return False
            self._events.append(now)
            return True
