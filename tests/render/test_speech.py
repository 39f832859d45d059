"""Text to speech through the real espeak-ng library: audio, word timings, mouth keys, processes."""

from __future__ import annotations

import io
import multiprocessing
import threading
import unicodedata
import wave

import numpy as np
import pytest

from lib.engine.catalog.voices import VoiceProfile, find_voice
from lib.engine.render.speech import MAX_SCRIPT_CHARS, phoneme_viseme, speech_to_wav, synthesize
from lib.engine.render.timeline import Speech, Viseme

pytestmark = pytest.mark.timeout(120)

ENGLISH = "en-US-AvaLocal"


def _voice(voice_id: str) -> VoiceProfile:
    voice = find_voice(voice_id)
    assert voice is not None, voice_id
    return voice


def _speak_in_child(args: tuple[str, str]) -> bytes:
    text, voice_id = args
    return synthesize(text, _voice(voice_id)).pcm.tobytes()


def _word_char_indices(text: str) -> set[int]:
    return {i for i, char in enumerate(text) if unicodedata.category(char)[0] in "LN"}


@pytest.fixture(scope="module")
def english() -> Speech:
    return synthesize("The quick brown fox jumps over the lazy dog. Papa bought my bike!", _voice(ENGLISH))


def test_english_audio_is_mono_int16_at_22050_hz_and_audible(english: Speech) -> None:
    assert english.sample_rate == 22050
    assert english.pcm.dtype == np.int16 and english.pcm.ndim == 1
    assert 2.5 < english.duration < 8.0
    assert np.abs(english.pcm.astype(np.int32)).max() > 3000
    assert english.language == "english"


def test_english_words_follow_the_script_in_order(english: Speech) -> None:
    script = "The quick brown fox jumps over the lazy dog. Papa bought my bike!"
    assert [w.text for w in english.words] == script.replace(".", "").replace("!", "").split()
    for word in english.words:
        assert script[word.char_start:word.char_end] == word.text
        assert 0 <= word.start <= word.end <= english.duration
    starts = [w.start for w in english.words]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert [w.text for w in english.words if w.sentence_end] == ["dog", "bike"]


def test_word_timings_leave_the_pause_between_sentences_silent(english: Speech) -> None:
    dog, papa = english.words[8], english.words[9]
    assert papa.start - dog.end > 0.15
    gap = english.pcm[int((dog.end + 0.05) * 22050):int((papa.start - 0.02) * 22050)]
    assert np.abs(gap.astype(np.int32)).max() < 500


@pytest.mark.parametrize(
    ("voice_id", "script"),
    [
        ("fr-FR-DeniseLocal", "Ça été très élégant, déjà. L'œuvre coûte 1 500 euros."),
        ("ru-RU-SvetlanaLocal", "Привет, мир! Как дела? Всё хорошо."),
        ("zh-CN-XiaoxiaoLocal", "你好，世界。今天天气很好。"),
        ("de-DE-KatjaLocal", "Grüße aus Köln: Straße, Größe und Übermut."),
        (ENGLISH, 'In 2024, "U.S.A." and e.g. well-known words don\'t break: 1,500 dogs.'),
    ],
)
def test_word_offsets_cover_every_written_word_once(voice_id: str, script: str) -> None:
    speech = synthesize(script, _voice(voice_id))
    covered: list[int] = []
    for word in speech.words:
        assert script[word.char_start:word.char_end] == word.text
        assert word.text == word.text.strip() and word.text
        covered.extend(range(word.char_start, word.char_end))
    assert len(covered) == len(set(covered)), "words overlap"
    assert _word_char_indices(script) <= set(covered)
    starts = [w.start for w in speech.words]
    assert starts == sorted(starts)
    assert all(w.end <= speech.duration + 1e-6 for w in speech.words)
    assert speech.words[-1].sentence_end


def test_mouth_keys_are_ordered_visemes_from_rest_to_rest(english: Speech) -> None:
    keys = english.mouth_keys
    times = [k.time for k in keys]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert keys[0] == keys[0].__class__(0.0, Viseme.REST)
    assert keys[-1].viseme is Viseme.REST and keys[-1].time <= english.duration
    shapes = {k.viseme for k in keys}
    assert {Viseme.MBP, Viseme.AI, Viseme.O, Viseme.E, Viseme.FV} <= shapes
    assert len(shapes) >= 8
    # The lips close for "Papa bought my bike": a closed shape inside each of those words.
    for word in english.words[9:]:
        inside = [k.viseme for k in keys if word.start <= k.time < word.end]
        assert Viseme.MBP in inside, word.text


def test_phoneme_names_map_to_shapes() -> None:
    assert phoneme_viseme("p") is Viseme.MBP
    assert phoneme_viseme("'aI") is Viseme.AI
    assert phoneme_viseme(",oU") is Viseme.O
    assert phoneme_viseme("v") is Viseme.FV
    assert phoneme_viseme("_:") is Viseme.REST
    assert phoneme_viseme("_|") is None  # a tone boundary does not move the lips
    assert phoneme_viseme("(en)") is None  # nor does a switch of language
    assert phoneme_viseme("tS;") is Viseme.ETC


def test_same_request_gives_identical_audio_whatever_came_before() -> None:
    voice, other = _voice(ENGLISH), _voice("de-DE-ConradLocal")
    first = synthesize("Identical requests, identical audio.", voice)
    synthesize("Etwas ganz anderes, mit einer Frage?", other)
    second = synthesize("Identical requests, identical audio.", voice)
    assert np.array_equal(first.pcm, second.pcm)
    assert first.words == second.words and first.mouth_keys == second.mouth_keys


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_child_processes_speak_exactly_like_the_parent(method: str) -> None:
    jobs = [("Worker one speaks.", ENGLISH), ("Der zweite Arbeiter.", "de-DE-KatjaLocal")]
    expected = [synthesize(text, _voice(voice_id)).pcm.tobytes() for text, voice_id in jobs]
    with multiprocessing.get_context(method).Pool(2) as pool:
        assert pool.map(_speak_in_child, jobs * 2) == expected * 2


def test_threads_share_the_library_safely() -> None:
    voice = _voice(ENGLISH)
    texts = [f"Thread number {n} is talking." for n in range(6)]
    expected = {text: synthesize(text, voice).pcm.tobytes() for text in texts}
    results: dict[str, bytes] = {}

    def speak(text: str) -> None:
        results[text] = synthesize(text, voice).pcm.tobytes()

    threads = [threading.Thread(target=speak, args=(text,)) for text in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == expected


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_empty_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        synthesize(text, _voice(ENGLISH))


def test_absurdly_long_text_is_refused() -> None:
    with pytest.raises(ValueError, match="longer than"):
        synthesize("word " * (MAX_SCRIPT_CHARS // 5 + 1), _voice(ENGLISH))


def test_unknown_espeak_voice_is_refused() -> None:
    bogus = VoiceProfile("x-Local", "X", "english", "en-US", "male", "young", "", "", "zz-nope", 170, 50)
    with pytest.raises(ValueError, match="zz-nope"):
        synthesize("Hello", bogus)


def test_a_5000_character_script_is_spoken_whole() -> None:
    sentence = "Local rendering keeps every draft private and fast. "
    script = (sentence * (5000 // len(sentence) + 1))[:5000].strip()
    speech = synthesize(script, _voice(ENGLISH))
    assert 150 < speech.duration < 600
    assert len(speech.words) == len(script.split())
    assert speech.words[-1].char_end <= len(script)


def test_speech_to_wav_is_a_playable_16_bit_mono_file(english: Speech) -> None:
    with wave.open(io.BytesIO(speech_to_wav(english))) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 22050)
        frames = wav.readframes(wav.getnframes())
    assert np.array_equal(np.frombuffer(frames, dtype="<i2"), english.pcm)
