"""Renders pinned against digests recorded before the renderer's restructuring (issue 9, item 4).

Every hair style, outfit, facial hair, glasses, face shape and scene appears in at least one of the
avatars below; their stills, covers, a few short videos (every aspect ratio and screen style, with and
without captions) and an idle preview clip must keep the exact pixels and bytes of the recorded run.
A deliberate change to how avatars look regenerates the file:

    .venv/bin/python -m tests.render.test_golden_render --write
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import av
import pytest

from lib.engine.catalog.avatars import find_public_avatar
from lib.engine.catalog.voices import all_voices, find_voice
from lib.engine.render.composer import FrameComposer
from lib.engine.render.layout import make_layout
from lib.engine.render.motion import HeadPose
from lib.engine.render.mouth_shapes import mouth_for_frame
from lib.engine.render.overlays import build_overlays
from lib.engine.render.pipeline import RenderRequest, render_video
from lib.engine.render.previews import render_cover_jpeg, render_preview_clip
from lib.engine.render.speech import synthesize
from lib.engine.render.timeline import MouthFrame, Speech, Viseme

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
GOLDEN = Path(__file__).with_name("golden_render_digests.json")
SCRIPT = "Hello there. Nice to meet you!"
# Chosen greedily so that together they show every look attribute and scene in the catalog.
STYLE_AVATARS = (1, 3, 13, 14, 18, 20, 21, 24, 40, 41, 44, 57, 94)
VIDEOS = {  # name -> (avatar id, aspect ratio, screen style, captions)
    "81-portrait-1-captions": (81, "portrait", 1, True),
    "18-landscape-2-captions": (18, "landscape", 2, True),
    "41-square-3-plain": (41, "square", 3, False),
}
PREVIEW_AVATAR = 94


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decoded_frames_digest(path: Path) -> str:
    """Digest of every decoded yuv420p frame, in order (independent of container metadata)."""
    digest = hashlib.sha256()
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            digest.update(frame.to_ndarray(format="yuv420p").tobytes())
    return digest.hexdigest()


def _speech() -> Speech:
    voice = find_voice("en-US-ChristopherNeural") or all_voices()[0]
    return synthesize(SCRIPT, voice)


def still_digest(avatar_id: int) -> str:
    """A full-size portrait still mid-word: tilted head, risen shoulders, open mouth, half-closed eyelids,
    overlays."""
    avatar = find_public_avatar(avatar_id)
    layout = make_layout("portrait", 2)
    overlays, _ = build_overlays(layout, SCRIPT, (), False)  # no word timings: the panel shows the script
    composer = FrameComposer(avatar, layout, title="Golden", overlays_spec={"overlays": overlays})
    mouth = mouth_for_frame(MouthFrame(Viseme.AI, 0.8, Viseme.O, 0.3))
    still = composer.still(0.4, HeadPose(1.6, 1.5, -1.0, -1.0), mouth, 0.5)  # shoulders risen with a breath
    return _sha(still.tobytes())


def video_digests(name: str, out_dir: Path, speech: Speech) -> dict[str, str]:
    """Digests of one short render: decoded frames, cover bytes and captions."""
    avatar_id, aspect, style, caption = VIDEOS[name]
    request = RenderRequest(find_public_avatar(avatar_id), speech, SCRIPT, aspect, style, caption, "Golden", 7)
    result = render_video(request, out_dir)
    digests = {"frames": _decoded_frames_digest(result.video_path), "cover": _sha(result.cover_path.read_bytes())}
    if result.caption_path is not None:
        digests["captions"] = _sha(result.caption_path.read_bytes())
    return digests


def preview_digest(out_dir: Path) -> str:
    """Digest of the decoded frames of one avatar's idle preview clip."""
    path = out_dir / "preview.mp4"
    render_preview_clip(find_public_avatar(PREVIEW_AVATAR), path)
    return _decoded_frames_digest(path)


def record(out_dir: Path) -> dict:
    """Every digest this module pins, computed by the code as it is now."""
    speech = _speech()
    return {
        "stills": {str(i): still_digest(i) for i in STYLE_AVATARS},
        "covers": {str(i): _sha(render_cover_jpeg(find_public_avatar(i))) for i in STYLE_AVATARS},
        "videos": {name: video_digests(name, out_dir / name, speech) for name in VIDEOS},
        "preview": preview_digest(out_dir),
    }


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.mark.parametrize("avatar_id", STYLE_AVATARS)
def test_still_and_cover_keep_their_pixels(golden: dict, avatar_id: int) -> None:
    assert still_digest(avatar_id) == golden["stills"][str(avatar_id)]
    assert _sha(render_cover_jpeg(find_public_avatar(avatar_id))) == golden["covers"][str(avatar_id)]


@pytest.mark.parametrize("name", sorted(VIDEOS))
def test_short_videos_keep_their_frames(golden: dict, tmp_path: Path, name: str) -> None:
    assert video_digests(name, tmp_path, _speech()) == golden["videos"][name]


def test_preview_clip_keeps_its_frames(golden: dict, tmp_path: Path) -> None:
    assert preview_digest(tmp_path) == golden["preview"]


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.render.test_golden_render --write")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        GOLDEN.write_text(json.dumps(record(Path(tmp)), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}")
