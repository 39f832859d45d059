"""Personas: a named set of avatar, voice, aspect ratio, screen style, captions (and the local engine's
``ext`` options), per backend, kept in the dashboard's SQLite file.

Catalog ids differ between backends, so a persona belongs to the backend it was saved on (like
favourites). Compose fills its widgets from one, experiments compare several, Batch rows name one in a
``persona`` column. No Streamlit import.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from lib.joggai import CreateVideoRequest, contract
from lib.studio.sqlite_store import SqliteStore

MAX_NAME_CHARS = 60

_SCHEMA = """
CREATE TABLE IF NOT EXISTS personas (
    backend TEXT NOT NULL,
    name TEXT NOT NULL COLLATE NOCASE,
    avatar_id INTEGER NOT NULL,
    avatar_type INTEGER NOT NULL,
    voice_id TEXT NOT NULL,
    aspect_ratio TEXT NOT NULL,
    screen_style INTEGER NOT NULL,
    caption INTEGER NOT NULL,
    ext_json TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (backend, name)
);
"""
# The request fields a persona sets; everything else (script, name, webhook) stays the request's.
PERSONA_FIELDS = ("avatar_id", "avatar_type", "voice_id", "aspect_ratio", "screen_style", "caption")


@dataclass(frozen=True)
class Persona:
    """One saved persona."""

    name: str
    avatar_id: int
    avatar_type: int
    voice_id: str
    aspect_ratio: str
    screen_style: int
    caption: bool
    ext: dict[str, Any] | None = None

    def settings(self, *, ext_allowed: bool) -> dict[str, Any]:
        """The request fields this persona sets; ``ext`` only where the backend reads it."""
        values = {name: getattr(self, name) for name in PERSONA_FIELDS}
        if ext_allowed and self.ext:
            values[contract.EXT_REQUEST_FIELD] = dict(self.ext)
        return values


def persona_from_request(name: str, request: CreateVideoRequest) -> Persona:
    """The persona the request's settings describe; raises ValueError for a bad name or no avatar/voice."""
    name = " ".join((name or "").split())
    if not name:
        raise ValueError("Give the persona a name.")
    if len(name) > MAX_NAME_CHARS:
        raise ValueError(f"A persona name has at most {MAX_NAME_CHARS} characters.")
    if request.avatar_id < 0 or not request.voice_id:
        raise ValueError("Pick an avatar and a voice before saving them as a persona.")
    ext = request.ext
    return Persona(name=name, avatar_id=int(request.avatar_id), avatar_type=int(request.avatar_type),
                   voice_id=request.voice_id, aspect_ratio=request.aspect_ratio,
                   screen_style=int(request.screen_style), caption=bool(request.caption),
                   ext=dict(ext) if ext else None)


def apply_persona(request: CreateVideoRequest, persona: Persona, *, ext_allowed: bool) -> CreateVideoRequest:
    """``request`` with the persona's settings (its script, name and webhook unchanged)."""
    return replace(request, **persona.settings(ext_allowed=ext_allowed))


def persona_presets(personas: Iterable[Persona], *, ext_allowed: bool) -> list[tuple[str, dict[str, Any]]]:
    """The personas axis of an experiment: one ``(name, request fields)`` per persona."""
    return [(persona.name, persona.settings(ext_allowed=ext_allowed)) for persona in personas]


def by_name(personas: Iterable[Persona]) -> dict[str, Persona]:
    """Personas keyed by their case-folded name (Batch's ``persona`` column matches any case)."""
    return {persona.name.casefold(): persona for persona in personas}


class PersonaStore(SqliteStore):
    """Personas per backend; names are unique per backend regardless of case."""

    schema = _SCHEMA

    def list(self, backend: str) -> list[Persona]:
        """The backend's personas, alphabetically."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM personas WHERE backend=? ORDER BY name", (backend,)).fetchall()
        return [_persona(row) for row in rows]

    def get(self, backend: str, name: str) -> Persona | None:
        """One persona by name (any case), or None."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM personas WHERE backend=? AND name=?", (backend, name.strip())).fetchone()
        return _persona(row) if row else None

    def save(self, backend: str, persona: Persona) -> None:
        """Store the persona; one of the same name is replaced."""
        now = time.time()
        with self._connect() as db:
            db.execute(
                "INSERT INTO personas (backend, name, avatar_id, avatar_type, voice_id, aspect_ratio, screen_style, "
                "caption, ext_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (backend, name) DO UPDATE SET name=excluded.name, avatar_id=excluded.avatar_id, "
                "avatar_type=excluded.avatar_type, voice_id=excluded.voice_id, aspect_ratio=excluded.aspect_ratio, "
                "screen_style=excluded.screen_style, caption=excluded.caption, ext_json=excluded.ext_json, "
                "updated_at=excluded.updated_at",
                (backend, persona.name, persona.avatar_id, persona.avatar_type, persona.voice_id,
                 persona.aspect_ratio, persona.screen_style, int(persona.caption),
                 json.dumps(persona.ext, sort_keys=True) if persona.ext else None, now, now))

    def rename(self, backend: str, old: str, new: str) -> None:
        """Give a persona another name; raises ValueError when the name is empty, too long or taken."""
        new = " ".join((new or "").split())
        if not new or len(new) > MAX_NAME_CHARS:
            raise ValueError(f"A persona name has 1 to {MAX_NAME_CHARS} characters.")
        existing = self.get(backend, new)
        if existing is not None and existing.name.casefold() != old.strip().casefold():
            raise ValueError(f"There is already a persona called {existing.name!r}.")
        with self._connect() as db:
            db.execute("UPDATE personas SET name=?, updated_at=? WHERE backend=? AND name=?",
                       (new, time.time(), backend, old.strip()))

    def delete(self, backend: str, name: str) -> None:
        """Forget a persona."""
        with self._connect() as db:
            db.execute("DELETE FROM personas WHERE backend=? AND name=?", (backend, name.strip()))


def _persona(row) -> Persona:
    return Persona(name=row["name"], avatar_id=row["avatar_id"], avatar_type=row["avatar_type"],
                   voice_id=row["voice_id"], aspect_ratio=row["aspect_ratio"], screen_style=row["screen_style"],
                   caption=bool(row["caption"]), ext=json.loads(row["ext_json"]) if row["ext_json"] else None)
