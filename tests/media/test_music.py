"""lib.media.music from decoded sound: the bed is heard in the pauses and sits at least
contract.MUSIC_DUCK_MIN_DB under the speech while it plays; the mix is exactly as long as the speech and
the bed fades out at its end; a short bed loops and a long one is trimmed; same input, same samples."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from lib.joggai.contract import MUSIC_DUCK_MIN_DB
from lib.media.music import BedSettings, MediaError, duck_margin_db, fit_to_length, mix_music_bed
from tests.media.sound_checks import (
    BED_BAND,
    BED_HZ,
    SPEECH_BAND,
    band,
    decoded_sound,
    inside,
    pauses_between,
    rms_db_between,
    speech_with_pauses,
    tone,
    write_audio,
)

RATE = 22050  # the engine's speech rate
PAUSE = 0.9


def mixed_and_decoded(tmp_path: Path, speech: np.ndarray, music: np.ndarray, codec: str = "aac") -> np.ndarray:
    """Music written to a file as a user would upload it, mixed under int16 speech (as the engine holds
    it), and the mix encoded and decoded again."""
    music_file = write_audio(tmp_path / f"music.{'m4a' if codec == 'aac' else 'wav'}", music, RATE, codec)
    mixed = mix_music_bed((speech * 32767).astype(np.int16), RATE, music_file)
    assert mixed.dtype == np.int16 and mixed.shape == speech.shape
    out = write_audio(tmp_path / "mixed.wav", mixed.astype(np.float32) / 32768, RATE)
    return decoded_sound(out, RATE)[: len(speech)]


def test_the_bed_is_heard_in_pauses_and_sits_at_least_8_db_under_the_speech(tmp_path: Path) -> None:
    speech, words = speech_with_pauses(RATE, pause=PAUSE, bursts=5)
    sound = mixed_and_decoded(tmp_path, speech, tone(2.0, BED_HZ, RATE, 0.5))  # a 2 s bed, looped
    voice, bed = band(sound, RATE, *SPEECH_BAND), band(sound, RATE, *BED_BAND)
    talking, quiet = inside(words, 0.02), inside(pauses_between(words), 0.3)
    margin = rms_db_between(voice, RATE, talking) - rms_db_between(bed, RATE, talking)
    bed_up = rms_db_between(bed, RATE, quiet)
    bed_down = rms_db_between(bed, RATE, talking)
    print(f"speech over bed while speech plays: {margin:.1f} dB; bed in pauses {bed_up:.1f} dBFS, "
          f"under speech {bed_down:.1f} dBFS")
    assert margin >= MUSIC_DUCK_MIN_DB
    assert bed_up > -30  # clearly heard between the words
    assert bed_up - bed_down >= 6  # and it really ducks: it comes up in the pauses
    # Nothing of the speech leaks into the pauses: what plays there is the bed.
    assert rms_db_between(voice, RATE, quiet) < bed_up - 30


def test_the_margin_holds_even_when_the_music_is_loudest_under_the_words(tmp_path: Path) -> None:
    # The worst case for a fixed duck: music soft in the pauses and loud exactly where the words are,
    # with settings that barely duck. The measured margin must still hold (the whole bed comes down).
    speech, words = speech_with_pauses(RATE, pause=PAUSE, bursts=3, amplitude=0.05)  # a quiet speaker
    music = tone(len(speech) / RATE, BED_HZ, RATE, 0.02)
    for start, end in words:
        music[round(start * RATE):round(end * RATE)] *= 40
    weak = BedSettings(duck_db=-1.0, pause_level_db=0.0)
    pcm = (speech * 32767).astype(np.int16)
    mixed = mix_music_bed(pcm, RATE, write_audio(tmp_path / "music.wav", music, RATE), weak)
    sound = decoded_sound(write_audio(tmp_path / "mixed.wav", mixed.astype(np.float32) / 32768, RATE), RATE)
    voice, bed = band(sound, RATE, *SPEECH_BAND), band(sound, RATE, *BED_BAND)
    talking = inside(words, 0.02)
    margin = rms_db_between(voice, RATE, talking) - rms_db_between(bed, RATE, talking)
    print(f"margin with loud music under the words and a 1 dB duck: {margin:.1f} dB")
    assert margin >= MUSIC_DUCK_MIN_DB
    bed_alone = (mixed.astype(np.float64) - pcm).astype(np.float32) / 32768
    assert duck_margin_db(pcm, bed_alone, RATE, weak) == pytest.approx(margin, abs=1.0)


def test_the_mix_is_as_long_as_the_speech_and_the_bed_fades_out_at_the_end(tmp_path: Path) -> None:
    speech, _ = speech_with_pauses(RATE, pause=PAUSE, bursts=2, tail=3.0)  # 3 s of silence at the end
    sound = mixed_and_decoded(tmp_path, speech, tone(30.0, BED_HZ, RATE, 0.5))
    assert len(mix_music_bed(speech, RATE, tone(30.0, BED_HZ, RATE, 0.5))) == len(speech)
    bed = band(sound, RATE, *BED_BAND)
    end = len(speech) / RATE
    before_fade = rms_db_between(bed, RATE, [(end - 2.8, end - 1.8)])
    late_fade = rms_db_between(bed, RATE, [(end - 0.4, end - 0.2)])
    last = rms_db_between(bed, RATE, [(end - 0.05, end - 0.005)])
    print(f"bed before the fade {before_fade:.1f} dBFS, late in it {late_fade:.1f}, last 50 ms {last:.1f}")
    assert before_fade > -30
    assert late_fade < before_fade - 10
    assert last < before_fade - 30


def test_a_short_bed_loops_and_a_long_one_is_trimmed(tmp_path: Path) -> None:
    speech, words = speech_with_pauses(RATE, pause=PAUSE, bursts=4)
    short = tone(0.5, BED_HZ, RATE, 0.5)
    sound = mixed_and_decoded(tmp_path, speech, short)
    bed = band(sound, RATE, *BED_BAND)
    last_pause = inside(pauses_between(words), 0.3)[-1]
    assert last_pause[0] > 3 * len(short) / RATE  # well past the first copy
    assert rms_db_between(bed, RATE, [last_pause]) > -30  # the bed still plays there: it looped

    # A long bed: 2 s at 2.5 kHz, then 20 s at 600 Hz. Only its beginning is used.
    long = np.concatenate([tone(2.0, BED_HZ, RATE, 0.5), tone(20.0, 600.0, RATE, 0.5)])
    speech_short, words_short = speech_with_pauses(RATE, pause=PAUSE, bursts=2, talk=0.5)
    sound = mixed_and_decoded(tmp_path, speech_short, long)
    assert len(sound) == len(speech_short)
    quiet = inside(pauses_between(words_short), 0.3)
    assert rms_db_between(band(sound, RATE, *BED_BAND), RATE, quiet) > -30
    assert rms_db_between(band(sound, RATE, 500, 700), RATE, quiet) < -60  # the rest was trimmed away

    looped = fit_to_length(np.arange(1, 101, dtype=np.float32), 250, seam=0)
    assert looped.tolist() == [*range(1, 101), *range(1, 101), *range(1, 51)]


def test_same_input_same_samples_and_the_shape_and_type_are_kept(tmp_path: Path) -> None:
    speech, _ = speech_with_pauses(RATE, pause=PAUSE, bursts=2)
    music = tone(1.3, BED_HZ, RATE, 0.4)
    first, again = mix_music_bed(speech, RATE, music), mix_music_bed(speech.copy(), RATE, music.copy())
    assert first.dtype == np.float32 and np.array_equal(first, again)
    stereo = np.stack([speech, speech * 0.5], axis=1)
    mixed = mix_music_bed((stereo * 32767).astype(np.int16), 44100, music)
    assert mixed.shape == stereo.shape and mixed.dtype == np.int16


def test_silence_gets_a_quiet_bed_and_a_file_that_is_not_sound_is_refused(tmp_path: Path) -> None:
    silence = np.zeros(RATE * 2, np.int16)
    mixed = mix_music_bed(silence, RATE, tone(1.0, BED_HZ, RATE, 0.5)).astype(np.float32) / 32768
    level = 10 * math.log10(float(np.mean(np.square(mixed[RATE // 2: RATE]))))
    assert -40 < level < -15
    not_sound = tmp_path / "notes.mp3"
    not_sound.write_text("this is not music")
    with pytest.raises(MediaError, match="could not be decoded"):
        mix_music_bed(silence, RATE, not_sound)


def test_the_engine_s_own_speech_takes_the_bed_through_the_hook_it_will_call(tmp_path: Path) -> None:
    # The call the engine makes for ext.music_url: its Speech's int16 PCM and rate, and the fetched file.
    from lib.engine.catalog.voices import find_voice
    from lib.engine.render.speech import synthesize

    spoken = synthesize("Meet the bottle that keeps drinks cold. All day long, wherever you go.",
                        find_voice("en-US-ChristopherNeural"))
    music = write_audio(tmp_path / "music.m4a", tone(3.0, BED_HZ, spoken.sample_rate, 0.5), spoken.sample_rate, "aac")
    mixed = mix_music_bed(spoken.pcm, spoken.sample_rate, music)
    assert mixed.dtype == np.int16 and len(mixed) == len(spoken.pcm)
    bed = (mixed.astype(np.float32) - spoken.pcm) / 32768
    margin = duck_margin_db(spoken.pcm, bed, spoken.sample_rate)
    print(f"espeak speech over the bed: {margin:.1f} dB")
    assert margin >= MUSIC_DUCK_MIN_DB
    assert float(np.abs(bed).max()) > 0.01  # the bed is really there
