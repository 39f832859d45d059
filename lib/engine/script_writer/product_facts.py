"""What a product description says, cut into phrases the templates can reuse (English heuristics).

A description such as "The Owala FreeSip bottle is perfect for active lifestyles. It keeps drinks cold
for 24 hours, has a leak-proof lid and a built-in straw." becomes features: "is perfect for active
lifestyles", "keeps drinks cold for 24 hours", "has a leak-proof lid and a built-in straw". A feature
that starts with a third-person verb is a *predicate* ("It keeps drinks cold..."); anything else is a
*claim*, spoken as its own sentence. No parser, no model: a list of verbs and clause boundaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Third-person verbs a product description usually starts its clauses with.
_PRODUCT_VERBS_TEXT = """
is has keeps makes lets helps gives comes offers features includes provides delivers fits holds works
uses combines brings turns cleans supports saves stays protects boasts adds packs runs charges lasts
removes reduces improves tracks measures blends brews cooks heats cools locks seals folds connects syncs
shows plays records cuts grows builds handles carries feels looks weighs sits stands goes gets sets
takes puts creates designs ships arrives needs requires contains means allows enables ensures
"""
PRODUCT_VERBS = frozenset(_PRODUCT_VERBS_TEXT.split())
# Words that may open a sentence about the product itself ("It keeps...", "This bottle has...").
SUBJECT_OPENERS = frozenset({"it", "this", "the", "our", "each", "every", "its", "these"})
NOUN_PHRASE_VERBS = ("has", "features", "includes", "offers", "boasts", "packs", "comes with")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
_CLAUSE_SPLIT = re.compile(r",\s*(?:and\s+)?|\s+and\s+")
_NOT_SPEAKABLE = re.compile(r"[*#_`~<>|\[\]{}\\^]+|https?://\S+")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Feature:
    """One reusable phrase: a verb-first `predicate` ("keeps drinks cold") or a stand-alone `claim`."""

    text: str
    is_predicate: bool

    @property
    def has_number(self) -> bool:
        """True when the phrase carries a figure (Data leads with those)."""
        return bool(_DIGIT.search(self.text))

    @property
    def words(self) -> int:
        """Its length in spoken words."""
        return len(self.text.split())

    @property
    def noun_phrase(self) -> str | None:
        """ "has a leak-proof lid" -> "a leak-proof lid"; None when the predicate does not own a thing."""
        if not self.is_predicate:
            return None
        for verb in NOUN_PHRASE_VERBS:
            if self.text.startswith(verb + " "):
                return self.text[len(verb) + 1:]
        return None

    def as_sentence(self, subject: str) -> str:
        """A full sentence: "{subject} keeps drinks cold." or the claim itself."""
        if self.is_predicate:
            return f"{subject} {self.text}."
        return f"{capitalised(self.text)}."

    def as_clause(self) -> str:
        """A lower-case clause for "Reason one: ...": "it keeps drinks cold" or the claim."""
        return f"it {self.text}" if self.is_predicate else lower_first(self.text)


@dataclass(frozen=True)
class ProductFacts:
    """A product as the templates see it: names, audience and the description's features in order."""

    name: str
    short_name: str
    audience: str | None
    features: tuple[Feature, ...]

    def numbered_features(self) -> tuple[Feature, ...]:
        """The features that carry a figure."""
        return tuple(feature for feature in self.features if feature.has_number)


def speakable(text: str) -> str:
    """Text without markdown marks, links or repeated spaces: a voice reads every character aloud."""
    return re.sub(r"\s+", " ", _NOT_SPEAKABLE.sub(" ", text or "")).strip()


def capitalised(text: str) -> str:
    """First letter upper-cased, the rest untouched ("leak-proof" stays, "iPhone" becomes "IPhone" rarely)."""
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    """First letter lower-cased unless the word is an acronym or a name-like word ("USB", "FreeSip")."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and any(char.isupper() for char in first[1:]):
        return text
    return text[:1].lower() + text[1:]


def short_name_of(name: str) -> str:
    """The name a speaker would repeat: the first two words of a long product title."""
    words = name.split()
    return " ".join(words[:2]) if len(words) > 3 else name


def _predicate_of(sentence: str, name: str) -> str | None:
    """The verb-first rest of a sentence about the product, or None when it is not one."""
    words = sentence.split()
    if not words:
        return None
    if words[0].lower() == "it" and len(words) > 2:
        return " ".join(words[1:])  # "It <verb> ...": whatever the verb, the rest is about the product
    name_words = {word.lower() for word in name.split()}
    if words[0].lower() not in SUBJECT_OPENERS and words[0].lower() not in name_words:
        return None
    for index, word in enumerate(words[1:9], start=1):
        if word.lower() in PRODUCT_VERBS:
            return " ".join(words[index:])
    return None


def _features_of(sentence: str, name: str) -> list[Feature]:
    predicate = _predicate_of(sentence, name)
    if predicate is None:
        return [Feature(sentence, is_predicate=False)]
    # "keeps drinks cold, has a lid and fits any cup holder": split where the next clause opens on a verb.
    pieces = _CLAUSE_SPLIT.split(predicate)
    features: list[str] = [pieces[0]]
    for piece, separator in zip(pieces[1:], _CLAUSE_SPLIT.findall(predicate), strict=True):
        words = piece.split()
        # "..., and it cleans itself": a new clause about the product, whatever its verb.
        about_product = len(words) > 2 and words[0].lower() == "it"
        if about_product:
            piece = piece[3:]
        if about_product or piece.split(" ", 1)[0].lower() in PRODUCT_VERBS:
            features.append(piece)
        else:
            features[-1] = features[-1] + separator + piece
    return [Feature(text, is_predicate=True) for text in features if text]


def read_product(name: str, description: str, audience: str | None) -> ProductFacts:
    """Cut a product's description into features (order kept, duplicates and empties dropped)."""
    clean_name = speakable(name)
    features: list[Feature] = []
    seen: set[str] = set()
    for sentence in _SENTENCE_END.split(speakable(description)):
        sentence = sentence.strip().rstrip(".!?;:").strip()
        if len(sentence.split()) < 2:
            continue
        for feature in _features_of(sentence, clean_name):
            key = feature.text.lower()
            if key not in seen and feature.words >= 2:
                seen.add(key)
                features.append(feature)
    clean_audience = speakable(audience or "").rstrip(".!?") or None
    return ProductFacts(
        name=clean_name,
        short_name=short_name_of(clean_name),
        audience=lower_first(clean_audience) if clean_audience else None,
        features=tuple(features),
    )


def shortened(feature: Feature, max_words: int) -> Feature | None:
    """The feature cut at its last clause boundary within `max_words`, or None when it cannot be cut."""
    if feature.words <= max_words:
        return feature
    words = feature.text.split()
    for end in range(max_words, 1, -1):
        if words[end].lower() in ("and", "with", "for", "so", "while", "that", "to", "in", "without"):
            return Feature(" ".join(words[:end]).rstrip(","), feature.is_predicate)
        if words[end - 1].endswith(","):
            return Feature(" ".join(words[:end]).rstrip(","), feature.is_predicate)
    return None
