"""Real renders of short clips: container facts, lip movement on decoded frames, determinism."""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import numpy as np
import pytest

from lib.engine.catalog.avatars import find_public_avatar
from lib.engine.catalog.voices import all_voices, find_voice
from lib.engine.render.bust import MOUTH_BOX, on_body
from lib.engine.render.captions import CAPTION_PRESETS
from lib.engine.render.composer import FrameComposer
from lib.engine.render.encode import FPS, YuvFrame, yuv_to_rgb
from lib.engine.render.layout import make_layout
from lib.engine.render.motion import BREATH_PERIOD_S, HeadPose, Motion, mouth_track
from lib.engine.render.mouth_shapes import REST_MOUTH, mouth_for_frame
from lib.engine.render.overlays import build_overlays
from lib.engine.render.pipeline import RenderError, RenderRequest, layout_for, render_video
from lib.engine.render.speech import synthesize
from lib.engine.render.timeline import Speech
from lib.engine.render.visuals import Visuals
from lib.joggai.contract import FRAME_SIZES

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
SCRIPT = "Hello there. Nice to meet you!"


@pytest.fixture(scope="module")
def speech() -> Speech:
    voice = find_voice("en-US-ChristopherNeural") or all_voices()[0]
    return synthesize(SCRIPT, voice)


@pytest.fixture(scope="module")
def speech_then_silence(speech: Speech) -> Speech:
    """The speech followed by 1.2 s of silence, to compare mouth movement against stillness."""
    pad = np.zeros(int(1.2 * speech.sample_rate), np.int16)
    return Speech(np.concatenate([speech.pcm, pad]), speech.sample_rate, speech.words, speech.mouth_keys,
                  speech.language)


def _request(speech: Speech, aspect: str = "portrait", style: int = 1, caption: bool = False,
             seed: int = 5) -> RenderRequest:
    return RenderRequest(find_public_avatar(81), speech, SCRIPT, aspect, style, caption, "Render test", seed)


def _probe(path: Path) -> dict:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        return {
            "vcodec": video.codec_context.name, "acodec": audio.codec_context.name,
            "width": video.codec_context.width, "height": video.codec_context.height,
            "fps": float(video.average_rate), "duration": float(container.duration) / av.time_base,
            "frames": sum(1 for _ in container.decode(video=0)),
        }


@pytest.mark.parametrize("aspect,size", [("portrait", (720, 1280)), ("landscape", (1280, 720)),
                                         ("square", (720, 720))])
@pytest.mark.parametrize("style", [1, 2, 3])
@pytest.mark.parametrize("caption", [False, True])
def test_every_layout_renders_a_valid_mp4(tmp_path: Path, speech: Speech, aspect: str, size: tuple[int, int],
                                          style: int, caption: bool) -> None:
    progress: list[float] = []
    result = render_video(_request(speech, aspect, style, caption), tmp_path, progress.append)
    facts = _probe(result.video_path)
    assert (facts["vcodec"], facts["acodec"]) == ("h264", "aac")
    assert (facts["width"], facts["height"]) == size == (result.width, result.height)
    assert facts["fps"] == 25.0
    assert abs(facts["duration"] - speech.duration) <= 0.1
    assert facts["frames"] == int(np.ceil(speech.duration * 25 - 1e-9))
    assert result.cover_path.read_bytes()[:3] == b"\xff\xd8\xff"
    assert progress[-1] == 1.0 and progress == sorted(progress)
    assert (result.caption_path is not None) == caption
    if caption:
        assert result.caption_path.read_text(encoding="utf-8").startswith("WEBVTT")
    leftovers = [p.name for p in tmp_path.iterdir() if "partial" in p.name]
    assert leftovers == []


def _mouth_activity(path: Path, layout_aspect: str, split_at: float) -> tuple[float, float]:
    layout = make_layout(layout_aspect, 1)
    s = layout.bust_scale
    box = on_body(MOUTH_BOX)
    x0 = int(layout.bust_x + box[0] * s)
    y0 = int(layout.bust_y + box[1] * s)
    x1 = int(layout.bust_x + box[2] * s)
    y1 = int(layout.bust_y + box[3] * s)
    frames = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="gray")[y0:y1, x0:x1].astype(np.float32))
    diffs = np.array([np.abs(b - a).mean() for a, b in itertools.pairwise(frames)])
    cut = int(split_at * 25)
    return float(diffs[:cut].mean()), float(diffs[cut + 3:].mean())


def test_mouth_moves_with_speech_and_rests_in_silence(tmp_path: Path, speech: Speech,
                                                      speech_then_silence: Speech) -> None:
    result = render_video(_request(speech_then_silence), tmp_path)
    speaking, silent = _mouth_activity(result.video_path, "portrait", speech.duration)
    assert speaking > 1.0
    assert speaking > 4 * silent


def test_identical_requests_give_identical_files(tmp_path: Path, speech: Speech) -> None:
    first = render_video(_request(speech, "square", 3, True), tmp_path / "a")
    second = render_video(_request(speech, "square", 3, True), tmp_path / "b")
    assert first.video_path.read_bytes() == second.video_path.read_bytes()
    assert first.cover_path.read_bytes() == second.cover_path.read_bytes()
    other = render_video(_request(speech, "square", 3, True, seed=6), tmp_path / "c")
    assert other.video_path.read_bytes() != first.video_path.read_bytes()


def _frames_over_a_breath(speech: Speech, motion: Motion):
    """(index, t, pose, mouth, eyelids) for every frame of the speech and the silence after it, for a
    breath and a half: the body rises and falls more than once, under captions and over the head's neck."""
    mouths = mouth_track(speech)
    for i in range(max(len(mouths), int(1.5 * BREATH_PERIOD_S * FPS))):
        t = i / FPS
        mouth = mouth_for_frame(mouths[i]) if i < len(mouths) else REST_MOUTH
        yield i, t, motion.pose(t), mouth, motion.eyelid(t)  # a pose per frame: more moves than a render makes


def _assert_it_breathes(rises: list[int]) -> None:
    assert min(rises) < 0 < max(rises), "the body neither rose nor fell"
    assert sum(a != b for a, b in itertools.pairwise(rises)) >= 4


def test_the_shoulders_rise_and_fall_by_whole_pixels() -> None:
    """Below the head, the body two pixels lower is the body two pixels higher moved down, pixel for pixel
    (a shifted copy, not a resampled one), and it is not the same picture unshifted."""
    layout = make_layout("portrait", 1)
    composer = FrameComposer(find_public_avatar(81), layout, title="", overlays_spec={})
    up, down = HeadPose(0.0, 0.0, 0.0, -1 / layout.bust_scale), HeadPose(0.0, 0.0, 0.0, 1 / layout.bust_scale)
    assert (composer.body_rise(up), composer.body_rise(down)) == (-1, 1)
    risen, lowered = (composer.still(0.0, pose, REST_MOUTH, 0.0) for pose in (up, down))
    x0, y0, x1, y1 = composer.band
    top = max(y0, composer.layout.head_region[3])
    moved_down = (risen[top: y1 - 2, x0:x1] == lowered[top + 2: y1, x0:x1]).all(axis=2).mean()
    unmoved = (risen[top: y1 - 2, x0:x1] == lowered[top: y1 - 2, x0:x1]).all(axis=2).mean()
    assert moved_down > 0.99
    assert unmoved < 0.9


def test_bad_layout_is_a_render_error(tmp_path: Path, speech: Speech) -> None:
    with pytest.raises(RenderError):
        render_video(_request(speech, "panorama"), tmp_path)


@pytest.mark.parametrize("aspect,style", [("portrait", 1), ("square", 2), ("landscape", 3)])
def test_frames_updated_in_place_equal_frames_painted_from_scratch(speech: Speech, aspect: str, style: int) -> None:
    """The per-frame dirty rectangles (head box, mouth and eye patches, the breathing body, captions) miss
    no pixel: each frame built on the previous one equals the same frame painted whole."""
    layout = make_layout(aspect, style)
    overlays, _ = build_overlays(layout, SCRIPT, speech.words, True)
    avatar = find_public_avatar(81)
    incremental = FrameComposer(avatar, layout, title="Render test", overlays_spec={"overlays": overlays})
    scratch = FrameComposer(avatar, layout, title="Render test", overlays_spec={"overlays": overlays})
    motion = Motion(5, speech.duration, speech.words)
    frame = YuvFrame(layout.width, layout.height)
    frame.copy_from(incremental.static_yuv)
    moves = 0
    rises: list[int] = []
    for i, t, pose, mouth, closure in _frames_over_a_breath(speech, motion):
        moves += incremental.head_placement(pose) != incremental.head_placement(motion.pose((i - 1) / FPS))
        rises.append(incremental.body_rise(pose))
        incremental.paint(frame, t, pose, mouth, closure)
        if i % 3 == 0 or rises[-1] != rises[-2 if i else -1]:
            expected = scratch.still(t, pose, mouth, closure)
            assert np.array_equal(yuv_to_rgb(frame), expected), f"frame {i} differs"
    assert moves > 5
    _assert_it_breathes(rises)


def _picture(width: int, height: int, seed: int, alpha: bool = False) -> np.ndarray:
    """A noisy test picture (every pixel different, so any stale or shifted pixel shows)."""
    rgba = np.random.default_rng(seed).integers(0, 256, (height, width, 4), dtype=np.uint8)
    if alpha:
        rgba[..., 3] = np.where(np.arange(width) < width // 2, 255, rgba[..., 3] // 2)
    else:
        rgba[..., 3] = 255
    return rgba


@pytest.mark.parametrize("aspect,style,parts,resolution,caption_style", [
    ("portrait", 1, ("background", "logo"), "720p", "bold"),
    ("portrait", 2, ("content", "logo"), "720p", "karaoke"),
    ("square", 3, ("content", "logo", "background"), "720p", "minimal"),
    ("landscape", 2, ("content", "logo"), "1080p", "classic"),
])
def test_dirty_rectangles_miss_nothing_over_the_request_pictures(speech: Speech, aspect: str, style: int,
                                                                 parts: tuple[str, ...], resolution: str,
                                                                 caption_style: str) -> None:
    """The same equality with a content picture, a background and a logo (alpha) in the static layers."""
    pictures = {"content": _picture(640, 400, 1), "background": _picture(500, 700, 2),
                "logo": _picture(240, 90, 3, alpha=True)}
    visuals = Visuals(**{part: pictures[part] for part in parts}, resolution=resolution, caption_style=caption_style)
    layout = layout_for(aspect, style, visuals)
    assert (layout.width, layout.height) == FRAME_SIZES[resolution][aspect]
    overlays, _ = build_overlays(layout, SCRIPT, speech.words, True, CAPTION_PRESETS[caption_style])
    avatar = find_public_avatar(81)
    composers = [FrameComposer(avatar, layout, title="Render test", overlays_spec={"overlays": overlays},
                               visuals=visuals) for _ in range(2)]
    incremental, scratch = composers
    motion = Motion(5, speech.duration, speech.words)
    frame = YuvFrame(layout.width, layout.height)
    frame.copy_from(incremental.static_yuv)
    rises: list[int] = []
    for i, t, pose, mouth, closure in _frames_over_a_breath(speech, motion):
        rises.append(incremental.body_rise(pose))
        incremental.paint(frame, t, pose, mouth, closure)
        if i % 5 == 0 or rises[-1] != rises[-2 if i else -1]:
            expected = scratch.still(t, pose, mouth, closure)
            assert np.array_equal(yuv_to_rgb(frame), expected), f"frame {i} differs"
    _assert_it_breathes(rises)
    if "logo" in parts:  # the logo is drawn, alpha respected: its opaque half is its own pixels
        x0, y0, x1, y1 = layout.logo_rect
        assert not np.array_equal(yuv_to_rgb(frame)[y0:y1, x0:x1], yuv_to_rgb(incremental.static_yuv)[y0:y1, x0:x1])
