"""The studio-wide pronunciation lexicon (brand words): word -> how to say it, and applying it to requests.

A respelling ("Quentum" -> "Kwentum") works on every backend: for one without ``ext`` the script goes
respelled (``speak``), so its captions show the respelling too. The local engine instead gets the script as
written plus ``ext.pronunciations`` (``spoken_request(..., ext=True)``): it says the word as the optional
espeak-ng phonemes, else the respelling, and its captions keep the written word. Words are found as
``contract.find_words`` finds them. The lexicon is applied once, on the submission path
(``lib.studio.submission``), and by the Compose preview and *Hear it first*. No Streamlit import.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import ClassVar

from lib.joggai import CreateVideoRequest, contract
from lib.joggai.contract import Pronunciation, find_words, phoneme_problem, pronunciations_used
from lib.studio.sqlite_store import SqliteStore

__all__ = ["Pronunciation", "PronunciationStore", "from_table", "said_as", "speak", "spoken_request"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pronunciations (
    word TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
    respelling TEXT NOT NULL,
    updated_at REAL NOT NULL,
    phonemes TEXT NOT NULL DEFAULT ''
);
"""


class PronunciationStore(SqliteStore):
    """The lexicon in the dashboard database; words are unique regardless of case."""

    schema = _SCHEMA
    later_columns: ClassVar[dict[str, dict[str, str]]] = {"pronunciations": {"phonemes": "TEXT NOT NULL DEFAULT ''"}}

    def entries(self) -> list[Pronunciation]:
        """Every row, alphabetically."""
        with self._connect() as db:
            rows = db.execute("SELECT word, respelling, phonemes FROM pronunciations "
                              "ORDER BY word COLLATE NOCASE").fetchall()
        return [Pronunciation(row["word"], row["respelling"], row["phonemes"]) for row in rows]

    def set(self, word: str, respelling: str, phonemes: str = "") -> None:
        """Add a word or change how it is said."""
        entry = _checked(word, respelling, phonemes)
        with self._connect() as db:
            db.execute("INSERT INTO pronunciations (word, respelling, phonemes, updated_at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (word) DO UPDATE SET word=excluded.word, respelling=excluded.respelling, "
                       "phonemes=excluded.phonemes, updated_at=excluded.updated_at",
                       (entry.word, entry.respelling, entry.phonemes, time.time()))

    def delete(self, word: str) -> None:
        """Forget a word (any case)."""
        with self._connect() as db:
            db.execute("DELETE FROM pronunciations WHERE word=?", (word.strip(),))

    def replace_all(self, entries: Iterable[Pronunciation]) -> None:
        """The whole lexicon at once (Settings' table); raises ValueError before changing anything."""
        checked = [_checked(entry.word, entry.respelling, entry.phonemes) for entry in entries]
        seen: set[str] = set()
        for entry in checked:
            if entry.word.casefold() in seen:
                raise ValueError(f"{entry.word!r} is listed twice.")
            seen.add(entry.word.casefold())
        now = time.time()
        with self._connect() as db:
            db.execute("DELETE FROM pronunciations")
            db.executemany("INSERT INTO pronunciations (word, respelling, phonemes, updated_at) VALUES (?, ?, ?, ?)",
                           [(entry.word, entry.respelling, entry.phonemes, now) for entry in checked])


def _checked(word: str, respelling: str, phonemes: str = "") -> Pronunciation:
    word, respelling, phonemes = ((text or "").strip() for text in (word, respelling, phonemes))
    if not word:
        raise ValueError("A pronunciation needs the word it is for.")
    if not respelling:  # the phonemes reach only the local engine; every backend needs the respelling
        raise ValueError(f"Say how {word!r} should be spoken.")
    for text in (word, respelling):
        if len(text) > contract.MAX_PRONUNCIATION_CHARS:
            raise ValueError(f"{text[:40]!r}… is longer than {contract.MAX_PRONUNCIATION_CHARS} characters.")
    if phonemes and (problem := phoneme_problem(phonemes)):
        raise ValueError(f"The phonemes for {word!r} {problem}.")
    return Pronunciation(word, respelling, phonemes)


def from_table(rows: Iterable[Sequence[object]]) -> list[Pronunciation]:
    """Rows ``(word, respelling[, phonemes])`` of an edited table; rows left entirely empty are not entries."""
    found = []
    for row in rows:
        word, respelling, phonemes = ("" if value is None else str(value).strip() for value in (*row, "")[:3])
        if word or respelling or phonemes:
            found.append(Pronunciation(word, respelling, phonemes))
    return found


def speak(script: str, entries: Sequence[Pronunciation]) -> str:
    """``script`` with every listed word (whole word, any case) replaced by its respelling.

    Idempotent: text that already reads as a respelling is left alone, so applying the lexicon to a
    script it was applied to (a resend, a new version of a sent video) changes nothing.
    """
    by_word = {entry.word.strip().casefold(): entry.respelling.strip() for entry in entries
               if entry.word.strip() and entry.respelling.strip()}
    if not script or not by_word:
        return script
    protected = [(start, end) for start, end, _ in find_words(script, by_word.values())]
    pieces, cursor = [], 0
    for start, end, key in find_words(script, by_word):
        if any(start < done_end and done_start < end for done_start, done_end in protected):
            continue
        pieces += [script[cursor:start], by_word[key]]
        cursor = end
    return "".join(pieces) + script[cursor:]


def said_as(script: str, entries: Sequence[Pronunciation], *, ext: bool) -> tuple[str, list[Pronunciation]]:
    """How a script goes out with the lexicon: to a backend that reads ``ext``, as written plus the entries of
    the words it uses; to any other, respelled, with none."""
    return (script, pronunciations_used(script, entries)) if ext else (speak(script, entries), [])


def spoken_request(request: CreateVideoRequest, entries: Sequence[Pronunciation], *,
                   ext: bool = False) -> CreateVideoRequest:
    """The request as it is sent (``said_as``; the entries as ``ext.pronunciations``). Audio requests are
    unchanged."""
    if request.voice_type != "script" or not request.script:
        return request
    script, used = said_as(request.script, entries, ext=ext)
    if not ext:
        return request if script == request.script else replace(request, script=script)
    carried = {key: value for key, value in (request.ext or {}).items() if key != contract.EXT_PRONUNCIATIONS}
    if used:
        carried[contract.EXT_PRONUNCIATIONS] = [entry.as_ext() for entry in used]
    return request if carried == (request.ext or {}) else replace(request, ext=carried or None)
