"""Mouth frames from real espeak-ng speech: frame counts, rest in silence, movement in speech."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest

from lib.engine.catalog.voices import find_voice
from lib.engine.render.mouth import mouth_frames
from lib.engine.render.speech import synthesize
from lib.engine.render.timeline import MouthFrame, MouthKey, Speech, Viseme

pytestmark = pytest.mark.timeout(120)

FPS = 30.0
PAD = 0.6  # seconds of silence added before and after the speech


def _padded(speech: Speech, seconds: float) -> Speech:
    """The same speech with digital silence before and after, timings shifted to match."""
    pad = np.zeros(round(seconds * speech.sample_rate), np.int16)
    shift = len(pad) / speech.sample_rate
    return dataclasses.replace(
        speech,
        pcm=np.concatenate([pad, speech.pcm, pad]),
        words=tuple(dataclasses.replace(w, start=w.start + shift, end=w.end + shift) for w in speech.words),
        mouth_keys=(MouthKey(0.0, Viseme.REST),)
        + tuple(MouthKey(k.time + shift, k.viseme) for k in speech.mouth_keys[1:]),
    )


@pytest.fixture(scope="module")
def speech() -> Speech:
    voice = find_voice("en-US-ChristopherLocal")
    assert voice is not None
    spoken = synthesize("Hello there, my friend. Papa bought a movie. Wow, amazing!", voice)
    return _padded(spoken, PAD)


@pytest.fixture(scope="module", params=["phonemes", "audio only"])
def frames_and_speech(request: pytest.FixtureRequest, speech: Speech) -> tuple[list[MouthFrame], Speech]:
    chosen = speech if request.param == "phonemes" else dataclasses.replace(speech, words=(), mouth_keys=())
    return mouth_frames(chosen, FPS), chosen


def _frames_between(frames: list[MouthFrame], start: float, end: float) -> list[MouthFrame]:
    return [f for i, f in enumerate(frames) if start <= (i + 0.5) / FPS <= end]


@pytest.mark.parametrize("fps", [24.0, 25.0, 29.97, 30.0, 60.0])
def test_one_frame_per_video_frame(speech: Speech, fps: float) -> None:
    assert len(mouth_frames(speech, fps)) == math.ceil(speech.duration * fps)
    without_keys = dataclasses.replace(speech, mouth_keys=())
    assert len(mouth_frames(without_keys, fps)) == math.ceil(speech.duration * fps)


def test_frames_are_well_formed(frames_and_speech: tuple[list[MouthFrame], Speech]) -> None:
    frames, _ = frames_and_speech
    for frame in frames:
        assert 0.0 <= frame.openness <= 1.0
        assert 0.0 <= frame.blend <= 1.0
        if frame.next_shape is None:
            assert frame.blend == 0.0


def test_mouth_rests_closed_in_leading_and_trailing_silence(
        frames_and_speech: tuple[list[MouthFrame], Speech]) -> None:
    frames, chosen = frames_and_speech
    quiet = _frames_between(frames, 0.0, PAD - 0.05) + _frames_between(
        frames, chosen.duration - PAD + 0.05, chosen.duration)
    assert len(quiet) >= 2 * int((PAD - 0.1) * FPS)
    assert all(f.shape is Viseme.REST and f.openness == 0.0 and f.next_shape is None for f in quiet)


def test_mouth_rests_closed_in_the_pause_between_sentences(
        frames_and_speech: tuple[list[MouthFrame], Speech], speech: Speech) -> None:
    frames, _ = frames_and_speech
    friend, papa = speech.words[3], speech.words[4]
    assert (friend.text, papa.text) == ("friend", "Papa")
    pause = _frames_between(frames, friend.end + 0.06, papa.start - 0.06)
    assert len(pause) >= 3
    assert all(f.shape is Viseme.REST and f.openness == 0.0 for f in pause)


def test_mouth_moves_through_several_shapes_while_speaking(
        frames_and_speech: tuple[list[MouthFrame], Speech], speech: Speech) -> None:
    frames, _ = frames_and_speech
    talking = _frames_between(frames, speech.words[0].start, speech.words[-1].end)
    shapes = {f.shape for f in talking}
    openness = [f.openness for f in talking]
    assert len(shapes) >= 4
    assert max(openness) > 0.6
    assert sum(o < 0.15 for o in openness) >= 3  # it also closes between syllables
    changes = sum(a.shape != b.shape for a, b in itertools.pairwise(talking))
    assert changes >= 10
    assert any(f.next_shape is not None and 0.0 < f.blend < 1.0 for f in talking)


def test_phoneme_and_audio_paths_agree_on_open_and_closed(speech: Speech) -> None:
    keyed = mouth_frames(speech, FPS)
    heard = mouth_frames(dataclasses.replace(speech, mouth_keys=()), FPS)
    agree = sum((a.openness > 0.1) == (b.openness > 0.1) for a, b in zip(keyed, heard, strict=True))
    assert agree / len(keyed) > 0.85


def test_closed_lip_consonants_close_the_mouth(speech: Speech) -> None:
    frames = mouth_frames(speech, FPS)
    papa = speech.words[4]
    closed = [f for f in _frames_between(frames, papa.start, papa.end)
              if f.shape is Viseme.MBP and f.next_shape is None and f.openness == 0.0]
    assert len(closed) >= 2  # both p's of "Papa" show fully shut lips


def test_pure_silence_and_empty_audio() -> None:
    silent = Speech(pcm=np.zeros(22050, np.int16), sample_rate=22050)
    frames = mouth_frames(silent, 25)
    assert len(frames) == 25 and all(f == MouthFrame(Viseme.REST, 0.0) for f in frames)
    assert mouth_frames(Speech(pcm=np.zeros(0, np.int16), sample_rate=22050), 25) == []


def test_fps_must_be_positive(speech: Speech) -> None:
    with pytest.raises(ValueError):
        mouth_frames(speech, 0)
