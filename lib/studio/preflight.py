"""Before several videos go to a billed backend: is the key good, is there quota, did a person confirm?

A backend without idempotency is billed (see ``backends.Capabilities``). Before an experiment or a
batch sends more than one video there, the studio checks the key (whoami), compares the remaining
quota with the estimated cost, and waits for a tick on a box that names the credits. A short quota
or a rejected key sends nothing. The local engine is not billed: no preflight.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lib.joggai import CreateVideoRequest
from lib.studio import lint


def estimated_credits(requests: Iterable[CreateVideoRequest], language_of: Mapping[str, str | None]) -> int:
    """About what ``requests`` cost: per video, one credit per started minute of estimated speech."""
    return sum(lint.estimate(request.script or "", language_of.get(request.voice_id), cloud=True).credits or 0
               for request in requests)


@dataclass(frozen=True)
class Preflight:
    """The check's result; ``needed`` is False where nothing is billed or only one video goes."""

    needed: bool
    videos: int
    credits: int
    remaining: float | None = None
    key_problem: str | None = None  # whoami or the quota call failed, explained

    @property
    def short(self) -> bool:
        """The quota is below the estimate."""
        return self.remaining is not None and self.credits > self.remaining

    @property
    def blocked(self) -> str | None:
        """Why nothing may be sent, or None."""
        if not self.needed:
            return None
        if self.key_problem:
            return f"Not sent: the key check failed. {self.key_problem}"
        if self.remaining is None:
            return "Not sent: the backend did not say how much quota is left."
        if self.short:
            return (f"Not sent: sending {self.videos} videos needs about {self.credits} credits, "
                    f"{_count(self.remaining)} left. Top up your JoggAI account, or send fewer videos.")
        return None

    @property
    def confirmation(self) -> str:
        """The checkbox label a person ticks to send: ``"Send 5 videos, about 5 credits; 493 left"``."""
        left = f"; {_count(self.remaining)} left" if self.remaining is not None else ""
        return f"Send {self.videos} videos, about {self.credits} credits{left} ({lint.CREDIT_ASSUMPTION})"

    def refusal(self, confirmed: bool) -> str | None:
        """Why a send must not go now (blocked, or not confirmed), or None when it may."""
        if self.blocked:
            return self.blocked
        if self.needed and not confirmed:
            return "Not sent: tick the box that confirms the credits first."
        return None


def decide(*, billed: bool, requests: list[CreateVideoRequest], language_of: Mapping[str, str | None],
           remaining: float | None = None, key_problem: str | None = None) -> Preflight:
    """The preflight of sending ``requests``; ``remaining``/``key_problem`` come from whoami and the quota call."""
    needed = billed and len(requests) > 1
    return Preflight(needed=needed, videos=len(requests),
                     credits=estimated_credits(requests, language_of) if needed else 0,
                     remaining=remaining if needed else None, key_problem=key_problem if needed else None)


def _count(value: float) -> str:
    return str(math.floor(value)) if value == math.floor(value) else f"{value:.1f}"
