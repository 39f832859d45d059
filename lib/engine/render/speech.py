"""Text to speech with espeak-ng through its C library, with word and phoneme timings.

The library and its data come from the `espeakng-loader` wheel, so no system package is needed.
espeak-ng keeps global state and is not thread-safe: every call in a process goes through one lock,
and a forked child initialises its own copy on first use. Each synthesis runs in a short-lived
forked child (see `_Espeak.synthesize_isolated`) so that identical requests give identical audio.
"""

from __future__ import annotations

import ctypes
import io
import os
import pickle
import re
import threading
import unicodedata
import wave
from collections.abc import Sequence
from dataclasses import dataclass, field

import espeakng_loader
import numpy as np

from lib.engine.catalog.voices import VoiceProfile
from lib.engine.render.timeline import MouthKey, Speech, Viseme, WordTiming
from lib.joggai.contract import Pronunciation, find_words

# Constants from espeak-ng's speak_lib.h (stable ABI since 1.48).
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_DONT_EXIT = 0x8000
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PHONEME_INPUT = 0x100  # espeakPHONEMES: text inside [[...]] is read as phoneme mnemonics
_PARAM_RATE = 1
_PARAM_VOLUME = 2
_PARAM_PITCH = 3
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_EVENT_SENTENCE = 2
_EVENT_PHONEME = 7
_BUFFER_MS = 500

MAX_SCRIPT_CHARS = 20_000  # far above the API's 5000; guards the library against absurd input
_SILENCE_LEVEL = 200  # int16 amplitude under which a sample counts as silence


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),  # 1-based character index into the input
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # milliseconds
        ("sample", ctypes.c_int),  # samples from the start of this synthesis
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                                  ctypes.POINTER(_Event))


@dataclass
class _Capture:
    """What one synthesis call collects from the callback."""

    chunks: list[bytes] = field(default_factory=list)
    words: list[tuple[int, int, int]] = field(default_factory=list)  # (sample, text_pos, length)
    sentences: list[int] = field(default_factory=list)  # sample positions of sentence starts
    phonemes: list[tuple[int, str]] = field(default_factory=list)  # (sample, phoneme name)


class _Espeak:
    """The loaded library, initialised for synchronous output in the current process."""

    def __init__(self) -> None:
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib = self.lib
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                     ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        lib.espeak_Synth.restype = ctypes.c_int
        if hasattr(lib, "espeak_ng_SetRandSeed"):  # 1.52+
            lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
            lib.espeak_ng_SetRandSeed.restype = None
        self._libc = ctypes.CDLL(None)
        self._libc.srand.argtypes = [ctypes.c_uint]
        self._libc.srand.restype = None
        data_path = os.fsencode(espeakng_loader.get_data_path())
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, data_path,
                                     _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise RuntimeError(f"espeak-ng failed to initialise (code {rate})")
        self.sample_rate = rate
        self.pid = os.getpid()
        self.capture: _Capture | None = None
        self._callback = _SynthCallback(self._on_synth)  # kept referenced: the library holds a pointer
        lib.espeak_SetSynthCallback(self._callback)

    def _on_synth(self, wav, num_samples: int, events) -> int:
        capture = self.capture
        if capture is None:
            return 1  # abort: nobody is listening
        if num_samples > 0:
            capture.chunks.append(ctypes.string_at(wav, num_samples * 2))
        index = 0
        while True:
            event = events[index]
            kind = event.type
            if kind == _EVENT_LIST_TERMINATED:
                break
            if kind == _EVENT_WORD:
                capture.words.append((event.sample, event.text_position, event.length))
            elif kind == _EVENT_SENTENCE:
                capture.sentences.append(event.sample)
            elif kind == _EVENT_PHONEME:
                capture.phonemes.append((event.sample, event.id.string.decode("ascii", "replace")))
            index += 1
        return 0

    def synthesize(self, text: str, voice: VoiceProfile, phonemes: bool = False) -> _Capture:
        lib = self.lib
        self._seed_random_numbers()
        if lib.espeak_SetVoiceByName(voice.espeak_voice.encode("ascii")) != 0:
            raise ValueError(f"espeak-ng has no voice {voice.espeak_voice!r}")
        lib.espeak_SetParameter(_PARAM_RATE, int(voice.rate), 0)
        lib.espeak_SetParameter(_PARAM_PITCH, int(voice.pitch), 0)
        lib.espeak_SetParameter(_PARAM_VOLUME, 100, 0)
        encoded = text.encode("utf-8")
        self.capture = _Capture()
        try:
            flags = _CHARS_UTF8 | (_PHONEME_INPUT if phonemes else 0)
            status = lib.espeak_Synth(encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, flags, None, None)
            if status != 0:
                raise RuntimeError(f"espeak-ng synthesis failed (code {status})")
            return self.capture
        finally:
            self.capture = None

    def _seed_random_numbers(self) -> None:
        # espeak-ng draws noise from libc's rand() and from its own generator; seeding both makes
        # the audio independent of whatever this process did before.
        self._libc.srand(0)
        if hasattr(self.lib, "espeak_ng_SetRandSeed"):
            self.lib.espeak_ng_SetRandSeed(0)

    def synthesize_isolated(self, text: str, voice: VoiceProfile, phonemes: bool = False) -> _Capture:
        """Synthesise in a forked child so that this process's espeak state is never used.

        espeak-ng carries state from one call to the next (pitch flutter phase, filter memories), so
        the same text comes out a few samples different each time. A child forked from a process
        that only ever initialised the library always starts from the same state: identical
        requests give identical audio, whatever was spoken before."""
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: speak, send the capture back, leave without running any cleanup
            status = 1
            try:
                os.close(read_end)
                try:
                    outcome: object = self.synthesize(text, voice, phonemes)
                except Exception as error:  # noqa: BLE001 - handed to the parent to raise there
                    outcome = error
                payload = memoryview(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
                while payload:
                    payload = payload[os.write(write_end, payload):]
                status = 0
            finally:
                os._exit(status)  # never return into the parent's code, whatever happened
        os.close(write_end)
        try:
            with os.fdopen(read_end, "rb") as pipe:
                data = pipe.read()
        finally:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:  # already reaped by someone else's SIGCHLD handler
                pass
        try:
            outcome = pickle.loads(data)
        except (EOFError, pickle.UnpicklingError) as error:  # the child died before answering
            raise RuntimeError("espeak-ng synthesis process ended without a result") from error
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


_BRACKETS_AS_PARENTHESES = str.maketrans("[]", "()")  # same length, same (silent) reading
_POSSESSIVE = re.compile(r"['\u2019]s(?!\w)")


@dataclass(frozen=True)
class SpokenText:
    """What espeak-ng reads for a script with brand words swapped in, and the way back to the script.

    ``swaps`` holds ``(written_start, written_end, spoken_start, spoken_end)`` per swapped word. When any
    word goes as phonemes, espeak reads ``[[...]]`` as phonemes everywhere, so the script's own brackets
    become parentheses (one character for one: the offsets between swaps do not move).
    """

    text: str
    swaps: tuple[tuple[int, int, int, int], ...] = ()
    has_phonemes: bool = False

    @classmethod
    def of(cls, script: str, pronunciations: Sequence[Pronunciation]) -> SpokenText:
        by_word = {entry.word.strip().casefold(): entry for entry in pronunciations}
        found = find_words(script, by_word)
        if not found:
            return cls(script)
        has_phonemes = any(by_word[key].phonemes for _, _, key in found)

        def plain(chunk: str) -> str:
            return chunk.translate(_BRACKETS_AS_PARENTHESES) if has_phonemes else chunk

        pieces: list[str] = []
        swaps: list[tuple[int, int, int, int]] = []
        written_cursor = spoken_length = 0
        for start, end, key in found:
            between = plain(script[written_cursor:start])
            entry = by_word[key]
            if entry.phonemes:
                # espeak reads an "'s" after a phoneme block as the letter s; the possessive is a z sound.
                possessive = _POSSESSIVE.match(script, end)
                end = possessive.end() if possessive else end
                said = f"[[{entry.phonemes}{'z' if possessive else ''}]]"
            else:
                said = plain(entry.respelling)
            spoken_start = spoken_length + len(between)
            swaps.append((start, end, spoken_start, spoken_start + len(said)))
            pieces += [between, said]
            spoken_length = spoken_start + len(said)
            written_cursor = end
        pieces.append(plain(script[written_cursor:]))
        return cls("".join(pieces), tuple(swaps), has_phonemes)

    def written_events(self, events: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
        """espeak's word events ``(sample, 1-based position, length)`` moved from the spoken text to the script.

        An event inside a swapped word becomes the whole written word (a respelling of two words, or a
        phoneme block, gives several events; ``_word_spans`` merges them into one)."""
        if not self.swaps:
            return events
        moved = []
        for sample, position, length in events:
            index, shift, inside = position - 1, 0, None
            for written_start, written_end, spoken_start, spoken_end in self.swaps:
                if index < spoken_start:
                    break
                if index < spoken_end:
                    inside = (written_start, written_end)
                    break
                shift = written_end - spoken_end  # past this swap, the script is this much further on
            if inside is not None:
                moved.append((sample, inside[0] + 1, inside[1] - inside[0]))
            else:
                moved.append((sample, index + shift + 1, length))
        return moved


_lock = threading.Lock()
_engine: _Espeak | None = None


def _reset_after_fork() -> None:
    # The parent's lock may have been held by another thread at fork time; the child starts clean.
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)


def _espeak() -> _Espeak:
    global _engine
    if _engine is None or _engine.pid != os.getpid():
        _engine = _Espeak()
    return _engine


def synthesize(text: str, voice: VoiceProfile, pronunciations: Sequence[Pronunciation] = ()) -> Speech:
    """Speak `text` in `voice`: mono int16 PCM, word timings with 0-based character offsets into
    `text`, and mouth keys from the phoneme events.

    Each of `pronunciations`' words in `text` is said as its phonemes, else its respelling; the word
    timings (and so the captions) still name the written words.

    Raises ValueError for empty or whitespace-only text, text over MAX_SCRIPT_CHARS, or a voice
    espeak-ng does not have. Safe to call from several threads (calls are serialised) and processes.
    """
    if not text or not text.strip():
        raise ValueError("text to speak is empty")
    if len(text) > MAX_SCRIPT_CHARS:
        raise ValueError(f"text to speak is longer than {MAX_SCRIPT_CHARS} characters")
    # NUL would end the C string early; other control characters are read as spaces anyway.
    said = SpokenText.of(text.replace("\x00", " "), pronunciations)
    with _lock:
        engine = _espeak()
        if hasattr(os, "fork"):
            capture = engine.synthesize_isolated(said.text, voice, said.has_phonemes)
        else:  # no fork (Windows): same speech, but a few samples may differ between calls
            capture = engine.synthesize(said.text, voice, said.has_phonemes)
        rate = engine.sample_rate
    capture.words = said.written_events(capture.words)
    pcm = np.frombuffer(b"".join(capture.chunks), dtype=np.int16).copy()
    audible_end = _audible_end(pcm) / rate
    return Speech(
        pcm=pcm,
        sample_rate=rate,
        words=_word_timings(text, capture, rate, audible_end),
        mouth_keys=_mouth_keys(capture.phonemes, rate, audible_end),
        language=voice.language,
        extras={"voice_id": voice.voice_id, "espeak_voice": voice.espeak_voice},
    )


def speech_to_wav(speech: Speech) -> bytes:
    """The speech as a 16-bit mono WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(speech.sample_rate)
        wav.writeframes(np.asarray(speech.pcm, dtype="<i2").tobytes())
    return buffer.getvalue()


def _audible_end(pcm: np.ndarray) -> int:
    """Index just after the last sample above the silence level (0 for pure silence)."""
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > _SILENCE_LEVEL)
    return int(loud[-1]) + 1 if loud.size else 0


_WORD_JOINERS = ".'-\u2019\u2010"


def _is_word_char(char: str) -> bool:
    # Letters, digits and combining marks belong to a word; spaces and punctuation do not.
    return unicodedata.category(char)[0] in "LMN"


def _word_spans(text: str, events: list[tuple[int, int, int]]) -> list[list[int]]:
    """[sample, char_start, char_end] per written word, from espeak's word events.

    espeak reports one event per spoken word, so a written number ("2024", "1,500") yields several
    events inside one written word; those merge into it. A span that espeak reports too short (one
    CJK character of a two-character word) extends over word characters up to the next word."""
    spans: list[list[int]] = []
    for sample, position, length in sorted(events):
        start = max(0, min(len(text), position - 1))
        end = max(start, min(len(text), start + max(length, 0)))
        if spans and start < spans[-1][2]:
            if start >= spans[-1][1]:
                spans[-1][2] = max(spans[-1][2], end)
            continue  # inside the previous word, or going backwards in the text
        spans.append([sample, start, end])
    for index, span in enumerate(spans):
        limit = spans[index + 1][1] if index + 1 < len(spans) else len(text)
        span[2] = min(span[2], limit)
        while span[2] < limit and (
            _is_word_char(text[span[2]])
            # joiners inside a written word: "U.S.A", "e.g", "don't", "well-known"
            or (text[span[2]] in _WORD_JOINERS and span[2] + 1 < limit
                and _is_word_char(text[span[2] + 1]))
        ):
            span[2] += 1
        while span[1] < span[2] and text[span[1]].isspace():
            span[1] += 1
        while span[2] > span[1] and text[span[2] - 1].isspace():
            span[2] -= 1
    return [span for span in spans if span[2] > span[1]]


def _sound_end(phonemes: list[tuple[float, bool]], start: float, limit: float) -> float:
    """When the sounds in [start, limit) stop: the first pause after the last non-pause phoneme."""
    inside = [(time, is_pause) for time, is_pause in phonemes if start <= time < limit]
    last_sound = max((index for index, (_, is_pause) in enumerate(inside) if not is_pause), default=None)
    if last_sound is None:
        return limit
    end = next((time for time, is_pause in inside[last_sound + 1:] if is_pause), limit)
    return end if end > start else limit


def _word_timings(text: str, capture: _Capture, rate: int, audible_end: float
                  ) -> tuple[WordTiming, ...]:
    spans = _word_spans(text, capture.words)
    # A stable sort by time only: events at one instant keep espeak's order (pause, then sound).
    phonemes = sorted(((sample / rate, _is_pause(name.lstrip(_STRESS_MARKS)))
                       for sample, name in capture.phonemes), key=lambda item: item[0])
    sentence_starts = sorted(sample / rate for sample in capture.sentences)
    words: list[WordTiming] = []
    for index, (sample, char_start, char_end) in enumerate(spans):
        start = sample / rate
        is_last = index + 1 == len(spans)
        next_start = max(audible_end, start) if is_last else spans[index + 1][0] / rate
        # The word ends at the pause that follows its last sound, or when the next word begins.
        end = _sound_end(phonemes, start, next_start)
        sentence_end = is_last or any(start < s <= next_start for s in sentence_starts)
        words.append(WordTiming(text=text[char_start:char_end], start=round(start, 4),
                                end=round(max(start, end), 4), char_start=char_start,
                                char_end=char_end, sentence_end=sentence_end))
    return tuple(words)


# espeak's ASCII phoneme names (stress marks stripped) to mouth shapes; see RENDERING.md.
_PHONEME_VISEMES: dict[str, Viseme] = {
    **dict.fromkeys(["p", "b", "m", "m;", "p;", "b;", "m-"], Viseme.MBP),
    **dict.fromkeys(["f", "v", "f;", "v;", "pf"], Viseme.FV),
    **dict.fromkeys(["l", "l;", "L", "l/", "l^", "l-", "l#"], Viseme.L),
    **dict.fromkeys(["w", "W"], Viseme.WQ),
    **dict.fromkeys(["u:", "U", "u", "y", "y:", "Y", "U@", "u@", "yU"], Viseme.U),
    **dict.fromkeys(["o", "oU", "O", "O:", "OI", "aU", "o:", "O@", "o@", "Au", "ou", "oI"], Viseme.O),
    **dict.fromkeys(["a", "a#", "aI", "A:", "A", "V", "0", "a:", "A@", "aI@", "&", "a2", "aI3"],
                    Viseme.AI),
    **dict.fromkeys(["E", "e", "eI", "i:", "I", "i", "3", "3:", "e@", "i@", "I2", "e:", "E:", "I#",
                     "iE", "ie", "ei", "E2"], Viseme.E),
}
_STRESS_MARKS = "'," + '"' + "%="


def _is_pause(name: str) -> bool:
    return name in ("_", "_:", "_!", "_!_")


def phoneme_viseme(name: str) -> Viseme | None:
    """The mouth shape for one espeak phoneme name, or None for markers that do not move the mouth
    (tone and syllable boundaries such as `_|`)."""
    bare = name.strip().lstrip(_STRESS_MARKS)
    if not bare:
        return None
    if _is_pause(bare):
        return Viseme.REST
    if bare.startswith(("_", "|", "#", "(")):  # boundaries, tones, language switches like "(en)"
        return None
    if bare in _PHONEME_VISEMES:
        return _PHONEME_VISEMES[bare]
    # Other languages use longer names; their leading symbol carries the articulation.
    head = bare[0]
    if head in "pbm":
        return Viseme.MBP
    if head in "fv":
        return Viseme.FV
    if head == "w":
        return Viseme.WQ
    if head in "uUyY":
        return Viseme.U
    if head in "oO":
        return Viseme.O
    if head in "aAV0&":
        return Viseme.AI
    if head in "eEiI3":
        return Viseme.E
    return Viseme.ETC


def _mouth_keys(phonemes: list[tuple[int, str]], rate: int, audible_end: float
                ) -> tuple[MouthKey, ...]:
    keys: list[MouthKey] = [MouthKey(0.0, Viseme.REST)]
    for sample, name in sorted(phonemes, key=lambda item: item[0]):
        viseme = phoneme_viseme(name)
        if viseme is None:
            continue
        time = round(sample / rate, 4)
        if keys[-1].time == time:
            keys[-1] = MouthKey(time, viseme)  # a later event at the same instant wins
        elif keys[-1].viseme != viseme:
            keys.append(MouthKey(time, viseme))
    if keys[-1].viseme != Viseme.REST:  # close the mouth once the voice stops
        keys.append(MouthKey(round(max(audible_end, keys[-1].time + 0.001), 4), Viseme.REST))
    return tuple(keys)
