"""`client.videos`, `.avatars`, `.voices`, `.webhooks`, `.assets` reach the same endpoints as the flat methods.

Run against the real engine (the session `engine` fixture); each call's requests are recorded at `_call`.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lib.joggai import CreateVideoRequest, JoggAIClient
from tests.engine_process import EngineProcess

pytestmark = pytest.mark.timeout(120)

VOICE = "en-US-ChristopherNeural"
# Rejected by the engine before anything renders: the namespace and the flat call cost nothing.
UNRENDERABLE = CreateVideoRequest(avatar_id=81, voice_id=VOICE, script="Hi.", aspect_ratio="widescreen")


def silent_wav(seconds: float = 0.1, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


class Recorder:
    """Wraps a client's `_call` and keeps (method, path, params, json_body) of every API request."""

    def __init__(self, client: JoggAIClient) -> None:
        self.calls: list[tuple[str, str, Any, Any]] = []
        self._real = client._call

    def __call__(self, method: str, path: str, **options: Any) -> Any:
        self.calls.append((method, path, options.get("params"), options.get("json_body")))
        return self._real(method, path, **options)

    def run(self, action: Callable[[], Any]) -> tuple[list[tuple[str, str, Any, Any]], Any]:
        """The requests `action` sent (sorted: catalog pages are fetched concurrently) and its outcome."""
        self.calls = []
        try:
            outcome: Any = action()
        except Exception as exc:  # noqa: BLE001 - the error itself is the outcome to compare
            outcome = (type(exc), str(exc))
        return sorted(self.calls, key=repr), outcome


@pytest.fixture
def recorded(engine: EngineProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[JoggAIClient, Recorder]]:
    with JoggAIClient(engine.base_url, engine.api_key, max_retries=0) as client:
        recorder = Recorder(client)
        monkeypatch.setattr(client, "_call", recorder)
        yield client, recorder


CASES: dict[str, tuple[Callable[[JoggAIClient], Any], Callable[[JoggAIClient], Any]]] = {
    "videos.create": (lambda c: c.create_avatar_video(UNRENDERABLE, idempotency_key="ns-1"),
                      lambda c: c.videos.create(UNRENDERABLE, idempotency_key="ns-1")),
    "videos.get": (lambda c: c.get_avatar_video("no-such-video"), lambda c: c.videos.get("no-such-video")),
    "videos.wait": (lambda c: c.wait_for_video("no-such-video", poll_interval=0, timeout=0),
                    lambda c: c.videos.wait("no-such-video", poll_interval=0, timeout=0)),
    "avatars.list": (lambda c: c.list_public_avatars(page=2, page_size=5, aspect_ratio="square"),
                     lambda c: c.avatars.list(page=2, page_size=5, aspect_ratio="square")),
    "avatars.all": (lambda c: c.all_public_avatars(page_size=50, max_workers=2),
                    lambda c: c.avatars.all(page_size=50, max_workers=2)),
    "avatars.custom": (lambda c: c.list_custom_avatars(page_size=5), lambda c: c.avatars.custom(page_size=5)),
    "voices.list": (lambda c: c.list_voices(page=1, page_size=5, language="english"),
                    lambda c: c.voices.list(page=1, page_size=5, language="english")),
    "voices.all": (lambda c: c.all_voices(page_size=100), lambda c: c.voices.all(page_size=100)),
    "voices.custom": (lambda c: c.list_custom_voices(page_size=5), lambda c: c.voices.custom(page_size=5)),
    "webhooks.list": (lambda c: c.list_webhook_endpoints(), lambda c: c.webhooks.list()),
    "webhooks.events": (lambda c: c.list_webhook_events(), lambda c: c.webhooks.events()),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_namespace_method_sends_what_the_flat_one_sends(name: str, recorded: tuple[JoggAIClient, Recorder]) -> None:
    client, recorder = recorded
    flat, namespaced = CASES[name]
    flat_calls, flat_outcome = recorder.run(lambda: flat(client))
    ns_calls, ns_outcome = recorder.run(lambda: namespaced(client))
    assert flat_calls, name
    assert ns_calls == flat_calls
    assert ns_outcome == flat_outcome


def test_assets_upload_is_upload_asset(recorded: tuple[JoggAIClient, Recorder]) -> None:
    client, recorder = recorded
    data = silent_wav()
    flat_calls, flat_asset = recorder.run(lambda: client.upload_asset("quiet.wav", data, "audio/wav"))
    progress: list[int] = []
    ns_calls, ns_asset = recorder.run(lambda: client.assets.upload(
        "quiet.wav", data, "audio/wav", on_progress=lambda sent, total: progress.append(sent)))
    assert ns_calls == flat_calls == [("POST", "upload/asset", None,
                                       {"filename": "quiet.wav", "content_type": "audio/wav",
                                        "file_size": len(data)})]
    assert progress[0] == 0 and progress[-1] == len(data)
    assert client.download(ns_asset.asset_url) == client.download(flat_asset.asset_url) == data


def test_webhooks_add_update_delete_are_the_endpoint_calls(recorded: tuple[JoggAIClient, Recorder]) -> None:
    client, recorder = recorded
    url = "http://127.0.0.1:9/hooks/namespaces"
    events = ["generated_avatar_video_success"]

    def shape(calls: list[tuple[str, str, Any, Any]], endpoint_id: str) -> list[tuple[str, str, Any, Any]]:
        return [(m, p.replace(endpoint_id, "<id>"), q, b) for m, p, q, b in calls]

    flat_add, flat = recorder.run(lambda: client.add_webhook_endpoint(url, events))
    ns_add, ns = recorder.run(lambda: client.webhooks.add(url, events))
    assert ns_add == flat_add and (ns.url, ns.events, ns.status) == (flat.url, flat.events, flat.status)

    flat_update, flat_changed = recorder.run(lambda: client.update_webhook_endpoint(flat.endpoint_id, status="disabled"))
    ns_update, ns_changed = recorder.run(lambda: client.webhooks.update(ns.endpoint_id, status="disabled"))
    assert shape(ns_update, ns.endpoint_id) == shape(flat_update, flat.endpoint_id)
    assert ns_changed.status == flat_changed.status == "disabled"

    flat_delete, _ = recorder.run(lambda: client.delete_webhook_endpoint(flat.endpoint_id))
    ns_delete, _ = recorder.run(lambda: client.webhooks.delete(ns.endpoint_id))
    assert shape(ns_delete, ns.endpoint_id) == shape(flat_delete, flat.endpoint_id)
    remaining = {endpoint.endpoint_id for endpoint in client.webhooks.list()}
    assert not remaining & {flat.endpoint_id, ns.endpoint_id}


def test_namespaces_are_views_of_one_client(engine: EngineProcess) -> None:
    with JoggAIClient(engine.base_url, engine.api_key) as client:
        assert client.videos is client.videos
        assert engine.api_key not in repr(client.webhooks)
