"""Two-step upload: POST upload/asset, key-less PUT to sign_url, then asset_url serves the bytes."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest
import requests

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def wav_bytes(seconds: float = 0.5, rate: int = 16000, hz: float = 220.0, amplitude: float = 8000 / 32767) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    pcm = (np.sin(2 * np.pi * hz * t) * amplitude * 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())
    return out.getvalue()


def ask(engine, **fields):
    answer = requests.post(engine.v2 + "/upload/asset", headers=engine.headers(), json=fields, timeout=10)
    return answer.status_code, answer.json()


def test_upload_round_trip_serves_the_same_bytes(engine):
    data = wav_bytes()
    status, answer = ask(engine, filename="my voice.wav", content_type="audio/wav", file_size=len(data))
    assert status == 200 and answer["code"] == 0
    sign_url, asset_url = answer["data"]["sign_url"], answer["data"]["asset_url"]
    assert sign_url.startswith(engine.base_url) and asset_url.startswith(engine.base_url)
    assert requests.get(asset_url, timeout=10).status_code == 404  # nothing there before the PUT
    put = requests.put(sign_url, data=data, headers={"Content-Type": "audio/wav"}, timeout=30)  # no key
    assert put.status_code == 200 and put.json()["code"] == 0
    served = requests.get(asset_url, timeout=10)
    assert served.status_code == 200 and served.content == data
    assert served.headers["content-type"] == "audio/wav"
    partial = requests.get(asset_url, headers={"Range": "bytes=4-11"}, timeout=10)
    assert partial.status_code == 206 and partial.content == data[4:12]
    # A sign_url works once.
    again = requests.put(sign_url, data=data, headers={"Content-Type": "audio/wav"}, timeout=30)
    assert again.status_code == 409 and again.json()["code"] == 40000


def test_image_upload(engine):
    _, answer = ask(engine, filename="face.png", content_type="image/png")
    put = requests.put(answer["data"]["sign_url"], data=PNG, headers={"Content-Type": "image/png"}, timeout=10)
    assert put.json()["code"] == 0
    assert requests.get(answer["data"]["asset_url"], timeout=10).content == PNG


@pytest.mark.parametrize(("fields", "message"), [
    ({"content_type": "audio/wav"}, "filename is required"),
    ({"filename": "../../etc/passwd", "content_type": "audio/wav"}, "plain file name"),
    ({"filename": "a/b.wav", "content_type": "audio/wav"}, "plain file name"),
    ({"filename": "..\\b.wav", "content_type": "audio/wav"}, "plain file name"),
    ({"filename": ".hidden.wav", "content_type": "audio/wav"}, "plain file name"),
    ({"filename": "bell\x07.wav", "content_type": "audio/wav"}, "plain file name"),
    ({"filename": "a.wav"}, "content_type is required"),
    ({"filename": "a.html", "content_type": "text/html"}, "content_type must be"),
    ({"filename": "a.wav", "content_type": "audio/wav", "file_size": 0}, "file_size must be a positive"),
    ({"filename": "a.wav", "content_type": "audio/wav", "file_size": "12"}, "file_size must be a positive"),
    ({"filename": "a.wav", "content_type": "audio/wav", "file_size": 21 * 1024 * 1024}, "20 MB"),
    ({"filename": "a.png", "content_type": "image/png", "file_size": 11 * 1024 * 1024}, "10 MB"),
    ({"filename": "a.mp4", "content_type": "video/mp4", "file_size": 101 * 1024 * 1024}, "100 MB"),
])
def test_upload_request_rules(engine, fields, message):
    status, answer = ask(engine, **fields)
    assert status == 400 and answer["code"] == 40000 and message in answer["msg"]


def fresh_sign_url(engine, content_type="audio/wav", filename="a.wav", **extra):
    _, answer = ask(engine, filename=filename, content_type=content_type, **extra)
    return answer["data"]["sign_url"], answer["data"]["asset_url"]


def test_put_must_use_the_declared_content_type(engine):
    sign_url, asset_url = fresh_sign_url(engine)
    put = requests.put(sign_url, data=wav_bytes(), headers={"Content-Type": "audio/mpeg"}, timeout=10)
    assert put.status_code == 400 and "Content-Type must be audio/wav" in put.json()["msg"]
    assert requests.get(asset_url, timeout=10).status_code == 404


def test_content_lies_are_refused(engine):
    sign_url, asset_url = fresh_sign_url(engine)
    put = requests.put(sign_url, data=PNG, headers={"Content-Type": "audio/wav"}, timeout=10)
    assert put.status_code == 400 and "not a valid audio file" in put.json()["msg"]
    sign_url, _ = fresh_sign_url(engine, content_type="image/png", filename="x.png")
    put = requests.put(sign_url, data=b"<html>hi</html>", headers={"Content-Type": "image/png"}, timeout=10)
    assert put.status_code == 400 and "not a valid image file" in put.json()["msg"]
    assert requests.get(asset_url, timeout=10).status_code == 404


def test_empty_and_oversized_uploads(engine):
    sign_url, _ = fresh_sign_url(engine)
    put = requests.put(sign_url, data=b"", headers={"Content-Type": "audio/wav"}, timeout=10)
    assert put.status_code == 400 and "empty" in put.json()["msg"]
    sign_url, _ = fresh_sign_url(engine)
    too_big = b"\x00" * (20 * 1024 * 1024 + 1)
    put = requests.put(sign_url, data=too_big, headers={"Content-Type": "audio/wav"}, timeout=60)
    assert put.status_code == 413 and "20 MB" in put.json()["msg"]


def test_declared_size_must_match(engine):
    data = wav_bytes()
    sign_url, _ = fresh_sign_url(engine, file_size=len(data) + 1)
    put = requests.put(sign_url, data=data, headers={"Content-Type": "audio/wav"}, timeout=10)
    assert put.status_code == 400 and "file_size declared" in put.json()["msg"]


def test_unknown_sign_url_is_404(engine):
    put = requests.put(engine.base_url + "/upload/" + "x" * 32, data=b"1", headers={"Content-Type": "audio/wav"},
                       timeout=10)
    assert put.status_code == 404 and put.json()["code"] == 10104


def test_no_file_outside_the_media_dir_is_reachable(engine):
    for path in ("/media/a/../../api_key", "/media/a/%2e%2e/%2e%2e/api_key", "/media/a/x/..%2f..%2fapi_key",
                 "/media/v/" + "A" * 32 + "/..%2f..%2f..%2fengine.sqlite3"):
        answer = requests.get(engine.base_url + path, timeout=10)
        assert answer.status_code == 404, path
        assert engine.api_key not in answer.text
