"""The studio-wide pronunciation lexicon (brand words): word -> how to say it, and applying it to scripts.

A respelling ("Quentum" -> "Kwentum") works on every backend. Inline espeak-ng phonemes (``[[...]]``) are
not offered: the local engine hands scripts to espeak-ng as plain text, so ``[[kw'Ent@m]]`` would be read
out as three words (and shown so in the captions). The lexicon is applied once, on the submission path
(``lib.studio.submission``), and by the Compose preview and *Hear it first*. No Streamlit import.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from lib.joggai import CreateVideoRequest
from lib.studio.sqlite_store import SqliteStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pronunciations (
    word TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
    respelling TEXT NOT NULL,
    updated_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class Pronunciation:
    """One lexicon row: the word (or phrase) as written and how the voice should say it."""

    word: str
    respelling: str


class PronunciationStore(SqliteStore):
    """The lexicon in the dashboard database; words are unique regardless of case."""

    schema = _SCHEMA

    def entries(self) -> list[Pronunciation]:
        """Every row, alphabetically."""
        with self._connect() as db:
            rows = db.execute("SELECT word, respelling FROM pronunciations ORDER BY word COLLATE NOCASE").fetchall()
        return [Pronunciation(row["word"], row["respelling"]) for row in rows]

    def set(self, word: str, respelling: str) -> None:
        """Add a word or change how it is said."""
        entry = _checked(word, respelling)
        with self._connect() as db:
            db.execute("INSERT INTO pronunciations (word, respelling, updated_at) VALUES (?, ?, ?) "
                       "ON CONFLICT (word) DO UPDATE SET word=excluded.word, respelling=excluded.respelling, "
                       "updated_at=excluded.updated_at", (entry.word, entry.respelling, time.time()))

    def delete(self, word: str) -> None:
        """Forget a word (any case)."""
        with self._connect() as db:
            db.execute("DELETE FROM pronunciations WHERE word=?", (word.strip(),))

    def replace_all(self, entries: Iterable[Pronunciation]) -> None:
        """The whole lexicon at once (Settings' table); raises ValueError before changing anything."""
        checked = [_checked(entry.word, entry.respelling) for entry in entries]
        seen: set[str] = set()
        for entry in checked:
            if entry.word.casefold() in seen:
                raise ValueError(f"{entry.word!r} is listed twice.")
            seen.add(entry.word.casefold())
        now = time.time()
        with self._connect() as db:
            db.execute("DELETE FROM pronunciations")
            db.executemany("INSERT INTO pronunciations (word, respelling, updated_at) VALUES (?, ?, ?)",
                           [(entry.word, entry.respelling, now) for entry in checked])


def _checked(word: str, respelling: str) -> Pronunciation:
    word, respelling = (word or "").strip(), (respelling or "").strip()
    if not word:
        raise ValueError("A pronunciation needs the word it is for.")
    if not respelling:
        raise ValueError(f"Say how {word!r} should be spoken.")
    return Pronunciation(word, respelling)


def from_table(rows: Iterable[Sequence[object]]) -> list[Pronunciation]:
    """Rows ``(word, respelling)`` of an edited table; rows left entirely empty are not entries."""
    found = []
    for word, respelling in rows:
        word, respelling = ("" if value is None else str(value).strip() for value in (word, respelling))
        if word or respelling:
            found.append(Pronunciation(word, respelling))
    return found


def _whole(text: str) -> str:
    # Whole words only: no letter, digit or underscore right before or after (punctuation stays put).
    return rf"(?<!\w){re.escape(text)}(?!\w)"


def speak(script: str, entries: Sequence[Pronunciation]) -> str:
    """``script`` with every listed word (whole word, any case) replaced by its respelling.

    Idempotent: text that already reads as a respelling is left alone, so applying the lexicon to a
    script it was applied to (a resend, a new version of a sent video) changes nothing.
    """
    entries = [entry for entry in entries if entry.word.strip() and entry.respelling.strip()]
    if not script or not entries:
        return script
    by_word = {entry.word.strip().casefold(): entry.respelling.strip() for entry in entries}
    longest_first = sorted(by_word, key=len, reverse=True)  # "Jogg AI" before "Jogg"
    words = re.compile("|".join(_whole(word) for word in longest_first), re.IGNORECASE)
    spoken = re.compile("|".join(_whole(said) for said in sorted(set(by_word.values()), key=len, reverse=True)),
                        re.IGNORECASE)
    protected = [match.span() for match in spoken.finditer(script)]

    def respell(match: re.Match[str]) -> str:
        start, end = match.span()
        if any(start < done_end and done_start < end for done_start, done_end in protected):
            return match.group(0)
        return by_word[match.group(0).casefold()]

    return words.sub(respell, script)


def spoken_request(request: CreateVideoRequest, entries: Sequence[Pronunciation]) -> CreateVideoRequest:
    """The request with its script as it will be spoken (audio requests are unchanged)."""
    if request.voice_type != "script" or not request.script:
        return request
    said = speak(request.script, entries)
    return request if said == request.script else replace(request, script=said)
