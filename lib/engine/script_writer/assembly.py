"""Fitting a style's lines to a spoken length and cutting them into paragraphs.

A style writes a `Plan`: sections (opening, body, closing) of `Line`s, each line required or optional
with a rank, plus spare `fillers` in that style's voice. Assembly keeps every required line, adds
optional lines by rank while they fit, then fillers until the script is long enough: the length follows
the video at about 150 spoken words a minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lib.joggai.contract import MAX_SCRIPT_CHARS

WORDS_PER_MINUTE = 150
# Aim inside +-10 % so that the +-20 % promise holds with whole sentences.
AIM_LOW, AIM_HIGH = 0.9, 1.1
LIMIT_HIGH = 1.2
MAX_PARAGRAPHS = 5


def target_words(seconds: int) -> int:
    """How many words a voice speaks in `seconds` at about 150 words a minute (15 s -> 37)."""
    return int(seconds * WORDS_PER_MINUTE / 60)


def word_count(text: str) -> int:
    """Spoken words, counted as space-separated tokens."""
    return len(text.split())


@dataclass(frozen=True)
class Line:
    """One sentence; `rank` 0 is required, higher ranks are added later; `short` replaces `text` when the
    required lines alone are too long for the video (a 15 s script has no room for a seven-word name)."""

    text: str
    rank: int = 0
    short: str | None = None

    @property
    def words(self) -> int:
        return word_count(self.text)


@dataclass
class Plan:
    """A style's draft before fitting: sections become paragraphs; fillers pad the body when short."""

    sections: list[list[Line]]
    fillers: list[str] = field(default_factory=list)
    body_section: int = 1  # where fillers go


def _chosen(plan: Plan, high: int) -> list[list[str]]:
    sections: list[list[Line | None]] = [[line if line.rank == 0 else None for line in section]
                                         for section in plan.sections]
    total = sum(line.words for section in sections for line in section if line is not None)
    for section in sections:
        for i, line in enumerate(section):
            if total > high and line is not None and line.short is not None:
                section[i] = Line(line.short)
                total += section[i].words - line.words
    optional = sorted(
        ((line.rank, s, i, line) for s, section in enumerate(plan.sections)
         for i, line in enumerate(section) if line.rank > 0),
        key=lambda item: (item[0], item[1], item[2]),
    )
    for _rank, s, i, line in optional:
        if total + line.words <= high:
            sections[s][i] = line
            total += line.words
    return [[line.text for line in section if line is not None] for section in sections]


def fit(plan: Plan, seconds: int) -> list[str]:
    """The plan's paragraphs for a `seconds`-long video: 2-5 paragraphs, under MAX_SCRIPT_CHARS."""
    target = target_words(seconds)
    low, high = round(target * AIM_LOW), round(target * AIM_HIGH)
    sections = _chosen(plan, high)
    total = sum(word_count(text) for section in sections for text in section)
    body = sections[plan.body_section]
    for filler in plan.fillers:
        if total >= low:
            break
        if total + word_count(filler) <= target * LIMIT_HIGH:
            body.append(filler)
            total += word_count(filler)
    return paragraphs(sections, seconds)


def paragraphs(sections: list[list[str]], seconds: int) -> list[str]:
    """Sections joined into paragraphs: short videos get two or three, a minute up to five."""
    kept = [section for section in sections if section]
    # A long body reads better split in two; a 15 s script is just its hook and the rest.
    if seconds >= 60:
        split: list[list[str]] = []
        for section in kept:
            if len(section) >= 4 and len(split) + 2 <= MAX_PARAGRAPHS:
                half = (len(section) + 1) // 2
                split.extend([section[:half], section[half:]])
            else:
                split.append(section)
        kept = split
    elif seconds <= 15 and len(kept) > 2:
        kept = [kept[0], [text for section in kept[1:] for text in section]]
    while len(kept) > MAX_PARAGRAPHS:
        kept[-2:] = [kept[-2] + kept[-1]]
    if len(kept) == 1 and len(kept[0]) > 1:
        kept = [kept[0][:1], kept[0][1:]]
    texts = [" ".join(section) for section in kept]
    while sum(len(text) for text in texts) > MAX_SCRIPT_CHARS and len(texts) > 2:
        texts.pop(-2)  # a very long description: drop body paragraphs, keep hook and close
    return texts
