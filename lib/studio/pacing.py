"""Pacing create requests under a backend's POST rate limit, and what to do after a 429.

The JoggAI cloud allows 20 POST requests per minute per key (a sliding minute); the local engine has
no limit unless started with ``--rate-limit``, in which case its 429 carries ``Retry-After``. Send
times are kept by the caller (in SQLite), so pacing survives a reload or a dashboard restart.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from lib.joggai import errors

CLOUD_POSTS_PER_MINUTE = 20
WINDOW_SECONDS = 60.0
# When a 429 names no wait: a full window is the only wait that is sure to free a slot.
DEFAULT_RATE_LIMIT_WAIT = WINDOW_SECONDS
# After a server or network failure, try the same row again after this long.
FAILURE_BACKOFF_SECONDS = 5.0


def backend_posts_per_minute(backend_kind: str) -> int | None:
    """The documented POST limit of a backend kind: the cloud (and JoggAI-compatible custom URLs) 20,
    the local engine none (it answers 429 itself when its limit is on)."""
    return None if backend_kind == "local" else CLOUD_POSTS_PER_MINUTE


def even_gap(chosen_limit: int | None) -> float:
    """Seconds between sends for a pace the user chose (evenly spread, unlike the cloud's bursty window)."""
    return WINDOW_SECONDS / chosen_limit if chosen_limit else 0.0


def effective_limit(backend_limit: int | None, chosen_limit: int | None) -> int | None:
    """The stricter of the backend's limit and a pace the user chose (None: unlimited)."""
    limits = [limit for limit in (backend_limit, chosen_limit) if limit]
    return min(limits) if limits else None


def next_send_at(recent_sends: Iterable[float], now: float, posts_per_minute: int | None,
                 not_before: float | None = None, min_gap: float = 0.0) -> float:
    """When the next POST may go: after any server-imposed wait, ``min_gap`` after the last send (an
    even pace the user chose), and with a free slot in the sliding minute."""
    recent_sends = list(recent_sends)
    earliest = max(now, not_before or 0.0)
    if min_gap and recent_sends:
        earliest = max(earliest, max(recent_sends) + min_gap)
    if not posts_per_minute:
        return earliest
    window = sorted(t for t in recent_sends if t > earliest - WINDOW_SECONDS)
    if len(window) < posts_per_minute:
        return earliest
    # The slot frees when the oldest send that still fills the window leaves it.
    return max(earliest, window[len(window) - posts_per_minute] + WINDOW_SECONDS)


def rate_limit_wait(exc: errors.RateLimitError) -> float:
    """Seconds to wait after a 429: the server's Retry-After, else one whole window."""
    return exc.retry_after if exc.retry_after is not None else DEFAULT_RATE_LIMIT_WAIT


def eta_seconds(remaining: int, posts_per_minute: int | None, *, seconds_per_post: float = 0.2,
                wait_now: float = 0.0) -> float:
    """Rough time to send ``remaining`` requests: the pace limit or, unlimited, the observed speed."""
    if remaining <= 0:
        return 0.0
    per_post = max(seconds_per_post, WINDOW_SECONDS / posts_per_minute if posts_per_minute else 0.0)
    return max(0.0, wait_now) + per_post * remaining


def format_eta(seconds: float) -> str:
    """``95`` -> ``about 1 min 35 s``; under a second -> ``moments``."""
    if seconds < 1:
        return "moments"
    whole = math.ceil(seconds)
    minutes, rest = divmod(whole, 60)
    return f"about {minutes} min {rest} s" if minutes else f"about {rest} s"
