"""One backend call, explained: the studio's single "call, and word the error for a person" step.

Every page-level helper returns an ``Attempt`` rather than its own ``(value, message)`` tuple, so pages
read ``.value``, ``.ok`` and ``.problem`` the same way everywhere. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from lib.joggai import errors

_T = TypeVar("_T")


@dataclass(frozen=True)
class Attempt(Generic[_T]):
    """One backend call: its ``value``, or the ``error`` and its explained ``problem`` (message and fix).

    A value may come with a problem when part of the work succeeded (a receiver running, not registered).
    """

    value: _T | None = None
    error: Exception | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def attempt(connection: Any, call: Callable[[Any], _T], *, default: Any = None,
            refusal_as_is: bool = False) -> Attempt[_T]:
    """Call the backend through ``call(client)``; a JoggAI error comes back explained, never raised.

    ``default`` is the value on failure (``[]`` for a list a page iterates). With ``refusal_as_is`` a
    40000 shows the backend's own message alone: it names the field the person typed.
    """
    if connection.backend is None or connection.client is None:
        return Attempt(default, problem=connection.health.message or "No backend is connected.")
    try:
        return Attempt(call(connection.client))
    except errors.InvalidRequestError as exc:
        return Attempt(default, exc, exc.message if refusal_as_is else connection.explain(exc))
    except errors.JoggAIError as exc:
        return Attempt(default, exc, connection.explain(exc))
