"""Catalog routes over HTTP: public/custom avatars, voices, their filters, paging and media."""

from __future__ import annotations

import io
import wave

import pytest
import requests

AVATAR_FILTERS = {
    "aspect_ratio": ["portrait", "landscape", "square"],
    "style": ["professional", "social"],
    "gender": ["female", "male"],
    "age": ["young_adult", "adult", "senior"],
    "scene": ["lifestyle", "outdoors", "business", "studio", "health_fitness", "education", "news"],
    "ethnicity": ["european", "african", "south_asian", "east_asian", "middle_eastern", "south_american",
                  "north_american"],
}
RATIO_INDEX = {"portrait": 0, "landscape": 1, "square": 2}


def get(engine, path, **params):
    answer = requests.get(engine.v2 + path, headers=engine.headers(), params=params, timeout=30)
    return answer.status_code, answer.json()


def all_avatars(engine, **filters):
    found, page = [], 1
    while True:
        status, body = get(engine, "/avatars/public", page=page, page_size=100, **filters)
        assert status == 200 and body["code"] == 0
        found.extend(body["data"]["avatars"])
        if len(body["data"]["avatars"]) < 100:
            return found
        page += 1


def test_public_avatars_shape_and_size(engine):
    avatars = all_avatars(engine)
    assert len(avatars) >= 300
    ids = [a["id"] for a in avatars]
    assert len(set(ids)) == len(ids)
    assert 81 in ids
    for avatar in avatars[:20]:
        assert isinstance(avatar["id"], int)
        assert avatar["aspect_ratio"] in (0, 1, 2)
        assert avatar["cover_url"].startswith(engine.base_url + "/")
        assert avatar["video_url"].startswith(engine.base_url + "/")
        for field in ("name", "style", "gender", "age"):
            assert isinstance(avatar[field], str) and avatar[field]


@pytest.mark.parametrize("field", sorted(AVATAR_FILTERS))
def test_each_avatar_filter_value_matches_and_partitions(engine, field):
    total = len(all_avatars(engine))
    seen = 0
    for value in AVATAR_FILTERS[field]:
        matches = all_avatars(engine, **{field: value})
        assert matches, f"no avatar with {field}={value}"
        expected = RATIO_INDEX[value] if field == "aspect_ratio" else value
        assert all(a[field] == expected for a in matches)
        seen += len(matches)
    assert seen == total  # every avatar has exactly one value of each attribute


def test_filters_combine_and_empty_means_no_filter(engine):
    both = all_avatars(engine, gender="female", scene="news")
    assert all(a["gender"] == "female" and a["scene"] == "news" for a in both)
    assert len(all_avatars(engine, gender="", scene="", age="")) == len(all_avatars(engine))


def test_paging(engine):
    _, first = get(engine, "/avatars/public")
    assert len(first["data"]["avatars"]) == 10  # default page_size
    _, page2 = get(engine, "/avatars/public", page=2, page_size=5)
    _, page1_10 = get(engine, "/avatars/public", page=1, page_size=10)
    assert page2["data"]["avatars"] == page1_10["data"]["avatars"][5:10]
    _, past_end = get(engine, "/avatars/public", page=10_000, page_size=100)
    assert past_end["code"] == 0 and past_end["data"]["avatars"] == []


@pytest.mark.parametrize(("params", "name"), [
    ({"page": 0}, "page"), ({"page": "x"}, "page"), ({"page_size": 0}, "page_size"),
    ({"page_size": 101}, "page_size"), ({"gender": "robot"}, "gender"), ({"aspect_ratio": "wide"}, "aspect_ratio"),
    ({"style": "goth"}, "style"), ({"age": "baby"}, "age"), ({"scene": "moon"}, "scene"),
    ({"ethnicity": "martian"}, "ethnicity"),
])
def test_bad_avatar_parameters_are_named(engine, params, name):
    status, body = get(engine, "/avatars/public", **params)
    assert status == 400 and body["code"] == 40000
    assert body["msg"].startswith(name)


def test_custom_avatars_is_an_empty_list(engine):
    status, body = get(engine, "/avatars/custom", page=1, page_size=10)
    assert status == 200 and body == {"code": 0, "msg": "success", "data": {"avatars": []}}


def all_voices(engine, **filters):
    found, page = [], 1
    while True:
        status, body = get(engine, "/voices", page=page, page_size=100, **filters)
        assert status == 200 and body["code"] == 0, body
        found.extend(body["data"]["voices"])
        if not body["data"]["has_more"]:
            return found
        page += 1


def test_voices_catalog(engine):
    voices = all_voices(engine)
    assert len(voices) >= 100
    assert len({v["language"] for v in voices}) >= 40
    assert any(v["gender"] == "female" and "chinese" in v["language"] for v in voices)
    for voice in voices:
        assert isinstance(voice["voice_id"], str) and voice["voice_id"]
        assert voice["gender"] in ("female", "male")
        assert voice["age"] in ("young", "middle_aged", "old")
        assert voice["language"] == voice["language"].lower()
        assert voice["audio_url"].startswith(engine.base_url + "/")


def test_voice_has_more_and_paging(engine):
    _, first = get(engine, "/voices", page=1, page_size=5)
    assert len(first["data"]["voices"]) == 5 and first["data"]["has_more"] is True
    _, past = get(engine, "/voices", page=10_000, page_size=100)
    assert past["data"] == {"voices": [], "has_more": False}


def test_voice_filters_accept_cloud_spellings(engine):
    english = all_voices(engine, language="english")
    assert english and all(v["language"] == "english" for v in english)
    en_us = all_voices(engine, language="en-US")
    assert en_us and all(v["language"] == "english" for v in en_us)
    male = all_voices(engine, gender="Male")
    assert male and all(v["gender"] == "male" for v in male)
    assert {v["voice_id"] for v in all_voices(engine, gender="male")} == {v["voice_id"] for v in male}
    old = all_voices(engine, age="old")
    assert all(v["age"] == "old" for v in old)


@pytest.mark.parametrize(("params", "name"), [({"gender": "robot"}, "gender"), ({"age": "ancient"}, "age"),
                                              ({"page_size": 500}, "page_size")])
def test_bad_voice_parameters_are_named(engine, params, name):
    status, body = get(engine, "/voices", **params)
    assert status == 400 and body["code"] == 40000 and body["msg"].startswith(name)


def test_custom_voices_is_empty(engine):
    status, body = get(engine, "/voices/custom")
    assert status == 200 and body["data"]["voices"] == []


def test_avatar_cover_and_preview_media(engine):
    _, body = get(engine, "/avatars/public", page=1, page_size=1)
    avatar = body["data"]["avatars"][0]
    cover = requests.get(avatar["cover_url"], timeout=60)  # no key: media is public
    assert cover.status_code == 200 and cover.headers["content-type"] == "image/jpeg"
    assert cover.content[:3] == b"\xff\xd8\xff"
    preview = requests.get(avatar["video_url"], timeout=120)
    assert preview.status_code == 200 and preview.headers["content-type"] == "video/mp4"
    assert preview.content[4:8] == b"ftyp"
    again = requests.get(avatar["cover_url"], timeout=10)  # served from the disk cache the second time
    assert again.content == cover.content


def test_voice_sample_is_a_wav_of_speech(engine):
    _, body = get(engine, "/voices", page=1, page_size=1)
    sample = requests.get(body["data"]["voices"][0]["audio_url"], timeout=60)
    assert sample.status_code == 200 and sample.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(sample.content)) as wav:
        assert wav.getnframes() / wav.getframerate() > 0.3


def test_unknown_catalog_media_is_404(engine):
    for path in ("/media/catalog/avatars/999999999/cover.jpg", "/media/catalog/avatars/81/../../api_key",
                 "/media/catalog/voices/no-such-voice/sample.wav", "/media/v/" + "A" * 32 + "/video.mp4"):
        answer = requests.get(engine.base_url + path, timeout=10)
        assert answer.status_code == 404
        assert answer.json()["code"] == 10104
