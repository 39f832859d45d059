"""The shared rules of brand words: how words are found, and what ``ext.pronunciations`` may hold."""

from __future__ import annotations

import pytest

from lib.joggai import CreateVideoRequest, contract
from lib.joggai.contract import (
    Pronunciation,
    PronunciationProblem,
    find_words,
    pronunciations_from_ext,
    pronunciations_used,
)


def test_words_are_found_whole_in_any_case_longest_first() -> None:
    text = "JoggAI and Jogg, jogg's; SubJogg Jogg2 JOGG."
    assert [(text[start:end], key) for start, end, key in find_words(text, ["Jogg", "JoggAI", " "])] == [
        ("JoggAI", "joggai"), ("Jogg", "jogg"), ("jogg", "jogg"), ("JOGG", "jogg")]
    assert find_words("", ["x"]) == [] and find_words("x", []) == []


def test_a_request_carries_only_the_words_its_script_uses() -> None:
    lexicon = [Pronunciation("Quentum", "Kwentum"), Pronunciation("Nginx", "engine x", "'EndZIn 'Eks")]
    assert pronunciations_used("Served by NGINX.", lexicon) == [lexicon[1]]
    assert lexicon[1].as_ext() == {"word": "Nginx", "respelling": "engine x", "phonemes": "'EndZIn 'Eks"}
    assert lexicon[0].as_ext() == {"word": "Quentum", "respelling": "Kwentum"}


def test_good_entries_are_read_and_trimmed() -> None:
    assert pronunciations_from_ext(None) == []
    assert pronunciations_from_ext([{"word": " Quentum ", "respelling": "Kwentum"},
                                    {"word": "Nginx", "phonemes": "'EndZIn"},
                                    {"word": "SQL", "respelling": "sequel", "phonemes": None}]) == [
        Pronunciation("Quentum", "Kwentum"), Pronunciation("Nginx", "", "'EndZIn"), Pronunciation("SQL", "sequel")]


@pytest.mark.parametrize(("value", "message"), [
    ("Quentum=Kwentum", "ext.pronunciations must be a list of objects"),
    ([["Quentum", "Kwentum"]], "ext.pronunciations[0] must be an object"),
    ([{"word": "Quentum", "say": "Kwentum"}], "ext.pronunciations[0].say is not a known field"),
    ([{"respelling": "Kwentum"}], "ext.pronunciations[0].word is required"),
    ([{"word": "Quentum"}], "ext.pronunciations[0] needs respelling or phonemes"),
    ([{"word": "Quentum", "respelling": 7}], "ext.pronunciations[0].respelling must be a string"),
    ([{"word": "A", "phonemes": "a]] [[b"}], "ext.pronunciations[0].phonemes must be espeak-ng phoneme mnemonics"),
    ([{"word": "A", "phonemes": "ä"}], "ext.pronunciations[0].phonemes must be espeak-ng phoneme mnemonics"),
    ([{"word": "A", "phonemes": "''"}], "ext.pronunciations[0].phonemes must be espeak-ng phoneme mnemonics"),
    ([{"word": "A", "respelling": "a"}, {"word": "a", "respelling": "b"}],
     "ext.pronunciations[1].word 'a' is listed twice"),
    ([{"word": "w" * 101, "respelling": "a"}], "ext.pronunciations[0].word must be at most 100 characters"),
    ([{"word": f"w{n}", "respelling": "a"} for n in range(contract.MAX_PRONUNCIATIONS + 1)],
     "must have at most 200 entries"),
])
def test_bad_entries_name_the_field(value: object, message: str) -> None:
    with pytest.raises(PronunciationProblem) as problem:
        pronunciations_from_ext(value)
    assert message in str(problem.value)


def test_the_client_refuses_a_bad_list_before_sending() -> None:
    request = CreateVideoRequest(avatar_id=1, voice_id="v", script="Hi Quentum.",
                                 ext={contract.EXT_PRONUNCIATIONS: [{"word": "Quentum"}]})
    [problem] = request.problems()
    assert problem.field == "ext.pronunciations"
    assert "ext.pronunciations[0] needs respelling or phonemes" in problem.message
    fine = CreateVideoRequest(avatar_id=1, voice_id="v", script="Hi Quentum.",
                              ext={contract.EXT_PRONUNCIATIONS: [{"word": "Quentum", "respelling": "Kwentum"}]})
    assert fine.problems() == []
    assert fine.to_payload()["ext"]["pronunciations"] == [{"word": "Quentum", "respelling": "Kwentum"}]
