"""The voice catalog: size, coverage, filters, cloud-id mapping, and every voice really speaking."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from lib.engine.catalog.voices import (
    AGES,
    GENDERS,
    USE_CASES,
    VoiceProfile,
    all_voices,
    filter_voices,
    find_voice,
    sample_text,
)
from lib.engine.render.speech import synthesize

pytestmark = pytest.mark.timeout(120)

REPO = Path(__file__).resolve().parents[2]
VOICES = all_voices()


def test_catalog_is_large_and_covers_many_languages() -> None:
    assert len(VOICES) >= 100
    assert len({v.language for v in VOICES}) >= 40
    assert len({v.voice_id for v in VOICES}) == len(VOICES)
    assert any(v.language == "simplified chinese" and v.gender == "female"
               and v.espeak_voice.startswith("cmn") for v in VOICES)


def test_every_filter_value_is_offered() -> None:
    assert {v.gender for v in VOICES} == set(GENDERS)
    assert {v.age for v in VOICES} == set(AGES)
    assert {v.use_case for v in VOICES} == set(USE_CASES)
    # Every language has both a female and a male voice.
    by_language: dict[str, set[str]] = {}
    for voice in VOICES:
        by_language.setdefault(voice.language, set()).add(voice.gender)
    assert all(genders == set(GENDERS) for genders in by_language.values())


def _field_problems(voice: VoiceProfile) -> list[str]:
    checks = {
        "id pattern": re.fullmatch(r"[a-z]{2,3}-[A-Z]{2}-[A-Za-z]+Local", voice.voice_id) is not None,
        "id parts": voice.voice_id == f"{voice.locale}-{voice.name}Local",
        "language": voice.language == voice.language.lower().strip() != "",
        "gender": voice.gender in GENDERS,
        "age": voice.age in AGES,
        "use case": voice.use_case in USE_CASES,
        "accent": voice.accent == voice.accent.lower() != "",
        "rate": 120 <= voice.rate <= 220,
        "pitch": 0 <= voice.pitch <= 100,
        "espeak variant": "+" in voice.espeak_voice,
    }
    return [f"{voice.voice_id}: {name}" for name, ok in checks.items() if not ok]


def test_voice_fields_are_well_formed() -> None:
    assert [problem for voice in VOICES for problem in _field_problems(voice)] == []


def test_order_is_the_same_in_a_fresh_process() -> None:
    code = "import json; from lib.engine.catalog.voices import all_voices; " \
           "print(json.dumps([v.voice_id for v in all_voices()]))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert json.loads(out) == [v.voice_id for v in VOICES]


def test_filters_accept_the_cloud_guide_spellings() -> None:
    assert filter_voices(gender="Male") == filter_voices(gender="male") == [
        v for v in VOICES if v.gender == "male"]
    english = filter_voices(language="english")
    assert english and all(v.language == "english" for v in english)
    assert filter_voices(language="English") == english == filter_voices(language="en")
    en_us = filter_voices(language="en-US")
    assert en_us and all(v.locale == "en-US" for v in en_us)
    assert set(map(id, en_us)) < set(map(id, english))
    assert filter_voices(language="en_us") == en_us
    assert filter_voices(age="middle-aged") == filter_voices(age="middle_aged") != []
    assert filter_voices(use_case="News") == [v for v in VOICES if v.use_case == "news"]


def test_filters_combine_and_empty_means_no_filter() -> None:
    assert filter_voices() == filter_voices(gender="", language=None, age="", use_case="") == list(VOICES)
    combined = filter_voices(gender="Female", language="simplified chinese")
    assert combined and all(v.gender == "female" and v.language == "simplified chinese" for v in combined)
    assert filter_voices(language="Chinese") == filter_voices(language="simplified chinese")
    assert filter_voices(language="klingon") == []
    assert filter_voices(gender="robot") == []


def test_exact_ids_are_found() -> None:
    for voice in VOICES[::17]:
        assert find_voice(voice.voice_id) is voice


def test_the_seed_examples_cloud_voice_resolves() -> None:
    voice = find_voice("en-US-ChristopherNeural")
    assert voice is not None
    assert (voice.locale, voice.gender, voice.name) == ("en-US", "male", "Christopher")


@pytest.mark.parametrize(
    ("cloud_id", "where", "gender"),
    [
        ("en-US-GuyNeural", "en-US", "male"),
        ("en-US-JennyNeural", "en-US", "female"),
        ("en-US-AvaMultilingualNeural", "en-US", "female"),
        ("en-US-SteffanNeural", "en-US", "male"),  # no local Steffan: the gender is still kept
        ("en-GB-LibbyNeural", "en-GB", "female"),
        ("de-DE-SeraphinaMultilingualNeural", "de-DE", None),
        ("zh-CN-XiaochenNeural", "zh-CN", "female"),
        ("fr-CA-SylvieNeural", "fr", None),  # no Canadian French voice: another French one
        ("es-AR-ElenaNeural", "es", None),
    ],
)
def test_cloud_ids_map_to_a_local_voice(cloud_id: str, where: str, gender: str | None) -> None:
    voice = find_voice(cloud_id)
    assert voice is not None and voice.voice_id.endswith("Local")
    if "-" in where:
        assert voice.locale == where
    else:
        assert voice.locale.split("-")[0] == where
    if gender:
        assert voice.gender == gender


def test_cloud_mapping_is_deterministic_and_spreads_names() -> None:
    names = ["AndrewNeural", "BrianNeural", "EricNeural", "DavisNeural", "TonyNeural", "JasonNeural"]
    first = [find_voice(f"en-AU-{n}") for n in names]
    assert first == [find_voice(f"en-AU-{n}") for n in names]
    assert len({v.voice_id for v in first if v}) >= 2


@pytest.mark.parametrize("junk", [
    "", "nonsense", "en-US", "en-US-", "-US-GuyNeural", "en-US-Guy Neural", "no-such-voice",
    # A language the engine does not speak is unknown, not silently American English.
    "xx-YY-SomebodyNeural", "zz-ZZ-NoOneNeural-x", "zz-ZZ-NoOneNeural",
    # Only the cloud's exact shape maps: a suffix other than Neural, or wrong case, is unknown.
    "en-US-GuyLocalNeural-x", "en-US-GuyHD", "en-us-guyneural", "en-US-Neural", "en-US-ChristopherLocal2",
])
def test_non_voice_ids_are_not_found(junk: str) -> None:
    assert find_voice(junk) is None


def test_sample_texts_are_in_the_voices_language() -> None:
    scripts = {"simplified chinese": "CJK", "russian": "CYRILLIC", "arabic": "ARABIC", "hindi": "DEVANAGARI",
               "greek": "GREEK", "korean": "HANGUL", "thai": "THAI", "hebrew": "HEBREW"}
    for language, script in scripts.items():
        voice = filter_voices(language=language)[0]
        text = sample_text(voice)
        letters = [c for c in text if c.isalpha()]
        assert letters and all(script in unicodedata.name(c) for c in letters), language
    english_greeting = sample_text(filter_voices(language="english")[0])
    others = [v for v in VOICES if v.language != "english"]
    assert all(sample_text(v) != english_greeting for v in others)


def test_every_voice_speaks_its_sample() -> None:
    failures = []
    for voice in VOICES:
        speech = synthesize(sample_text(voice), voice)
        if not (0.5 < speech.duration < 12.0 and speech.words and speech.mouth_keys
                and abs(speech.pcm.astype(int)).max() > 1000):
            failures.append((voice.voice_id, round(speech.duration, 2), len(speech.words)))
    assert failures == []


def test_voices_of_one_language_sound_different() -> None:
    voices = filter_voices(language="en-US")
    lengths = Counter(len(synthesize("Good morning, everyone.", v).pcm) for v in voices)
    assert len(lengths) >= len(voices) // 2
