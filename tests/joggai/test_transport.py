"""The client against a scripted loopback server: retries, error mapping, leaks, odd answers."""

from __future__ import annotations

import json
import socket
import struct
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from lib.joggai import CreateVideoRequest, JoggAIClient, VideoStatus, errors
from tests.joggai.scripted_server import Reply, ScriptedServer, fail, ok

pytestmark = pytest.mark.timeout(30)

KEY = "sk-test-7f3a9c1e5b2d4680"
WHOAMI = "/v2/user/whoami"
USER = {"email": "ada@example.com", "username": "ada"}


@pytest.fixture(scope="module")
def server() -> Iterator[ScriptedServer]:
    running = ScriptedServer().start()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _fresh_script(server: ScriptedServer) -> None:
    server.reset()


def make_client(server: ScriptedServer, **kwargs: object) -> JoggAIClient:
    """A client with near-zero backoff so retry tests stay fast."""
    options: dict[str, object] = {"max_retries": 3, "backoff_factor": 0.01, "backoff_jitter": 0.01}
    options.update(kwargs)
    return JoggAIClient(server.base_url, KEY, **options)  # type: ignore[arg-type]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- retries ---------------------------------------------------------------------------------------


def test_get_retries_after_429_honouring_retry_after(server: ScriptedServer) -> None:
    server.script("GET", WHOAMI, fail(429, 429, "slow down", headers={"Retry-After": "1"}), ok(USER))
    user = make_client(server).whoami()
    assert user.email == "ada@example.com"
    assert len(server.hits_on("GET", WHOAMI)) == 2


def test_retry_after_is_capped(server: ScriptedServer) -> None:
    # Uncapped, this would sleep an hour and trip the test timeout.
    server.script("GET", WHOAMI, fail(429, 429, "slow down", headers={"Retry-After": "3600"}), ok(USER))
    assert make_client(server, retry_after_max=0.05).whoami().username == "ada"
    assert len(server.hits_on("GET", WHOAMI)) == 2


def test_unreadable_retry_after_falls_back_to_backoff(server: ScriptedServer) -> None:
    server.script("GET", WHOAMI, fail(503, 50000, "busy", headers={"Retry-After": "soon-ish"}), ok(USER))
    assert make_client(server).whoami().username == "ada"
    assert len(server.hits_on("GET", WHOAMI)) == 2


def test_get_retries_500_500_then_succeeds(server: ScriptedServer) -> None:
    server.script("GET", WHOAMI, fail(500, 50000, "oops"), fail(500, 50000, "oops"), ok(USER))
    assert make_client(server).whoami().email == "ada@example.com"
    assert len(server.hits_on("GET", WHOAMI)) == 3


def test_get_gives_up_after_max_retries_with_the_last_answer(server: ScriptedServer) -> None:
    server.script("GET", WHOAMI, fail(503, 50000, "still down", headers={"x-request-id": "req-9"}))
    with pytest.raises(errors.ServerError) as caught:
        make_client(server, max_retries=2).whoami()
    assert len(server.hits_on("GET", WHOAMI)) == 3
    assert caught.value.http_status == 503
    assert caught.value.code == 50000
    assert caught.value.request_id == "req-9"
    assert "still down" in str(caught.value)


def test_get_rate_limit_exhausted_reports_retry_after(server: ScriptedServer) -> None:
    server.script("GET", WHOAMI, fail(429, 429, "too many", headers={"Retry-After": "0"}))
    with pytest.raises(errors.RateLimitError) as caught:
        make_client(server, max_retries=1).whoami()
    assert caught.value.retry_after == 0.0
    assert len(server.hits_on("GET", WHOAMI)) == 2


def test_post_500_is_not_retried(server: ScriptedServer) -> None:
    server.script("POST", "/v2/create_video_from_avatar", fail(500, 50000, "boom"), ok({"video_id": "v1"}))
    request = CreateVideoRequest(avatar_id=81, voice_id="en-US-ChristopherNeural", script="Hello there.")
    with pytest.raises(errors.ServerError):
        make_client(server).create_avatar_video(request)
    assert len(server.hits_on("POST", "/v2/create_video_from_avatar")) == 1


def test_post_429_is_not_retried_and_reads_retry_after_from_envelope(server: ScriptedServer) -> None:
    server.script(
        "POST",
        "/v2/create_video_from_avatar",
        Reply(429, {"code": 429, "msg": "rate limited", "data": {"retryAfter": 12}}),
    )
    request = CreateVideoRequest(avatar_id=81, voice_id="v", script="Hi.")
    with pytest.raises(errors.RateLimitError) as caught:
        make_client(server).create_avatar_video(request)
    assert caught.value.retry_after == 12.0
    assert len(server.hits_on("POST", "/v2/create_video_from_avatar")) == 1


def test_connection_refused_is_a_connection_error() -> None:
    client = JoggAIClient(f"http://127.0.0.1:{closed_port()}", KEY, max_retries=1, backoff_factor=0.01)
    with pytest.raises(errors.ConnectionError) as caught:
        client.whoami()
    assert isinstance(caught.value, errors.TransportError)
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)


def test_connection_refused_on_post_is_a_connection_error() -> None:
    client = JoggAIClient(f"http://127.0.0.1:{closed_port()}", KEY, max_retries=1, backoff_factor=0.01)
    with pytest.raises(errors.ConnectionError):
        client.create_avatar_video(CreateVideoRequest(avatar_id=1, voice_id="v", script="Hi."))


def test_read_timeout_is_a_timeout_error(server: ScriptedServer) -> None:
    server.script("GET", WHOAMI, Reply(200, {"code": 0, "msg": "ok", "data": USER}, delay=1.0))
    with pytest.raises(errors.TimeoutError):
        make_client(server, timeout=(2.0, 0.3), max_retries=0).whoami()


def test_read_timeout_after_get_retries_is_still_a_timeout_error(server: ScriptedServer) -> None:
    server.script("GET", WHOAMI, Reply(200, {"code": 0, "msg": "ok", "data": USER}, delay=0.8))
    with pytest.raises(errors.TimeoutError):
        make_client(server, timeout=(2.0, 0.3), max_retries=1).whoami()
    assert len(server.hits_on("GET", WHOAMI)) == 2


def test_read_timeout_on_post_is_not_retried(server: ScriptedServer) -> None:
    path = "/v2/create_video_from_avatar"
    server.script("POST", path, Reply(200, {"code": 0, "msg": "ok", "data": {"video_id": "v"}}, delay=0.8))
    with pytest.raises(errors.TimeoutError):
        make_client(server, timeout=(2.0, 0.3)).create_avatar_video(
            CreateVideoRequest(avatar_id=1, voice_id="v", script="Hi.")
        )
    assert len(server.hits_on("POST", path)) == 1


# -- error mapping ---------------------------------------------------------------------------------


@pytest.mark.parametrize("http_status", [200, 401])
def test_invalid_key_is_an_authentication_error_with_either_status(
    server: ScriptedServer, http_status: int
) -> None:
    server.script("GET", WHOAMI, fail(http_status, 10105, "invalid api key"))
    with pytest.raises(errors.AuthenticationError) as caught:
        make_client(server).whoami()
    assert caught.value.code == 10105
    assert caught.value.http_status == http_status
    assert len(server.hits_on("GET", WHOAMI)) == 1


@pytest.mark.parametrize(
    ("http_status", "code", "error_class"),
    [
        (404, 10104, errors.NotFoundError),
        (402, 18020, errors.InsufficientCreditError),
        (403, 18025, errors.PermissionDeniedError),
        (200, 18025, errors.PermissionDeniedError),
        (400, 40000, errors.InvalidRequestError),
        (418, 77777, errors.APIError),
        (404, 0, errors.NotFoundError),  # code 0 with a failing status: the status decides
        (401, 0, errors.AuthenticationError),
    ],
)
def test_codes_and_statuses_map_to_error_classes(
    server: ScriptedServer, http_status: int, code: int, error_class: type[errors.APIError]
) -> None:
    server.script("GET", "/v2/avatar_video/abc", fail(http_status, code, "nope"))
    with pytest.raises(error_class) as caught:
        make_client(server).get_avatar_video("abc")
    assert type(caught.value) is error_class
    assert caught.value.http_status == http_status


def test_parameter_error_names_the_parameter_and_keeps_the_request_id(server: ScriptedServer) -> None:
    message = '40000 Parameter error: voice.script is required when voice.type is "script"'
    server.script(
        "POST", "/v2/create_video_from_avatar", fail(400, 40000, message, headers={"X-Request-Id": "r-123"})
    )
    with pytest.raises(errors.InvalidRequestError) as caught:
        make_client(server).create_avatar_video(CreateVideoRequest(avatar_id=81, voice_id="v", script="x"))
    assert caught.value.param == "voice.script"
    assert caught.value.request_id == "r-123"
    assert caught.value.message == message
    assert caught.value.body == {"code": 40000, "msg": message, "data": None}


def test_malformed_json_is_a_malformed_response(server: ScriptedServer) -> None:
    server.script("GET", WHOAMI, Reply(200, b'{"code": 0, "msg": "ok", "data": {'))
    with pytest.raises(errors.MalformedResponseError):
        make_client(server).whoami()


def test_json_without_envelope_is_a_malformed_response(server: ScriptedServer) -> None:
    server.script("GET", WHOAMI, Reply(200, {"email": "ada@example.com"}))
    with pytest.raises(errors.MalformedResponseError):
        make_client(server).whoami()


def test_envelope_with_wrong_data_shape_is_a_malformed_response(server: ScriptedServer) -> None:
    server.script("GET", WHOAMI, ok(["not", "an", "object"]))
    with pytest.raises(errors.MalformedResponseError):
        make_client(server).whoami()


def test_html_page_with_200_is_a_malformed_response(server: ScriptedServer) -> None:
    server.script("GET", WHOAMI, Reply(200, "<html><body>Welcome to nginx!</body></html>"))
    with pytest.raises(errors.MalformedResponseError) as caught:
        make_client(server).whoami()
    assert "text/html" in str(caught.value)


def test_html_gateway_error_is_a_server_error_after_retries(server: ScriptedServer) -> None:
    server.script("GET", WHOAMI, Reply(502, "<html><body><h1>502 Bad Gateway</h1></body></html>"))
    with pytest.raises(errors.ServerError) as caught:
        make_client(server, max_retries=1).whoami()
    assert caught.value.http_status == 502
    assert caught.value.code is None
    assert "Bad Gateway" in caught.value.body
    assert len(server.hits_on("GET", WHOAMI)) == 2


def test_html_404_means_the_base_url_is_wrong(server: ScriptedServer) -> None:
    with pytest.raises(errors.MalformedResponseError) as caught:
        make_client(server).whoami()  # nothing scripted: the server answers an HTML 404
    assert caught.value.http_status == 404
    assert "base URL" in str(caught.value)


def test_redirects_are_not_followed_so_the_key_stays_home(server: ScriptedServer) -> None:
    server.script("GET", WHOAMI, Reply(302, "", headers={"Location": server.base_url + "/elsewhere"}))
    server.script("GET", "/elsewhere", ok(USER))
    with pytest.raises(errors.MalformedResponseError):
        make_client(server).whoami()
    assert server.hits_on("GET", "/elsewhere") == []


# -- the key stays secret --------------------------------------------------------------------------


def test_the_key_is_sent_as_x_api_key_with_user_agent(server: ScriptedServer) -> None:
    server.script("GET", WHOAMI, ok(USER))
    make_client(server, user_agent="AvatarStudio/test").whoami()
    (hit,) = server.hits_on("GET", WHOAMI)
    assert hit.headers["x-api-key"] == KEY
    assert hit.headers["user-agent"] == "AvatarStudio/test"
    assert hit.headers["accept"] == "application/json"


@pytest.mark.parametrize("key", [KEY, 'sk-with"quote\\and-backslash'])
def test_an_echoed_key_is_redacted_from_errors(server: ScriptedServer, key: str) -> None:
    # The second key is escaped in the JSON text, so only redacting the parsed values catches it.
    server.script("GET", WHOAMI, fail(401, 10105, f"api key {key} is not valid"))
    with pytest.raises(errors.AuthenticationError) as caught:
        JoggAIClient(server.base_url, key).whoami()
    error = caught.value
    for text in (str(error), repr(error), error.message, str(error.body)):
        assert key not in text
    assert "[redacted]" in error.message


def test_a_numeric_string_code_is_still_an_envelope(server: ScriptedServer) -> None:
    server.script("GET", WHOAMI, Reply(200, {"code": "0", "msg": "ok", "data": USER}))
    assert make_client(server).whoami().username == "ada"
    server.script(
        "GET", "/v2/avatar_video/x", Reply(200, {"code": "10104", "msg": "no such video", "data": None})
    )
    with pytest.raises(errors.NotFoundError):
        make_client(server).get_avatar_video("x")


def test_client_repr_does_not_show_the_key(server: ScriptedServer) -> None:
    client = make_client(server)
    assert KEY not in repr(client)
    assert KEY not in str(client)


def test_a_key_that_cannot_be_a_header_is_rejected_without_echoing_it(server: ScriptedServer) -> None:
    bad_key = "sk-live-abc\r\nX-Evil: 1"
    with pytest.raises(ValueError) as caught:
        JoggAIClient(server.base_url, bad_key)
    assert "sk-live-abc" not in str(caught.value)


def test_an_empty_key_sends_no_key_header(server: ScriptedServer) -> None:
    server.script("GET", WHOAMI, fail(401, 10105, "missing api key"))
    with pytest.raises(errors.AuthenticationError):
        JoggAIClient(server.base_url, "").whoami()
    (hit,) = server.hits_on("GET", WHOAMI)
    assert "x-api-key" not in hit.headers


# -- URLs, parameters, models ----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/", "/v2", "/v2/"])
def test_base_url_with_or_without_v2(server: ScriptedServer, suffix: str) -> None:
    server.script("GET", WHOAMI, ok(USER))
    client = JoggAIClient(server.base_url + suffix, KEY)
    assert client.base_url == server.base_url + "/v2"
    assert client.whoami().username == "ada"


def test_timeout_is_connect_and_read(server: ScriptedServer) -> None:
    assert JoggAIClient(server.base_url, KEY).timeout == (3.05, 15.0)
    assert JoggAIClient(server.base_url, KEY, timeout=2).timeout == (2.0, 2.0)
    assert JoggAIClient(server.base_url, KEY, timeout=(1, 4.5)).timeout == (1.0, 4.5)


@pytest.mark.parametrize("bad", ["", "api.jogg.ai", "ftp://api.jogg.ai", "https://api.jogg.ai/v2?x=1"])
def test_base_url_must_be_http(bad: str) -> None:
    with pytest.raises(ValueError):
        JoggAIClient(bad, KEY)


def test_empty_filters_are_not_sent_and_aspect_ratio_index_becomes_its_name(server: ScriptedServer) -> None:
    server.script("GET", "/v2/avatars/public", ok({"avatars": []}))
    make_client(server).list_public_avatars(page=2, page_size=5, gender="", style=None, aspect_ratio=2)
    (hit,) = server.hits_on("GET", "/v2/avatars/public")
    query = hit.path.split("?", 1)[1]
    assert sorted(query.split("&")) == ["aspect_ratio=square", "page=2", "page_size=5"]


def test_unknown_fields_are_ignored_and_kept_raw(server: ScriptedServer) -> None:
    avatar = {
        "id": 81,
        "name": "Mia",
        "cover_url": "http://x/c.jpg",
        "video_url": "http://x/p.mp4",
        "aspect_ratio": 0,
        "style": "professional",
        "gender": "female",
        "age": "adult",
        "brand_new_field": {"nested": True},
    }
    server.script("GET", "/v2/avatars/public", ok({"avatars": [avatar], "total_hint": 1}))
    (parsed,) = make_client(server).list_public_avatars()
    assert (parsed.id, parsed.name, parsed.aspect_ratio, parsed.aspect_ratio_name) == (
        81,
        "Mia",
        0,
        "portrait",
    )
    assert parsed.scene is None
    assert parsed.raw["brand_new_field"] == {"nested": True}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("success", VideoStatus.COMPLETED),
        ("succeeded", VideoStatus.COMPLETED),
        ("fail", VideoStatus.FAILED),
        ("error", VideoStatus.FAILED),
        ("Cancelled", VideoStatus.FAILED),
        ("canceled", VideoStatus.FAILED),
        ("processing", VideoStatus.PROCESSING),
        ("pending", VideoStatus.PENDING),
    ],
)
def test_status_aliases(server: ScriptedServer, status: str, expected: VideoStatus) -> None:
    server.script(
        "GET", "/v2/avatar_video/v-1", ok({"video_id": "v-1", "status": status, "created_at": 1700000000})
    )
    job = make_client(server).get_avatar_video("v-1")
    assert job.status is expected
    assert job.created_at == 1700000000


def test_unknown_status_is_a_malformed_response(server: ScriptedServer) -> None:
    server.script("GET", "/v2/avatar_video/v-2", ok({"video_id": "v-2", "status": "teleporting"}))
    with pytest.raises(errors.MalformedResponseError):
        make_client(server).get_avatar_video("v-2")


def test_numeric_video_id_comes_back_as_a_string(server: ScriptedServer) -> None:
    server.script("POST", "/v2/create_video_from_avatar", ok({"video_id": 12345}))
    video_id = make_client(server).create_avatar_video(
        CreateVideoRequest(avatar_id=1, voice_id="v", script="Hi.")
    )
    assert video_id == "12345"


def test_create_sends_the_nested_body_and_idempotency_key(server: ScriptedServer) -> None:
    path = "/v2/create_video_from_avatar"
    server.script("POST", path, ok({"video_id": "v-9"}))
    request = CreateVideoRequest(
        avatar_id=81, voice_id="en-US-ChristopherNeural", script="Hello!", caption=True
    )
    assert make_client(server).create_avatar_video(request, idempotency_key="idem-1") == "v-9"
    (hit,) = server.hits_on("POST", path)
    assert hit.headers["idempotency-key"] == "idem-1"
    assert hit.headers["content-type"] == "application/json"
    assert json.loads(hit.body) == request.to_payload()


def test_all_public_avatars_stops_when_the_server_ignores_page(server: ScriptedServer) -> None:
    same_page = [{"id": 1, "name": "A"}, {"id": 2, "name": "B"}]
    server.script("GET", "/v2/avatars/public", ok({"avatars": same_page}))
    avatars = make_client(server).all_public_avatars(page_size=2, max_workers=3)
    assert [avatar.id for avatar in avatars] == [1, 2]
    assert len(server.hits_on("GET", "/v2/avatars/public")) <= 3


def test_voice_page_without_has_more_uses_the_full_page_rule(server: ScriptedServer) -> None:
    server.script("GET", "/v2/voices", ok({"voices": [{"voice_id": "a"}, {"voice_id": "b"}]}))
    page = make_client(server).list_voices(page_size=2)
    assert page.has_more is True
    assert [voice.voice_id for voice in page.voices] == ["a", "b"]
    assert page.voices[0].name == "a"  # a voice without a name is shown by its id


def test_update_webhook_fills_missing_fields_from_the_current_endpoint(server: ScriptedServer) -> None:
    current = {
        "endpoint_id": "wh_1",
        "url": "https://a.example/hook",
        "secret": "whsec_x",
        "status": "enabled",
        "events": ["generated_avatar_video_success"],
        "username": "ada",
    }
    server.script("GET", "/v2/endpoints", ok({"endpoints": [current]}))
    server.script("PUT", "/v2/endpoint/wh_1", ok({**current, "status": "disabled"}))
    updated = make_client(server).update_webhook_endpoint("wh_1", status="disabled")
    assert updated.status == "disabled"
    assert "whsec_x" not in repr(updated)
    (hit,) = server.hits_on("PUT", "/v2/endpoint/wh_1")
    assert json.loads(hit.body) == {"url": current["url"], "events": current["events"], "status": "disabled"}


# -- upload ----------------------------------------------------------------------------------------


def test_upload_puts_the_bytes_without_the_key_and_reports_progress(server: ScriptedServer) -> None:
    sign_url = server.base_url + "/signed/put/abc?sig=1"
    server.script(
        "POST", "/v2/upload/asset", ok({"sign_url": sign_url, "asset_url": server.base_url + "/a/abc"})
    )
    server.script("PUT", "/signed/put/abc", Reply(200, b""))
    data = bytes(range(256)) * 1000  # 256 kB: several chunks
    progress: list[tuple[int, int]] = []
    asset = make_client(server).upload_asset(
        "voice.wav", data, "audio/wav", on_progress=lambda s, t: progress.append((s, t))
    )
    assert asset.asset_url == server.base_url + "/a/abc"
    (step1,) = server.hits_on("POST", "/v2/upload/asset")
    assert json.loads(step1.body) == {
        "filename": "voice.wav",
        "content_type": "audio/wav",
        "file_size": len(data),
    }
    (step2,) = server.hits_on("PUT", "/signed/put/abc")
    assert "x-api-key" not in step2.headers
    assert step2.headers["content-type"] == "audio/wav"
    assert step2.headers["content-length"] == str(len(data))
    assert "transfer-encoding" not in step2.headers
    assert step2.body == data
    sent = [s for s, _ in progress]
    assert sent == sorted(sent) and sent[0] == 0 and sent[-1] == len(data) and len(sent) > 2
    assert {t for _, t in progress} == {len(data)}


def test_upload_to_a_rejecting_signed_url_raises(server: ScriptedServer) -> None:
    server.script("POST", "/v2/upload/asset", ok({"sign_url": "/signed/put/x", "asset_url": "/a/x"}))
    server.script("PUT", "/signed/put/x", Reply(403, "<Error><Code>SignatureDoesNotMatch</Code></Error>"))
    with pytest.raises(errors.PermissionDeniedError) as caught:
        make_client(server).upload_asset("a.mp3", b"ID3", "audio/mpeg")
    assert caught.value.http_status == 403


def test_download_fetches_without_the_key_and_enforces_a_size_cap(server: ScriptedServer) -> None:
    server.script("GET", "/media/v/abc/video.mp4", Reply(200, b"\x00" * 5000))
    client = make_client(server)
    assert client.download("/media/v/abc/video.mp4") == b"\x00" * 5000
    (hit,) = server.hits_on("GET", "/media/v/abc/video.mp4")
    assert "x-api-key" not in hit.headers
    with pytest.raises(errors.InvalidRequestError):
        client.download(server.base_url + "/media/v/abc/video.mp4", max_bytes=1000)
    with pytest.raises(errors.NotFoundError):
        client.download(server.base_url + "/media/v/missing.mp4")


# -- polling and threads ---------------------------------------------------------------------------


def test_wait_for_video_polls_until_terminal(server: ScriptedServer) -> None:
    path = "/v2/avatar_video/v-7"
    server.script(
        "GET",
        path,
        ok({"video_id": "v-7", "status": "pending"}),
        ok({"video_id": "v-7", "status": "processing", "progress": 50}),
        ok({"video_id": "v-7", "status": "success", "video_url": "http://x/v.mp4"}),
    )
    seen: list[VideoStatus] = []
    job = make_client(server).wait_for_video(
        "v-7", poll_interval=0, on_update=lambda j: seen.append(j.status)
    )
    assert job.status is VideoStatus.COMPLETED and job.video_url == "http://x/v.mp4"
    assert seen == [VideoStatus.PENDING, VideoStatus.PROCESSING, VideoStatus.COMPLETED]
    assert len(server.hits_on("GET", path)) == 3


def test_wait_for_video_returns_the_last_state_at_the_deadline(server: ScriptedServer) -> None:
    server.script("GET", "/v2/avatar_video/v-8", ok({"video_id": "v-8", "status": "processing"}))
    job = make_client(server).wait_for_video("v-8", poll_interval=0.01, timeout=0)
    assert job.status is VideoStatus.PROCESSING and not job.status.is_terminal


def test_one_client_serves_many_threads(server: ScriptedServer) -> None:
    server.script("GET", WHOAMI, ok(USER))
    client = make_client(server)
    with ThreadPoolExecutor(max_workers=8) as pool:
        users = list(pool.map(lambda _: client.whoami(), range(40)))
    assert {user.username for user in users} == {"ada"}
    assert len(server.hits_on("GET", WHOAMI)) == 40
    client.close()


def test_an_out_of_range_aspect_ratio_index_is_refused_before_sending(server: ScriptedServer) -> None:
    with pytest.raises(ValueError):
        make_client(server).list_public_avatars(aspect_ratio=7)
    assert server.hits == []


# -- did the request leave? (a create whose answer was lost may have made a billed video) ------------


def test_a_refused_connection_says_nothing_was_sent() -> None:
    client = JoggAIClient(f"http://127.0.0.1:{closed_port()}", KEY, max_retries=0)
    with pytest.raises(errors.ConnectionError) as caught:
        client.create_avatar_video(CreateVideoRequest(avatar_id=1, voice_id="v", script="Hi."))
    assert caught.value.request_sent is False


def test_a_read_timeout_on_post_says_the_request_may_have_arrived(server: ScriptedServer) -> None:
    path = "/v2/create_video_from_avatar"
    server.script("POST", path, Reply(200, {"code": 0, "msg": "ok", "data": {"video_id": "v"}}, delay=0.8))
    with pytest.raises(errors.TimeoutError) as caught:
        make_client(server, timeout=(2.0, 0.3)).create_avatar_video(
            CreateVideoRequest(avatar_id=1, voice_id="v", script="Hi.")
        )
    assert caught.value.request_sent is True
    assert len(server.hits_on("POST", path)) == 1


def test_a_connection_reset_after_the_post_arrived_is_not_retried_and_may_have_arrived() -> None:
    """The server reads the whole request, then drops the connection without answering."""
    received: list[bytes] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(1)  # after the error, a retry would have a second to arrive

    def serve() -> None:
        try:
            while True:
                conn, _ = listener.accept()
                with conn:
                    conn.settimeout(2)
                    data = b""
                    while b"\r\n\r\n" not in data:
                        data += conn.recv(65536)
                    head, _, body = data.partition(b"\r\n\r\n")
                    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length"))
                    while len(body) < length:
                        body += conn.recv(65536)
                    received.append(body)
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
        except OSError:
            return

    with ThreadPoolExecutor(1) as pool:
        pool.submit(serve)
        client = JoggAIClient(f"http://127.0.0.1:{listener.getsockname()[1]}", KEY, max_retries=3,
                              backoff_factor=0.01)
        with pytest.raises(errors.ConnectionError) as caught:
            client.create_avatar_video(CreateVideoRequest(avatar_id=1, voice_id="v", script="Hi."))
    listener.close()
    assert caught.value.request_sent is True
    assert len(received) == 1  # the POST went out once and was not sent again
