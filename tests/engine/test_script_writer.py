"""The local script writer (drafts, not an LLM): styles, length, the product woven in, variety, determinism."""

from __future__ import annotations

import dataclasses
import re
from itertools import combinations

import pytest

from lib.engine.script_writer import CannotWrite, ScriptOrder, target_words, word_count, write_drafts
from lib.engine.script_writer.english import STORY_CHARACTERS
from lib.engine.script_writer.product_facts import read_product
from lib.joggai.contract import AI_SCRIPT_STYLES, MAX_SCRIPT_CHARS

BOTTLE = ScriptOrder(
    language="english", seconds=30, style="Storytime",
    product_name="Owala FreeSip Insulated Stainless Steel Water Bottle",
    product_description="The Owala FreeSip bottle is perfect for active lifestyles. It keeps drinks cold for "
                        "24 hours, has a leak-proof lid and a built-in straw. Dishwasher safe lid.",
    target_audience="Fitness enthusiasts and outdoor adventurers",
)
COFFEE = ScriptOrder(
    language="english", seconds=30, style="Data", product_name="Brewly",
    product_description="Brewly makes barista-quality coffee at home in under two minutes. It grinds fresh beans "
                        "for every cup, and it cleans itself after each brew. The app lets you save recipes.",
    target_audience="busy parents",
)
LAMP = ScriptOrder(language="english", seconds=60, style="Discovery", product_name="Lumen Desk Lamp",
                   product_description="A warm, adjustable desk lamp.")
PRODUCTS = (BOTTLE, COFFEE, LAMP)


def drafts(order: ScriptOrder, nonce: str = "n") -> dict[str, str]:
    return {draft.script_style: " ".join(draft.script_paragraphs) for draft in write_drafts(order, nonce)}


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]


def test_the_requested_style_comes_first_then_the_other_five():
    styles = [draft.script_style for draft in write_drafts(BOTTLE, "n")]
    assert styles[0] == "Storytime" and sorted(styles) == sorted(AI_SCRIPT_STYLES)


@pytest.mark.parametrize("order", PRODUCTS, ids=lambda order: order.product_name[:12])
@pytest.mark.parametrize("seconds", [15, 30, 60])
def test_length_follows_the_video_at_150_words_a_minute(order, seconds):
    target = target_words(seconds)
    assert target == {15: 37, 30: 75, 60: 150}[seconds]
    for nonce in ("a", "b", "c", "d", "e"):
        for draft in write_drafts(dataclasses.replace(order, seconds=seconds), nonce):
            words = word_count(" ".join(draft.script_paragraphs))
            assert 0.8 * target <= words <= 1.2 * target, (draft.script_style, words)
            assert 2 <= len(draft.script_paragraphs) <= 5
            assert sum(len(text) for text in draft.script_paragraphs) < MAX_SCRIPT_CHARS


def test_paragraphs_are_speakable_text():
    marked = dataclasses.replace(BOTTLE, product_description="**Bold** claims: # keeps drinks cold, see "
                                                             "https://example.com `now`. It has a lid.")
    for draft in write_drafts(marked, "n"):
        for text in draft.script_paragraphs:
            assert not re.search(r"[*#_`<>\[\]]|https?://", text), text
            assert text == text.strip() and "  " not in text


def test_top_3_reasons_enumerates_three_reasons():
    for order in PRODUCTS:
        text = drafts(order)["Top 3 reasons"]
        found = re.findall(r"Reason (one|two|three|four):", text)
        assert found == ["one", "two", "three"], text


def test_data_leads_with_a_figure():
    for order in PRODUCTS:
        for nonce in ("a", "b", "c"):
            text = drafts(order, nonce)["Data"]
            assert re.search(r"\d", first_sentence(text)), text
    # A figure in the description is the one it leads with.
    assert "24 hours" in first_sentence(drafts(BOTTLE)["Data"])


def test_storytime_has_a_character_and_a_turn():
    for order in PRODUCTS:
        text = drafts(order)["Storytime"]
        names = [name for name, *_ in STORY_CHARACTERS if text.count(name) >= 2]
        assert len(names) == 1, text
        assert re.search(r"\b(Then|That's when)\b", text) and re.search(r"\bNow\b|These days", text), text


@pytest.mark.parametrize(("style", "pattern"), [
    ("Don't Worry", r"Don't worry|Relax|No stress|Rest easy|Breathe easy|Take a breath"),
    ("Discovery", r"[Dd]iscover|Did you know|Turns out|Look closer|closer look|surprise|secret"),
    ("Light marketing", r"when you're ready|[Ww]orth a (look|try)|if you want it|suggestion|quick note"),
])
def test_each_tone_says_what_it_is(style, pattern):
    for order in PRODUCTS:
        assert re.search(pattern, drafts(order)[style]), drafts(order)[style]


def test_styles_use_different_words():
    def vocabulary(text: str) -> set[str]:
        return set(re.findall(r"[a-z']+", text.lower()))

    for order in PRODUCTS:
        texts = drafts(order)
        for first, second in combinations(AI_SCRIPT_STYLES, 2):
            one, other = vocabulary(texts[first]), vocabulary(texts[second])
            assert len(one & other) / len(one | other) < 0.5, (order.product_name, first, second)


def test_the_product_is_woven_in_not_pasted():
    for seconds in (15, 30, 60):
        for style, text in drafts(dataclasses.replace(BOTTLE, seconds=seconds)).items():
            assert "Owala FreeSip" in text, style
            if seconds > 15:
                assert BOTTLE.product_name in text, style
            assert BOTTLE.product_description not in text
            assert BOTTLE.product_description.split(". ")[1] not in text
            reused = [phrase for phrase in ("perfect for active lifestyles", "keeps drinks cold",
                                            "leak-proof lid") if phrase in text]
            assert len(reused) >= (1 if seconds == 15 else 2), (style, seconds, text)
            if seconds > 15 and style != "Storytime":
                assert "fitness enthusiasts and outdoor adventurers" in text, (style, text)
        assert "fitness enthusiasts" in drafts(dataclasses.replace(BOTTLE, seconds=seconds))["Storytime"]


def test_description_clauses_become_separate_features():
    facts = read_product(COFFEE.product_name, COFFEE.product_description, COFFEE.target_audience)
    texts = [feature.text for feature in facts.features]
    assert "grinds fresh beans for every cup" in texts and "cleans itself after each brew" in texts
    assert facts.audience == "busy parents"


def test_the_same_task_writes_the_same_drafts():
    assert write_drafts(BOTTLE, "task_1") == write_drafts(BOTTLE, "task_1")


def test_another_task_for_the_same_product_reads_differently():
    for order in PRODUCTS:
        first, second = drafts(order, "task_1"), drafts(order, "task_2")
        assert first != second
        assert sum(first[style] != second[style] for style in AI_SCRIPT_STYLES) >= 3


def test_other_languages_are_refused_naming_english():
    with pytest.raises(CannotWrite, match="english") as refused:
        write_drafts(dataclasses.replace(BOTTLE, language="japanese"), "n")
    assert "japanese" in str(refused.value)
