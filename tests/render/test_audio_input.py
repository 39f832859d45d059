"""User audio: real files made at test time with espeak-ng and the bundled ffmpeg, probed with PyAV."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from lib.engine.catalog.voices import find_voice
from lib.engine.render.audio_input import (
    MAX_AUDIO_BYTES,
    SAMPLE_RATE,
    AudioRejected,
    load_audio_speech,
    probe_audio,
)
from lib.engine.render.mouth import mouth_frames
from lib.engine.render.speech import speech_to_wav, synthesize
from lib.engine.render.timeline import Speech, Viseme

pytestmark = pytest.mark.timeout(120)

NOT_AUDIO = "must be an MP3, WAV or M4A file"


def _ffmpeg(*args: str) -> None:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args],
                   check=True, timeout=60)


@pytest.fixture(scope="module")
def spoken() -> Speech:
    voice = find_voice("en-GB-SoniaLocal")
    assert voice is not None
    return synthesize("Custom audio: any voice, any language. The mouth follows the sound.", voice)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, spoken: Speech) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("audio")
    made: dict[str, Path] = {"wav": folder / "speech.wav"}
    made["wav"].write_bytes(speech_to_wav(spoken))
    # Extensions are deliberately misleading: the probe must read the bytes, not the name.
    made["mp3"] = folder / "speech-mp3.bin"
    _ffmpeg("-i", str(made["wav"]), "-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3", str(made["mp3"]))
    made["m4a"] = folder / "speech-m4a.wav"
    _ffmpeg("-i", str(made["wav"]), "-c:a", "aac", "-b:a", "64k", "-f", "ipod", str(made["m4a"]))
    made["flac"] = folder / "speech.mp3"
    _ffmpeg("-i", str(made["wav"]), "-c:a", "flac", "-f", "flac", str(made["flac"]))
    made["video"] = folder / "clip.m4a"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1", "-i", str(made["wav"]),
            "-shortest", "-c:v", "libx264", "-c:a", "aac", "-f", "mp4", str(made["video"]))
    made["png"] = folder / "picture.mp3"
    Image.new("RGB", (32, 32), (200, 30, 30)).save(made["png"], format="PNG")
    made["text"] = folder / "notes.wav"
    made["text"].write_text("This is not audio, whatever the name says.\n" * 20, encoding="utf-8")
    made["empty"] = folder / "empty.mp3"
    made["empty"].write_bytes(b"")
    made["long"] = folder / "eleven-minutes.mp3"
    _ffmpeg("-f", "lavfi", "-i", "anullsrc=channel_layout=mono:sample_rate=8000", "-t", "660",
            "-c:a", "libmp3lame", "-b:a", "8k", "-f", "mp3", str(made["long"]))
    made["huge"] = folder / "huge.wav"
    with open(made["huge"], "wb") as huge:  # a valid WAV header followed by too many bytes
        huge.write(made["wav"].read_bytes()[:44])
        huge.truncate(MAX_AUDIO_BYTES + 1024)
    return made


@pytest.mark.parametrize("kind", ["wav", "mp3", "m4a"])
def test_accepted_formats_are_identified_by_content(files: dict[str, Path], spoken: Speech, kind: str) -> None:
    info = probe_audio(files[kind])
    assert info.format == kind
    assert info.size == files[kind].stat().st_size
    assert abs(info.duration - spoken.duration) < 0.1


@pytest.mark.parametrize("kind", ["wav", "mp3", "m4a"])
def test_decoded_audio_is_mono_22050_hz_and_matches_the_source(
        files: dict[str, Path], spoken: Speech, kind: str) -> None:
    speech = load_audio_speech(files[kind])
    assert speech.sample_rate == SAMPLE_RATE
    assert speech.pcm.dtype == np.int16 and speech.pcm.ndim == 1
    assert speech.words == () and speech.mouth_keys == ()
    assert abs(speech.duration - spoken.duration) < 0.1
    if kind == "wav":
        assert np.array_equal(speech.pcm, spoken.pcm)  # same rate and layout: bit-exact
    else:  # lossy codecs: the loudness contour still follows the original closely
        size = SAMPLE_RATE // 50
        frames = min(len(speech.pcm), len(spoken.pcm)) // size

        def contour(pcm: np.ndarray) -> np.ndarray:
            return np.sqrt((pcm[: frames * size].astype(np.float64).reshape(frames, size) ** 2).mean(1))

        best = max(np.corrcoef(contour(np.roll(speech.pcm, shift)), contour(spoken.pcm))[0, 1]
                   for shift in range(-2048, 2049, 256))
        assert best > 0.9


def test_mouth_follows_decoded_user_audio(files: dict[str, Path]) -> None:
    speech = load_audio_speech(files["mp3"])
    frames = mouth_frames(speech, 25)
    assert len(frames) == int(np.ceil(speech.duration * 25))
    assert frames[0].shape is Viseme.REST
    assert max(f.openness for f in frames) > 0.5
    assert len({f.shape for f in frames}) >= 4


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("png", NOT_AUDIO),
        ("text", NOT_AUDIO),
        ("flac", NOT_AUDIO),
        ("video", "video"),
        ("empty", "empty"),
        ("long", "limit is 10 minutes"),
        ("huge", "limit is 20 MB"),
    ],
)
def test_everything_else_is_rejected_with_a_clear_message(
        files: dict[str, Path], kind: str, message: str) -> None:
    with pytest.raises(AudioRejected, match=message) as probed:
        probe_audio(files[kind])
    assert str(probed.value).startswith("voice.audio_url")
    with pytest.raises(AudioRejected, match=message):
        load_audio_speech(files[kind])


def test_a_missing_file_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(AudioRejected, match="could not be read"):
        probe_audio(tmp_path / "nowhere.mp3")


def test_rejection_is_a_value_error() -> None:
    assert issubclass(AudioRejected, ValueError)
