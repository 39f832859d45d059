"""lib.media.finish from decoded frames and sound: the logo sits in its corner with its alpha respected,
the end card is appended (the video grows by its length and ends on the card's text and product colours),
the music bed plays under the video's own sound, and a failed finish leaves no file behind."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from lib.joggai.contract import MUSIC_DUCK_MIN_DB
from lib.media.finish import finish_video, probe_video
from lib.media.music import MediaError
from lib.media.pictures import CARD_BACKGROUND, EndCard, logo_image, logo_position
from tests.media.sound_checks import (
    BED_BAND,
    BED_HZ,
    SPEECH_BAND,
    SPEECH_HZ,
    band,
    decoded_sound,
    inside,
    pauses_between,
    rms_db_between,
    tone,
    write_audio,
)

WIDTH, HEIGHT, FPS, SECONDS, RATE = 360, 640, 25, 4.0, 44100
BACKGROUND = (40, 90, 160)
WORDS = [(0.2, 1.0), (1.9, 2.7), (3.3, 3.9)]  # where the input video's "speech" plays
PRODUCT = (20, 200, 60)


def make_video(path: Path) -> Path:
    """A plain blue portrait video with tone-burst "speech" in WORDS (lavfi sources, H.264 + AAC)."""
    talking = "+".join(f"between(t\\,{a}\\,{b})" for a, b in WORDS)  # commas escaped for the filter graph
    colour = "0x{:02x}{:02x}{:02x}".format(*BACKGROUND)
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", f"color=c={colour}:s={WIDTH}x{HEIGHT}:r={FPS}:d={SECONDS}",
                    "-f", "lavfi", "-i", f"aevalsrc=0.3*sin(2*PI*{SPEECH_HZ}*t)*({talking}):s={RATE}:d={SECONDS}",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "160k", "-shortest",
                    str(path)], check=True)
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("finish-media")
    logo = Image.new("RGBA", (200, 100), (0, 0, 0, 0))  # left half opaque red, right half see-through
    logo.paste((230, 20, 20, 255), (0, 0, 100, 100))
    logo.save(folder / "logo.png")
    Image.new("RGB", (300, 200), PRODUCT).save(folder / "product.png")
    return {"video": make_video(folder / "input.mp4"), "logo": folder / "logo.png",
            "product": folder / "product.png",
            "music": write_audio(folder / "music.m4a", tone(1.5, BED_HZ, RATE, 0.5), RATE, "aac")}


def frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def near(pixel: np.ndarray, colour: tuple[int, int, int], tolerance: int = 24) -> bool:
    return bool(np.all(np.abs(pixel.astype(int) - colour) <= tolerance))


def test_the_logo_sits_in_its_corner_with_its_alpha_respected(media, tmp_path: Path) -> None:
    seen = []
    out = finish_video(media["video"], tmp_path / "logo.mp4", logo=media["logo"], progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    size = logo_image(media["logo"], WIDTH, HEIGHT).size
    x, y = logo_position("top-right", (WIDTH, HEIGHT), size)
    assert x + size[0] < WIDTH and y > 0  # inside the frame, off the edges
    picture = frames(out.path)[50]
    opaque = picture[y + size[1] // 2, x + size[0] // 4]
    clear = picture[y + size[1] // 2, x + 3 * size[0] // 4]
    assert near(opaque, (230, 20, 20)), opaque  # the logo's opaque half
    assert near(clear, BACKGROUND), clear  # its transparent half shows the video through
    assert near(picture[HEIGHT - y - 5, WIDTH - x - 5], BACKGROUND)  # the opposite corner is untouched
    assert probe_video(out.path).duration == pytest.approx(SECONDS, abs=0.05)
    assert not list(tmp_path.glob(".*partial*"))


def test_the_end_card_is_appended_with_its_text_and_product(media, tmp_path: Path) -> None:
    card = EndCard("Try it today", media["product"], seconds=2.0)
    out = finish_video(media["video"], tmp_path / "card.mp4", logo=media["logo"], logo_corner="bottom-left",
                       end_card=card)
    info = probe_video(out.path)
    assert info.duration == pytest.approx(SECONDS + 2.0, abs=0.1)
    assert (info.width, info.height, info.fps) == (WIDTH, HEIGHT, FPS)
    decoded = frames(out.path)
    assert len(decoded) == round((SECONDS + 2.0) * FPS)
    last = decoded[-1]
    assert near(last[HEIGHT // 3, WIDTH // 2], PRODUCT)  # the product picture, in the upper part
    text_rows = last[int(HEIGHT * 0.75):]
    assert (text_rows.min(axis=2) > 220).sum() > 200  # white text under it
    assert near(last[5, 5], CARD_BACKGROUND)
    assert near(decoded[50][HEIGHT // 3, WIDTH // 2], BACKGROUND)  # the video itself before the card
    # The card is the whole frame: no logo on it, and no other picture shows through.
    assert not near(last[HEIGHT - 20, 20], (230, 20, 20))


def test_the_music_bed_plays_under_the_video_s_own_sound(media, tmp_path: Path) -> None:
    out = finish_video(media["video"], tmp_path / "music.mp4", music=media["music"],
                       end_card=EndCard("Thanks", None, seconds=2.0))
    sound = decoded_sound(out.path, RATE)
    assert len(sound) / RATE == pytest.approx(SECONDS + 2.0, abs=0.1)
    voice, bed = band(sound, RATE, *SPEECH_BAND), band(sound, RATE, *BED_BAND)
    talking, quiet = inside(WORDS, 0.05), inside(pauses_between(WORDS), 0.3)
    margin = rms_db_between(voice, RATE, talking) - rms_db_between(bed, RATE, talking)
    print(f"finished copy: speech over bed {margin:.1f} dB, bed in pauses {rms_db_between(bed, RATE, quiet):.1f} dBFS")
    assert margin >= MUSIC_DUCK_MIN_DB
    assert rms_db_between(bed, RATE, quiet) > -30
    assert rms_db_between(bed, RATE, [(SECONDS + 0.2, SECONDS + 0.6)]) > -30  # on under the end card
    assert rms_db_between(bed, RATE, [(SECONDS + 1.9, SECONDS + 1.97)]) < -50  # and faded out by its end
    assert rms_db_between(voice, RATE, [(WORDS[0][0] + 0.1, WORDS[0][1] - 0.1)]) > -20  # the speech is still there


def test_music_alone_keeps_the_picture_bit_for_bit(media, tmp_path: Path) -> None:
    out = finish_video(media["video"], tmp_path / "bed.mp4", music=media["music"])
    with av.open(str(media["video"])) as a, av.open(str(out.path)) as b:
        before = [bytes(p) for p in a.demux(video=0) if p.size]
        after = [bytes(p) for p in b.demux(video=0) if p.size]
    assert before == after
    assert band(decoded_sound(out.path, RATE), RATE, *BED_BAND).std() > 0.01


def test_a_failed_finish_leaves_no_file(media, tmp_path: Path) -> None:
    not_a_picture = tmp_path / "logo.png"
    not_a_picture.write_text("no")
    with pytest.raises(MediaError, match="logo"):
        finish_video(media["video"], tmp_path / "out.mp4", logo=not_a_picture)
    with pytest.raises(MediaError):
        finish_video(media["music"], tmp_path / "out.mp4", music=media["music"])  # sound, no picture
    with pytest.raises(ValueError, match="nothing to add"):
        finish_video(media["video"], tmp_path / "out.mp4")
    assert list(tmp_path.iterdir()) == [not_a_picture]
