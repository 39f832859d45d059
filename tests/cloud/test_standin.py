"""The cloud stand-in behaves like JoggAI's billed cloud (CONTRACT.md and the spec), not like our engine.

Each behaviour is shown over plain HTTP and, where the studio would meet it, through JoggAIClient.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

import av
import jsonschema
import pytest
import requests
from PIL import Image

from lib.joggai import CreateVideoRequest, JoggAIClient, VideoStatus, contract, errors
from tests.cloud.spec_schema import assert_matches_spec
from tests.cloud_standin import RATE_WINDOW_S, CloudError, CloudState, StandInConfig
from tests.cloud_standin_process import StandIn

SHORT_SCRIPT = "Hello from the cloud stand-in."
ENVELOPE_KEYS = {"code", "msg", "data"}


def script_body(script: str = SHORT_SCRIPT, **overrides: Any) -> dict[str, Any]:
    body = {"avatar": {"avatar_id": 81, "avatar_type": 0},
            "voice": {"type": "script", "voice_id": "en-US-JennyNeural", "script": script},
            "aspect_ratio": "portrait", "screen_style": 1}
    return {**body, **overrides}


def short_request(**overrides: Any) -> CreateVideoRequest:
    return CreateVideoRequest(**{"avatar_id": 81, "voice_id": "en-US-JennyNeural", "script": SHORT_SCRIPT,
                                 **overrides})


def post_create(cloud: StandIn, body: Any = None, **headers: str) -> requests.Response:
    return requests.post(f"{cloud.v2}/create_video_from_avatar", json=script_body() if body is None else body,
                         headers=cloud.headers(**headers), timeout=10)


def get(cloud: StandIn, path: str, **params: Any) -> requests.Response:
    return requests.get(f"{cloud.v2}/{path}", params=params, headers=cloud.headers(), timeout=10)


def wait_until(condition: Callable[[], Any], timeout: float = 20, interval: float = 0.1) -> Any:
    """The first truthy value of `condition()`, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"condition not met within {timeout} s"
        time.sleep(interval)


def completed_video(cloud: StandIn, video_id: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        data = get(cloud, f"avatar_video/{video_id}").json()["data"]
        return data if data["status"] == "completed" else None
    return wait_until(done)


def assert_mp4_with_audio(data: bytes) -> None:
    with av.open(io.BytesIO(data)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, audio.codec_context.name) == ("h264", "aac")
        assert (video.codec_context.width, video.codec_context.height) == (320, 568)
        assert next(container.decode(video=0)) is not None
        container.seek(0)
        assert next(container.decode(audio=0)).samples > 0


# ---------------------------------------------------------------------- shapes: only the spec's

def _create_answer(cloud: StandIn) -> Any:
    return post_create(cloud).json()


def _status_answers(cloud: StandIn) -> list[Any]:
    cloud.configure(render_seconds=1.0)
    video_id = post_create(cloud).json()["data"]["video_id"]
    pending = get(cloud, f"avatar_video/{video_id}").json()
    completed_video(cloud, video_id)
    return [pending, get(cloud, f"avatar_video/{video_id}").json()]


def _upload_answer(cloud: StandIn) -> Any:
    return requests.post(f"{cloud.v2}/upload/asset", json={"filename": "a.mp3", "content_type": "audio/mpeg"},
                         headers=cloud.headers(), timeout=10).json()


SCRIPT_BODY = {"language": "french", "video_length_seconds": "15", "script_style": "Data",
               "product_info": {"source_type": "details", "data": {"name": "FreeSip", "description": "A bottle."}}}


def _script_task_answer(cloud: StandIn) -> Any:
    return requests.post(f"{cloud.v2}/ai_scripts", json=SCRIPT_BODY, headers=cloud.headers(), timeout=10).json()


def _script_result_answers(cloud: StandIn) -> list[Any]:
    task_id = _script_task_answer(cloud)["data"]["task_id"]
    first = get(cloud, f"ai_scripts/results/{task_id}").json()
    done = wait_until(lambda: (answer := get(cloud, f"ai_scripts/results/{task_id}").json())["data"]["status"]
                      == "completed" and answer)
    return [first, done]


SHARED_OPERATIONS: dict[tuple[str, str], Callable[[StandIn], Any]] = {
    ("GET", "/v2/user/whoami"): lambda cloud: get(cloud, "user/whoami").json(),
    ("GET", "/v2/user/remaining_quota"): lambda cloud: get(cloud, "user/remaining_quota").json(),
    ("GET", "/v2/avatars/public"): lambda cloud: get(cloud, "avatars/public", page_size=100).json(),
    ("GET", "/v2/avatars/custom"): lambda cloud: get(cloud, "avatars/custom").json(),
    ("GET", "/v2/voices"): lambda cloud: get(cloud, "voices", page_size=2).json(),
    ("GET", "/v2/voices/custom"): lambda cloud: get(cloud, "voices/custom").json(),
    ("POST", "/v2/create_video_from_avatar"): _create_answer,
    ("GET", "/v2/avatar_video/{id}"): _status_answers,
    ("POST", "/v2/upload/asset"): _upload_answer,
    ("POST", "/v2/ai_scripts"): _script_task_answer,
    ("GET", "/v2/ai_scripts/results/{task_id}"): _script_result_answers,
}


def test_ai_scripts_write_every_style_asked_one_first_in_any_spec_language(cloud: StandIn) -> None:
    [_, done] = _script_result_answers(cloud)
    scripts = done["data"]["data"]["generated_scripts"]
    assert scripts[0]["script_style"] == "Data"
    assert sorted(script["script_style"] for script in scripts) == sorted(contract.AI_SCRIPT_STYLES)
    assert all("FreeSip" in script["script_paragraphs"][0] and "french" in script["script_paragraphs"][0]
               for script in scripts)


def test_ai_script_rules_are_40000_naming_the_field(cloud: StandIn) -> None:
    answer = requests.post(f"{cloud.v2}/ai_scripts", json={**SCRIPT_BODY, "video_length_seconds": "45"},
                           headers=cloud.headers(), timeout=10)
    assert answer.status_code == 200 and answer.json()["code"] == contract.Code.PARAMETER_ERROR
    assert "video_length_seconds" in answer.json()["msg"]
    unknown = get(cloud, "ai_scripts/results/task_nope").json()
    assert unknown["code"] == contract.Code.NOT_FOUND


@pytest.mark.parametrize("operation", list(SHARED_OPERATIONS), ids=lambda op: f"{op[0]} {op[1]}")
def test_answers_are_exactly_the_specs_response_schema(cloud: StandIn, operation: tuple[str, str]) -> None:
    answers = SHARED_OPERATIONS[operation](cloud)
    for answer in answers if isinstance(answers, list) else [answers]:
        assert answer["code"] == contract.SUCCESS
        assert_matches_spec(*operation, answer)  # closed objects: an extension field fails here


def test_strict_schema_rejects_an_extension_field() -> None:
    answer = {"code": 0, "msg": "success", "data": {"video_id": "v", "status": "processing", "progress": 40}}
    with pytest.raises(jsonschema.ValidationError, match="progress"):
        assert_matches_spec("GET", "/v2/avatar_video/{id}", answer)


def test_engine_extensions_are_missing(cloud: StandIn) -> None:
    assert requests.get(cloud.base_url + contract.HEALTH_PATH, timeout=10).status_code == 404
    answer = requests.post(f"{cloud.base_url}{contract.EXT_ROUTE_PREFIX}/speech_preview", headers=cloud.headers(),
                           json={"voice_id": "en-US-JennyNeural", "script": "hi"}, timeout=10)
    assert answer.status_code == 404 and set(answer.json()) == ENVELOPE_KEYS
    with cloud.client() as client:
        with pytest.raises(errors.NotFoundError):
            client.engine_health()
        with pytest.raises(errors.NotFoundError):
            client.speech_preview("en-US-JennyNeural", "hi")


def test_ext_field_is_silently_dropped_like_any_unknown_field(cloud: StandIn) -> None:
    answer = post_create(cloud, script_body(ext={"music": "upbeat"}, video_background="#fff"))
    assert answer.json()["code"] == contract.SUCCESS
    assert cloud.creates()[0]["body"]["ext"] == {"music": "upbeat"}  # tests can see it was sent


def test_both_base_url_forms_reach_the_api(cloud: StandIn) -> None:
    for base_url in (cloud.base_url, cloud.v2, cloud.v2 + "/"):
        with JoggAIClient(base_url, cloud.api_key) as client:
            assert client.whoami().username == "standin"


# ---------------------------------------------------------------------- key and business errors

@pytest.mark.parametrize("header", ["x-api-key", "X-Api-Key", "X-API-KEY"])
def test_key_header_is_case_insensitive(cloud: StandIn, header: str) -> None:
    answer = requests.get(f"{cloud.v2}/user/whoami", headers={header: cloud.api_key}, timeout=10)
    assert answer.json()["code"] == contract.SUCCESS


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "wrong"}], ids=["missing", "wrong"])
def test_missing_or_wrong_key_is_10105_with_http_200(cloud: StandIn, headers: dict[str, str]) -> None:
    answer = requests.get(f"{cloud.v2}/user/whoami", headers=headers, timeout=10)
    assert (answer.status_code, answer.json()) == (200, {"code": contract.Code.INVALID_API_KEY,
                                                         "msg": "Invalid API key", "data": None})
    with JoggAIClient(cloud.base_url, "wrong-key") as client, pytest.raises(errors.AuthenticationError):
        client.whoami()


def test_missing_script_is_40000_naming_the_field(cloud: StandIn) -> None:
    body = script_body()
    del body["voice"]["script"]
    answer = post_create(cloud, body)
    assert answer.status_code == 200 and answer.json()["code"] == contract.Code.PARAMETER_ERROR
    assert "voice.script" in answer.json()["msg"]
    with cloud.client() as client, pytest.raises(errors.InvalidRequestError) as raised:
        client.create_avatar_video(CreateVideoRequest(avatar_id=81, voice_id="en-US-JennyNeural", script=""))
    assert raised.value.param == "voice.script"
    assert cloud.state()["billed_total"] == 0


@pytest.mark.parametrize("change, field", [
    ({"aspect_ratio": "tall"}, "aspect_ratio"),
    ({"screen_style": 4}, "screen_style"),
    ({"voice": {"type": "audio", "voice_id": "en-US-JennyNeural"}}, "voice.audio_url"),
    ({"avatar": {"avatar_type": 0}}, "avatar.avatar_id"),
])
def test_spec_rules_are_40000_naming_the_field(cloud: StandIn, change: dict[str, Any], field: str) -> None:
    answer = post_create(cloud, script_body(**change)).json()
    assert answer["code"] == contract.Code.PARAMETER_ERROR and field in answer["msg"]


def test_unknown_avatar_and_video_are_10104_with_http_200(cloud: StandIn) -> None:
    answer = post_create(cloud, script_body(avatar={"avatar_id": 999999, "avatar_type": 0}))
    assert (answer.status_code, answer.json()["code"]) == (200, contract.Code.NOT_FOUND)
    assert get(cloud, "avatar_video/no-such-video").json()["code"] == contract.Code.NOT_FOUND
    with cloud.client() as client, pytest.raises(errors.NotFoundError):
        client.get_avatar_video("no-such-video")
    assert cloud.state()["videos"] == []


# ---------------------------------------------------------------------- catalogs

def test_public_avatars_page_to_a_short_then_empty_page(cloud: StandIn) -> None:
    sizes = [len(get(cloud, "avatars/public", page=page, page_size=3).json()["data"]["avatars"]) for page in (1, 2, 3, 4)]
    assert sizes == [3, 3, 1, 0]
    with cloud.client() as client:
        avatars = client.all_public_avatars(page_size=3)
        assert len({avatar.id for avatar in avatars}) == 7
        assert [a.aspect_ratio_name for a in client.list_public_avatars(aspect_ratio="landscape")] == ["landscape"] * 2
    assert get(cloud, "avatars/public", page_size=contract.PAGE_SIZE_MAX + 1).json()["code"] == \
        contract.Code.PARAMETER_ERROR


def test_avatar_previews_serve_jpeg_and_mp4_without_a_key(cloud: StandIn) -> None:
    avatar = get(cloud, "avatars/public").json()["data"]["avatars"][0]
    cover = requests.get(avatar["cover_url"], timeout=10)
    assert cover.headers["content-type"] == "image/jpeg" and Image.open(io.BytesIO(cover.content)).format == "JPEG"
    assert_mp4_with_audio(requests.get(avatar["video_url"], timeout=10).content)


def test_voices_page_with_has_more_and_accept_the_guides_spellings(cloud: StandIn) -> None:
    pages = [get(cloud, "voices", page=page, page_size=2).json()["data"] for page in (1, 2, 3)]
    assert [page["has_more"] for page in pages] == [True, True, False]
    assert [len(page["voices"]) for page in pages] == [2, 2, 1]
    english_us = get(cloud, "voices", language="en-US").json()["data"]["voices"]
    assert {voice["voice_id"] for voice in english_us} == {"en-US-ChristopherNeural", "en-US-JennyNeural"}
    assert {voice["gender"] for voice in get(cloud, "voices", gender="Male").json()["data"]["voices"]} == {"male"}
    with cloud.client() as client:
        assert len(client.all_voices(page_size=2)) == 5
        assert client.list_custom_voices() == [] and client.list_custom_avatars() == []


# ---------------------------------------------------------------------- billing, idempotency, rate limit

def test_idempotency_key_is_ignored_two_videos_two_credits(cloud: StandIn) -> None:
    with cloud.client() as client:
        first = client.create_avatar_video(short_request(), idempotency_key="batch-1-row-1")
        second = client.create_avatar_video(short_request(), idempotency_key="batch-1-row-1")
        assert first != second
        assert client.remaining_quota() == StandInConfig.quota - 2
    creates = cloud.creates()
    assert [c["idempotency_key"] for c in creates] == ["batch-1-row-1"] * 2
    assert [c["billed"] for c in creates] == [1, 1]


def test_credits_are_one_per_started_minute_of_speech(cloud: StandIn) -> None:
    post_create(cloud)
    post_create(cloud, script_body(" ".join(["word"] * 151)))  # just over a minute at 150 words/minute
    assert [c["billed"] for c in cloud.creates()] == [1, 2]
    assert cloud.state()["remaining_quota"] == StandInConfig.quota - 3


def test_insufficient_credit_is_18020_and_creates_nothing(cloud: StandIn) -> None:
    cloud.configure(quota=1)
    answer = post_create(cloud, script_body(" ".join(["word"] * 151)))
    assert (answer.status_code, answer.json()["code"]) == (200, contract.Code.INSUFFICIENT_CREDIT)
    with cloud.client() as client:
        client.create_avatar_video(short_request())  # exactly the last credit
        with pytest.raises(errors.InsufficientCreditError):
            client.create_avatar_video(short_request())
        assert client.remaining_quota() == 0
    state = cloud.state()
    assert [(c["code"], c["billed"]) for c in state["creates"]] == [
        (contract.Code.INSUFFICIENT_CREDIT, 0), (contract.SUCCESS, 1), (contract.Code.INSUFFICIENT_CREDIT, 0)]
    assert len(state["videos"]) == 1


@pytest.mark.parametrize(("code", "raised"), [(contract.Code.INSUFFICIENT_CREDIT, errors.InsufficientCreditError),
                                              (contract.Code.INVALID_API_KEY, errors.AuthenticationError)])
def test_creates_fail_on_demand_from_the_nth_with_http_200_and_nothing_billed(cloud: StandIn, code, raised) -> None:
    cloud.configure(fail_creates_with=int(code), fail_from_create=2)
    with cloud.client() as client:
        client.create_avatar_video(short_request())
        for _ in range(2):
            with pytest.raises(raised):
                client.create_avatar_video(short_request())
        assert post_create(cloud).status_code == 200  # a business error, as the cloud answers it
        cloud.configure(fail_creates_with=None)
        client.create_avatar_video(short_request())
    state = cloud.state()
    assert [(c["code"], c["billed"]) for c in state["creates"]] == [
        (contract.SUCCESS, 1), (code, 0), (code, 0), (code, 0), (contract.SUCCESS, 1)]
    assert len(state["videos"]) == 2 and state["remaining_quota"] == StandInConfig.quota - 2


def test_only_business_errors_can_be_asked_for(cloud: StandIn) -> None:
    with pytest.raises(RuntimeError, match="fail_creates_with"):
        cloud.configure(fail_creates_with=12345)


def test_the_21st_post_in_a_minute_is_429_with_retry_after(cloud: StandIn) -> None:
    for _ in range(contract.POSTS_PER_MINUTE):
        assert _upload_answer(cloud)["code"] == contract.SUCCESS
    answer = post_create(cloud)
    assert answer.status_code == 429 and answer.json()["code"] == contract.Code.RATE_LIMITED
    retry_after = int(answer.headers["Retry-After"])
    assert 0 < retry_after <= RATE_WINDOW_S and answer.json()["data"] == {"retryAfter": retry_after}
    with cloud.client() as client:
        with pytest.raises(errors.RateLimitError) as raised:
            client.create_avatar_video(short_request())
        assert raised.value.retry_after == pytest.approx(retry_after, abs=1)
        assert client.whoami().username == "standin"  # GETs are not limited
    state = cloud.state()
    assert state["posts_in_window"] == contract.POSTS_PER_MINUTE and state["videos"] == []
    assert [c["code"] for c in state["creates"]] == [contract.Code.RATE_LIMITED] * 2
    cloud.configure(rate_limit=False)
    assert post_create(cloud).json()["code"] == contract.SUCCESS


def test_rate_window_slides() -> None:
    state = CloudState(StandInConfig())
    for second in range(contract.POSTS_PER_MINUTE):
        state.admit_post(float(second))
    with pytest.raises(CloudError) as refused:
        state.admit_post(30.0)
    assert refused.value.code == contract.Code.RATE_LIMITED
    assert refused.value.headers["Retry-After"] == str(int(RATE_WINDOW_S - 30))
    state.admit_post(RATE_WINDOW_S)  # the POST at second 0 has left the window
    with pytest.raises(CloudError):
        state.admit_post(RATE_WINDOW_S + 0.5)


# ---------------------------------------------------------------------- renders and result links

def test_status_goes_pending_processing_completed_with_result_links(cloud: StandIn) -> None:
    cloud.configure(render_seconds=1.5)
    video_id = post_create(cloud).json()["data"]["video_id"]
    seen: list[dict[str, Any]] = []

    def finished() -> bool:
        seen.append(get(cloud, f"avatar_video/{video_id}").json()["data"])
        return seen[-1]["status"] == "completed"
    wait_until(finished, interval=0.05)
    statuses = [data["status"] for data in seen]
    assert statuses[0] == "pending" and "processing" in statuses
    assert statuses == sorted(statuses, key=["pending", "processing", "completed"].index)
    assert all("video_url" not in data for data in seen[:-1])
    assert seen[-1]["video_url"].startswith(cloud.base_url) and seen[-1]["cover_url"].startswith(cloud.base_url)
    assert abs(seen[-1]["created_at"] - time.time()) < 60


def test_result_video_is_an_mp4_with_audio_that_needs_no_key(cloud: StandIn) -> None:
    cloud.configure(render_seconds=0)
    with cloud.client() as client:
        job = client.wait_for_video(client.create_avatar_video(short_request()), poll_interval=0.1, timeout=20)
        assert job.status is VideoStatus.COMPLETED
        assert_mp4_with_audio(client.download(job.video_url))
        assert Image.open(io.BytesIO(client.download(job.cover_url))).format == "JPEG"
    assert requests.get(job.video_url, timeout=10).headers["content-type"] == "video/mp4"


def test_result_links_expire_after_link_ttl(cloud: StandIn) -> None:
    cloud.configure(render_seconds=0, link_ttl=1.0)
    data = completed_video(cloud, post_create(cloud).json()["data"]["video_id"])
    assert requests.get(data["video_url"], timeout=10).status_code == 200
    wait_until(lambda: requests.get(data["video_url"], timeout=10).status_code == 404)
    assert requests.get(data["cover_url"], timeout=10).status_code == 404
    with cloud.client() as client, pytest.raises(errors.NotFoundError):
        client.download(data["video_url"])
    avatar = get(cloud, "avatars/public").json()["data"]["avatars"][0]
    assert requests.get(avatar["video_url"], timeout=10).status_code == 200  # catalog previews stay


# ---------------------------------------------------------------------- lost answers

def assert_billed_once_and_completes(cloud: StandIn, mode: str) -> None:
    (create,) = cloud.creates()  # one request reached it: the client did not resend the POST
    assert (create["code"], create["billed"], create["answer"]) == (contract.SUCCESS, 1, mode)
    assert cloud.state()["remaining_quota"] == StandInConfig.quota - 1
    assert completed_video(cloud, create["video_id"])["video_url"]


def test_held_answer_times_out_in_the_client_but_the_video_was_made_and_billed(cloud: StandIn) -> None:
    cloud.configure(lose_answers=[1], lose_mode="hold", hold_seconds=3, render_seconds=0.5)
    with cloud.client(timeout=(2, 0.5)) as client:
        with pytest.raises(errors.TimeoutError):
            client.create_avatar_video(short_request())
        assert_billed_once_and_completes(cloud, "hold")
        assert client.create_avatar_video(short_request())  # only the chosen ordinal is lost


@pytest.mark.parametrize("mode, raised", [
    ("500", errors.ServerError), ("502", errors.ServerError), ("reset", errors.ConnectionError)])
def test_answer_lost_after_create_is_billed_once(cloud: StandIn, mode: str, raised: type[Exception]) -> None:
    cloud.configure(lose_answers=[1], lose_mode=mode, render_seconds=0.5)
    with cloud.client(timeout=(2, 5)) as client, pytest.raises(raised):
        client.create_avatar_video(short_request())
    assert_billed_once_and_completes(cloud, mode)


# ---------------------------------------------------------------------- uploads and control

def test_upload_then_put_serves_the_asset_usable_as_audio(cloud: StandIn) -> None:
    sound = requests.get(get(cloud, "voices").json()["data"]["voices"][0]["audio_url"], timeout=10).content
    with cloud.client() as client:
        asset = client.upload_asset("line.mp3", sound, "audio/mpeg")
        assert client.download(asset.asset_url) == sound
        video_id = client.create_avatar_video(short_request(script=None, audio_url=asset.asset_url))
    assert cloud.creates()[0]["video_id"] == video_id
    wrong_type = requests.put(asset.sign_url, data=b"x", headers={"Content-Type": "audio/wav"}, timeout=10)
    assert wrong_type.status_code == 403
    too_big = requests.post(f"{cloud.v2}/upload/asset", headers=cloud.headers(), timeout=10, json={
        "filename": "a.mp3", "content_type": "audio/mpeg", "file_size": contract.UPLOAD_LIMITS_BYTES["audio"] + 1})
    assert too_big.json()["code"] == contract.Code.PARAMETER_ERROR and "file_size" in too_big.json()["msg"]


def test_reset_forgets_everything_and_restores_the_start(cloud: StandIn) -> None:
    cloud.configure(quota=5, lose_answers=[3], link_ttl=2)
    post_create(cloud)
    cloud.reset()
    state = cloud.state()
    assert (state["creates"], state["videos"], state["posts_in_window"]) == ([], [], 0)
    assert state["remaining_quota"] == StandInConfig.quota
    assert state["config"]["lose_answers"] == [] and state["config"]["link_ttl"] is None
    with pytest.raises(RuntimeError, match="unknown settings"):
        cloud.configure(progress=True)


def test_key_never_shows_in_repr(cloud: StandIn) -> None:
    assert cloud.api_key not in repr(cloud)
