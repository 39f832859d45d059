"""The local engine's script writer: drafts, not an LLM.

A deterministic grammar-and-template writer with no model weights: it reads the product's description
into reusable phrases (`product_facts`), writes them into one of JoggAI's six styles (`english`) and
fits the result to the video's length at about 150 words a minute (`assembly`). Its choices of wording
are seeded by the whole request plus a per-task nonce: one task's drafts never change, a second task
for the same product usually reads differently. It writes English only; other languages are refused
with `CannotWrite`, naming the languages it can write.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass

from lib.engine.script_writer.assembly import fit, target_words, word_count
from lib.engine.script_writer.english import STYLE_WRITERS, Pen
from lib.engine.script_writer.product_facts import read_product
from lib.joggai.contract import AI_SCRIPT_STYLES

__all__ = ["WRITABLE_LANGUAGES", "CannotWrite", "Draft", "ScriptOrder", "require_writable", "target_words",
           "word_count", "write_drafts"]

WRITABLE_LANGUAGES: tuple[str, ...] = ("english",)


class CannotWrite(Exception):
    """A valid request this writer cannot serve (another language); the message says what it can do."""


@dataclass(frozen=True)
class ScriptOrder:
    """A validated AI script request: what to write about, in which style, for how many seconds."""

    language: str
    seconds: int
    style: str
    product_name: str
    product_description: str
    target_audience: str | None = None


@dataclass(frozen=True)
class Draft:
    """One generated script: its style and its paragraphs (speakable text, no markdown)."""

    script_style: str
    script_paragraphs: tuple[str, ...]


def _seed(order: ScriptOrder, nonce: str, style: str) -> int:
    canonical = json.dumps({**asdict(order), "nonce": nonce, "writing": style}, sort_keys=True)
    return int.from_bytes(hashlib.sha256(canonical.encode("utf-8")).digest()[:8], "big")


def require_writable(language: str) -> None:
    """Raise CannotWrite, naming the languages this writer can write, when it cannot write `language`."""
    if language not in WRITABLE_LANGUAGES:
        raise CannotWrite(
            f"the local engine's script writer writes {', '.join(WRITABLE_LANGUAGES)} only, not "
            f"{language}: ask for language \"english\", or use the JoggAI cloud for {language}"
        )


def write_drafts(order: ScriptOrder, nonce: str) -> list[Draft]:
    """The requested style first, then the other five for comparison; the same inputs give the same drafts.

    Raises CannotWrite for a language other than those in WRITABLE_LANGUAGES.
    """
    require_writable(order.language)
    facts = read_product(order.product_name, order.product_description, order.target_audience)
    styles = [order.style] + [style for style in AI_SCRIPT_STYLES if style != order.style]
    drafts = []
    for style in styles:
        pen = Pen(facts, order.seconds, random.Random(_seed(order, nonce, style)))
        drafts.append(Draft(style, tuple(fit(STYLE_WRITERS[style](pen), order.seconds))))
    return drafts
