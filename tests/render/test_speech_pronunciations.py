"""Brand words in the engine's speech: said as respelled or as phonemes, while the word timings (and so the
captions) keep the words as written."""

from __future__ import annotations

import pytest

from lib.engine.catalog.voices import find_voice
from lib.engine.render.speech import SpokenText, synthesize
from lib.joggai.contract import Pronunciation

pytestmark = pytest.mark.timeout(120)

VOICE = find_voice("en-US-AvaLocal")


def words(script: str, lexicon: list[Pronunciation]) -> list[str]:
    return [word.text for word in synthesize(script, VOICE, lexicon).words]


def visemes(script: str, lexicon: list[Pronunciation] = ()) -> list[str]:
    return [key.viseme.name for key in synthesize(script, VOICE, lexicon).mouth_keys]


def test_a_respelled_word_sounds_as_its_respelling_and_is_timed_as_written() -> None:
    script = "Try Quentum today."
    said = synthesize(script, VOICE, [Pronunciation("quentum", "Kwen tum box")])
    respelled = synthesize("Try Kwen tum box today.", VOICE)
    assert said.pcm.tobytes() == respelled.pcm.tobytes()  # the voice says exactly the respelling
    assert [word.text for word in said.words] == ["Try", "Quentum", "today"]
    # "Quentum" lasts as long as the three respelled words did, and "today" starts where it did.
    assert said.words[1].start == respelled.words[1].start
    assert said.words[2].start == respelled.words[4].start
    assert said.words[1].char_start == script.index("Quentum")


def test_phonemes_are_said_as_phonemes() -> None:
    lexicon = [Pronunciation("Quentum", "ignored", "kw'Ent@m")]
    # espeak's own reading of "Kwentum" is kw'Ent@m: the same mouth shapes, from the phonemes.
    assert visemes("Try Quentum today.", lexicon) == visemes("Try Kwentum today.")
    assert visemes("Try Quentum today.", lexicon) != visemes("Try Quentum today.", [Pronunciation("Quentum", "zoo")])
    assert words("Try Quentum today, QUENTUM's way.", lexicon) == ["Try", "Quentum", "today", "QUENTUM's", "way"]


def test_the_scripts_own_brackets_are_not_phoneme_input() -> None:
    # With phonemes on, espeak would read [[...]] as phonemes; the script's brackets become parentheses.
    said = SpokenText.of("Quentum [[h@l'oU]] there.", [Pronunciation("Quentum", "", "kw'Ent@m")])
    assert said.text == "[[kw'Ent@m]] ((h@l'oU)) there." and said.has_phonemes
    assert SpokenText.of("Plain [[x]].", [Pronunciation("Quentum", "Kwentum")]).text == "Plain [[x]]."
    assert words("Quentum [[hello]] there.", [Pronunciation("Quentum", "", "kw'Ent@m")]) == [
        "Quentum", "hello", "there"]


def test_spoken_positions_map_back_to_the_script() -> None:
    said = SpokenText.of("A Quentum b Nginx c.", [Pronunciation("Quentum", "Kw"), Pronunciation("nginx", "engine x")])
    assert said.text == "A Kw b engine x c."
    # (sample, 1-based position, length) in the spoken text -> in the script
    events = [(0, 1, 1), (10, 3, 2), (20, 6, 1), (30, 8, 6), (40, 15, 1), (50, 17, 1)]
    assert said.written_events(events) == [(0, 1, 1), (10, 3, 7), (20, 11, 1), (30, 13, 5), (40, 13, 5),
                                            (50, 19, 1)]
