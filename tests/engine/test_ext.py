"""The `ext` request field against a real engine: 40000s naming the field, and what it renders, read from
decoded frames. Pictures are drawn here with Pillow and go through the engine's own upload flow."""

from __future__ import annotations

import io
from dataclasses import asdict

import av
import numpy as np
import pytest
import requests
from PIL import Image

from lib.engine.bodies import CreateVideoBody
from lib.engine.job_store import motion_seed
from lib.engine.render.layout import SIZES
from lib.engine.render.pipeline import layout_for
from lib.engine.render.visuals import Visuals
from lib.joggai import contract
from tests.engine.render_checks import wait_for_video
from tests.engine.test_uploads import wav_bytes

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
SCRIPT = "Hello there."
CONTENT = (230, 20, 200)  # magenta: nothing else in a frame is this colour
BACKGROUND = (20, 170, 240)
LOGO = (250, 40, 30)
LOGO_SIZE = (200, 100)  # left half opaque, right half fully transparent


def _png(image: Image.Image, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def upload(engine, data: bytes, filename: str, content_type: str) -> str:
    slot = requests.post(engine.v2 + "/upload/asset", headers=engine.headers(),
                         json={"filename": filename, "content_type": content_type}, timeout=10).json()["data"]
    put = requests.put(slot["sign_url"], data=data, headers={"Content-Type": content_type}, timeout=30)
    assert put.json()["code"] == 0, put.text
    return slot["asset_url"]


@pytest.fixture(scope="module")
def pictures(engine) -> dict[str, str]:
    logo = Image.new("RGBA", LOGO_SIZE, (0, 0, 0, 0))
    logo.paste(Image.new("RGBA", (LOGO_SIZE[0] // 2, LOGO_SIZE[1]), (*LOGO, 255)), (0, 0))
    return {
        "content": upload(engine, _png(Image.new("RGB", (640, 480), CONTENT)), "product.png", "image/png"),
        "content_jpeg": upload(engine, _png(Image.new("RGB", (640, 480), CONTENT), "JPEG"), "p.jpg", "image/jpeg"),
        "background": upload(engine, _png(Image.new("RGB", (800, 800), BACKGROUND), "WEBP"), "bg.webp",
                             "image/webp"),
        "logo": upload(engine, _png(logo), "logo.png", "image/png"),
        "audio": upload(engine, wav_bytes(), "music.wav", "audio/wav"),
    }


def body(ext: object, **fields: object) -> dict:
    request = {"avatar": {"avatar_id": 81, "avatar_type": 0},
               "voice": {"type": "script", "voice_id": "en-US-ChristopherNeural", "script": SCRIPT},
               "aspect_ratio": "portrait", "screen_style": 1, "caption": False, contract.EXT_REQUEST_FIELD: ext}
    request.update(fields)
    return request


def create(engine, request: dict) -> dict:
    return requests.post(engine.v2 + "/create_video_from_avatar", headers=engine.headers(), json=request,
                         timeout=60).json()


def render(engine, request: dict) -> list[np.ndarray]:
    """Create, wait, download and decode: every frame as RGB."""
    answer = create(engine, request)
    assert answer["code"] == 0, answer
    job, _ = wait_for_video(engine, answer["data"]["video_id"])
    assert job["status"] == "completed", job
    video = requests.get(job["video_url"], timeout=60).content
    with av.open(io.BytesIO(video)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def mean_colour(frame: np.ndarray, rect: tuple[int, int, int, int], inset: float = 0.15) -> np.ndarray:
    x0, y0, x1, y1 = rect
    dx, dy = int((x1 - x0) * inset), int((y1 - y0) * inset)
    return frame[y0 + dy: y1 - dy, x0 + dx: x1 - dx].reshape(-1, 3).mean(axis=0)


def near(colour: np.ndarray, expected: tuple[int, int, int], tolerance: float = 14) -> bool:
    return float(np.abs(colour - np.array(expected)).max()) <= tolerance


def expected_layout(aspect: str, style: int, **parts: bool):
    dummy = np.zeros((LOGO_SIZE[1], LOGO_SIZE[0], 4), np.uint8)
    visuals = Visuals(content=dummy if parts.get("content") else None, logo=dummy if parts.get("logo") else None,
                      resolution=parts.get("resolution", contract.DEFAULT_RESOLUTION))
    return layout_for(aspect, style, visuals)


# ---------------------------------------------------------------- 40000s

@pytest.mark.parametrize(("ext", "message"), [
    ({"resolution": "4k"}, "ext.resolution must be 720p or 1080p"),
    ({"resolution": 1080}, "ext.resolution must be a string"),
    ({"caption_style": "comic"}, "ext.caption_style must be one of classic, bold, minimal, karaoke"),
    ({"sparkles": True}, "ext.sparkles is not a known field"),
    ({"logo_url": "file:///etc/passwd"}, "ext.logo_url must be http(s) or an upload URL"),
    ({"content_url": "ftp://example.com/a.png"}, "ext.content_url must be http(s) or an upload URL"),
    ({"background_url": ["http://example.com/a.png"]}, "ext.background_url must be a string"),
    ({"music_url": "data:audio/wav;base64,AAAA"}, "ext.music_url must be http(s) or an upload URL"),
    ("1080p", "ext must be an object"),
    ({"logo_url": "http://127.0.0.1/logo.png"}, "ext.logo_url must point to a public internet address"),
    ({"content_url": "http://169.254.169.254/latest/meta-data"},
     "ext.content_url must point to a public internet address"),
    ({"background_url": "http://10.0.0.7/bg.png"}, "ext.background_url must point to a public internet address"),
    ({"pronunciations": {"Quentum": "Kwentum"}}, "ext.pronunciations must be a list of objects"),
    ({"pronunciations": [{"word": "Quentum"}]}, "ext.pronunciations[0] needs respelling or phonemes"),
    ({"pronunciations": [{"word": "Q", "phonemes": "]] [[x"}]}, "ext.pronunciations[0].phonemes must be espeak-ng"),
])
def test_bad_ext_values_are_a_40000_naming_the_field(engine, ext, message) -> None:
    answer = create(engine, body(ext))
    assert answer["code"] == contract.Code.PARAMETER_ERROR, answer
    assert message in answer["msg"], answer["msg"]


def test_files_are_checked_on_their_bytes_when_the_video_is_created(engine, pictures) -> None:
    jpeg_logo = create(engine, body({"logo_url": pictures["content_jpeg"]}))
    assert jpeg_logo["code"] == contract.Code.PARAMETER_ERROR and "ext.logo_url must be a PNG image" in jpeg_logo["msg"]
    audio_as_content = create(engine, body({"content_url": pictures["audio"]}))
    assert audio_as_content["code"] == contract.Code.PARAMETER_ERROR
    assert "ext.content_url must be a PNG, JPEG or WebP image or a short video" in audio_as_content["msg"]
    picture_as_music = create(engine, body({"music_url": pictures["content"]}))
    assert picture_as_music["code"] == contract.Code.PARAMETER_ERROR
    assert "ext.music_url must be an MP3, WAV or M4A file" in picture_as_music["msg"]
    gone = pictures["content"].rsplit("/", 2)[0] + "/AAAAAAAAAAAAAAAAAAAAAAAA/missing.png"
    missing = create(engine, body({"background_url": gone}))
    assert missing["code"] == contract.Code.PARAMETER_ERROR and missing["msg"].startswith("ext.background_url")


# ---------------------------------------------------------------- what it renders

def test_split_screen_shows_the_content_in_its_panel(engine, pictures) -> None:
    frames = render(engine, body({"content_url": pictures["content"]}, screen_style=2))
    layout = expected_layout("portrait", 2, content=True)
    assert near(mean_colour(frames[len(frames) // 2], layout.content_rect), CONTENT)
    plain = render(engine, body(None, screen_style=2))  # no ext: the panel is the dark design
    assert not near(mean_colour(plain[len(plain) // 2], layout.content_rect), CONTENT, 60)


def test_picture_in_picture_content_fills_the_frame_under_the_bubble(engine, pictures) -> None:
    frames = render(engine, body({"content_url": pictures["content_jpeg"]}, screen_style=3, aspect_ratio="landscape"))
    frame = frames[-1]
    layout = expected_layout("landscape", 3, content=True)
    height, width = frame.shape[:2]
    corners = [(0, 0, width // 5, height // 5), (0, height * 4 // 5 - 40, width // 6, height * 4 // 5),
               (width * 2 // 5, 0, width * 3 // 5, height // 6)]
    for rect in corners:
        assert near(mean_colour(frame, rect, 0.05), CONTENT), rect
    cx, cy, r = layout.circle  # the avatar, in its bubble, is over the picture
    assert not near(mean_colour(frame, (int(cx - r / 3), int(cy - r / 3), int(cx + r / 3), int(cy + r / 3))),
                    CONTENT, 60)


def test_background_stands_behind_the_avatar_and_the_logo_sits_in_a_corner(engine, pictures) -> None:
    frames = render(engine, body({"background_url": pictures["background"], "logo_url": pictures["logo"]}))
    frame = frames[len(frames) // 2]
    height, width = frame.shape[:2]
    assert near(mean_colour(frame, (0, height // 3, width // 8, height // 2), 0.05), BACKGROUND)
    layout = expected_layout("portrait", 1, logo=True)
    face = (int(layout.bust_x + 260 * layout.bust_scale), int(layout.bust_y + 300 * layout.bust_scale),
            int(layout.bust_x + 340 * layout.bust_scale), int(layout.bust_y + 400 * layout.bust_scale))
    assert not near(mean_colour(frame, face), BACKGROUND, 60)  # the avatar is in front
    x0, y0, x1, y1 = layout.logo_rect
    assert x1 > width * 0.8 and y0 < height * 0.1  # top right
    middle = (x0 + x1) // 2
    assert near(mean_colour(frame, (x0, y0, middle, y1), 0.25), LOGO, 20)  # the opaque half
    assert near(mean_colour(frame, (middle, y0, x1, y1), 0.25), BACKGROUND, 20)  # alpha 0: background shows


def test_1080p_sizes_scale_everything(engine, pictures) -> None:
    for aspect, expected in contract.FRAME_SIZES["1080p"].items():
        frames = render(engine, body({"resolution": "1080p", "content_url": pictures["content"]},
                                     aspect_ratio=aspect, screen_style=2, caption=True))
        assert frames[0].shape[1::-1] == expected
        layout = expected_layout(aspect, 2, content=True, resolution="1080p")
        small = expected_layout(aspect, 2, content=True)
        assert abs(layout.bust_scale / small.bust_scale - expected[0] / SIZES[aspect][0]) < 1e-6
        assert near(mean_colour(frames[len(frames) // 2], layout.content_rect), CONTENT)


def test_the_same_request_gives_identical_frames(engine, pictures) -> None:
    request = body({"content_url": pictures["content"], "caption_style": "bold"}, screen_style=2, caption=True)
    first, second = render(engine, request), render(engine, request)
    assert len(first) == len(second) > 10
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def test_the_motion_seed_is_the_requests_not_the_video_ids() -> None:
    spec = asdict(CreateVideoBody.model_validate(body({"resolution": "1080p"})).to_spec())
    seed = motion_seed(spec)
    # Where its copies landed and where the webhook goes change nothing that moves.
    assert motion_seed({**spec, "webhook_url": "https://example.com/hook", "ext_files": {"x": "/tmp/y"}}) == seed
    assert motion_seed({**spec, "script": "Hello again."}) != seed
    assert motion_seed({**spec, "ext": {}}) != seed


def sound_of(engine, request: dict, sample_rate: int = 22050) -> np.ndarray:
    """Create, wait, download and decode the soundtrack as mono float32."""
    answer = create(engine, request)
    assert answer["code"] == 0, answer
    job, _ = wait_for_video(engine, answer["data"]["video_id"])
    assert job["status"] == "completed", job
    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    chunks = []
    with av.open(io.BytesIO(requests.get(job["video_url"], timeout=60).content)) as container:
        for frame in container.decode(container.streams.audio[0]):
            chunks += [c.to_ndarray().reshape(-1) for c in resampler.resample(frame)]
    return np.concatenate(chunks)


def narrow_band(signal: np.ndarray, sample_rate: int, hz: float, width: float = 60.0) -> np.ndarray:
    spectrum = np.fft.rfft(signal)
    freqs = np.fft.rfftfreq(len(signal), 1 / sample_rate)
    spectrum[np.abs(freqs - hz) > width / 2] = 0
    return np.fft.irfft(spectrum, len(signal))


def power_db(samples: np.ndarray) -> float:
    return 10 * np.log10(max(float(np.mean(np.square(samples, dtype=np.float64))), 1e-12))


def test_music_is_mixed_under_the_speech_ducked_and_the_video_ends_with_the_speech(engine) -> None:
    rate, bed_hz = 22050, 2500.0
    bed = upload(engine, wav_bytes(seconds=1.5, hz=bed_hz, amplitude=0.5), "bed.wav", "audio/wav")
    voice = {"type": "script", "voice_id": "en-US-ChristopherNeural",
             "script": "Our bottle keeps water cold for a day. Then it keeps it cold for another."}
    plain = sound_of(engine, body(None, voice=voice), rate)
    mixed = sound_of(engine, body({"music_url": bed}, voice=voice), rate)
    assert abs(len(mixed) - len(plain)) <= rate * 0.05  # the video still ends with the speech

    length = min(len(plain), len(mixed))
    plain, mixed = plain[:length], mixed[:length]
    hop = rate // 20
    hops = range(length // hop)
    loudness = np.array([power_db(plain[i * hop:(i + 1) * hop]) for i in hops])
    speaking = loudness > loudness.max() - 25
    pausing = ~speaking
    pausing[-int(1.5 * rate / hop):] = False  # the fade-out is not a pause
    assert pausing.any(), "the script has no pause to hear the bed in"
    bed_only = narrow_band(mixed, rate, bed_hz) - narrow_band(plain, rate, bed_hz)
    bed_power = np.array([10 ** (power_db(bed_only[i * hop:(i + 1) * hop]) / 10) for i in hops])
    speech_level = power_db(np.concatenate([plain[i * hop:(i + 1) * hop] for i in np.flatnonzero(speaking)]))
    under_speech = 10 * np.log10(bed_power[speaking].mean())
    in_pauses = 10 * np.log10(bed_power[pausing].mean())
    plain_band = narrow_band(plain, rate, bed_hz)
    quiet = 10 * np.log10(np.mean([10 ** (power_db(plain_band[i * hop:(i + 1) * hop]) / 10)
                                   for i in np.flatnonzero(pausing)]))
    assert in_pauses > quiet + 20  # the bed is heard in the pauses, where the plain video is silent
    assert speech_level - under_speech >= contract.MUSIC_DUCK_MIN_DB
    assert in_pauses - under_speech >= 3  # it comes up when the voice stops


# ---------------------------------------------------------------- pronunciations

def test_brand_words_are_said_as_listed_and_captioned_as_written(engine) -> None:
    lexicon = [{"word": "Quentum", "respelling": "Kwentum"},
               {"word": "nginx", "respelling": "x", "phonemes": "'EndZIn"}]
    script = "Quentum runs on Nginx."
    answer = create(engine, body({"pronunciations": lexicon}, caption=True,
                                 voice={"type": "script", "voice_id": "en-US-ChristopherNeural", "script": script}))
    assert answer["code"] == 0, answer
    job, _ = wait_for_video(engine, answer["data"]["video_id"])
    assert job["status"] == "completed", job
    captions = requests.get(job["caption_url"], timeout=30).text
    assert "Quentum" in captions and "Nginx" in captions
    assert "Kwentum" not in captions and "EndZIn" not in captions


def test_hear_it_first_says_brand_words_as_listed(engine) -> None:
    def heard(script: str, **extra: object) -> bytes:
        answer = requests.post(engine.v2 + "/ext/speech_preview", headers=engine.headers(), timeout=60,
                               json={"voice_id": "en-US-ChristopherNeural", "script": script, **extra}).json()
        assert answer["code"] == 0, answer
        return requests.get(answer["data"]["audio_url"], timeout=30).content

    respelled = heard("Meet Quentum.", pronunciations=[{"word": "quentum", "respelling": "Kwen tum"}])
    assert respelled == heard("Meet Kwen tum.")
    assert respelled != heard("Meet Quentum.")
    refused = requests.post(engine.v2 + "/ext/speech_preview", headers=engine.headers(), timeout=30,
                            json={"voice_id": "en-US-ChristopherNeural", "script": "Hi.",
                                  "pronunciations": [{"word": "Hi", "sound": "hai"}]}).json()
    assert refused["code"] == contract.Code.PARAMETER_ERROR
    assert "pronunciations[0].sound is not a known field" in refused["msg"]
