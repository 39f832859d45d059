"""`JoggAIClient`: one method per JoggAI v2 operation, for the cloud and the local engine alike.

Each method builds its request, sends it through `Transport` (lib/joggai/transport.py: sessions,
retries, the envelope check, errors, key redaction) and hands the answer to the models
(lib/joggai/models.py); AI script calls come from `AiScriptCalls`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import Any
from urllib.parse import quote, urljoin

from lib.joggai import contract, errors
from lib.joggai.ai_script_calls import AiScriptCalls
from lib.joggai.contract import IDEMPOTENCY_HEADER, Pronunciation
from lib.joggai.models import (
    ASPECT_RATIOS,
    Avatar,
    CreateVideoRequest,
    CustomAvatar,
    SpeechPreview,
    UploadedAsset,
    UserInfo,
    VideoJob,
    Voice,
    VoicePage,
    WebhookEndpoint,
)
from lib.joggai.transport import DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, ProgressCallback, Transport

__all__ = ["DEFAULT_TIMEOUT", "DEFAULT_USER_AGENT", "JoggAIClient", "ProgressCallback"]

# A server that ignores `page` would otherwise be paged forever.
_MAX_CATALOG_PAGES = 1000


class JoggAIClient(Transport, AiScriptCalls):
    """A JoggAI v2 API client; safe to share between threads (each thread gets its own session).

    AI script calls (`create_ai_script`, `get_ai_script`, `wait_for_ai_script`) come from `AiScriptCalls`;
    the constructor, `close()` and the context manager come from `Transport`. The same calls are
    also grouped per resource, replicate-style: `client.videos`, `.avatars`, `.voices`, `.webhooks`,
    `.assets` (views over the methods below, nothing more).

    `base_url` may name the host (`https://api.jogg.ai`) or the API root (`.../v2`), with or
    without a trailing slash. `timeout` is `(connect, read)` seconds or one number for both.
    """

    @cached_property
    def videos(self) -> Videos:
        """`create`, `get`, `wait`: the same calls as `create_avatar_video`, `get_avatar_video`, `wait_for_video`."""
        return Videos(self)

    @cached_property
    def avatars(self) -> Avatars:
        """`list`, `all`, `custom`: `list_public_avatars`, `all_public_avatars`, `list_custom_avatars`."""
        return Avatars(self)

    @cached_property
    def voices(self) -> Voices:
        """`list`, `all`, `custom`: `list_voices`, `all_voices`, `list_custom_voices`."""
        return Voices(self)

    @cached_property
    def webhooks(self) -> Webhooks:
        """`list`, `add`, `update`, `delete`, `events`: the `*_webhook_endpoint(s)` calls and `list_webhook_events`."""
        return Webhooks(self)

    @cached_property
    def assets(self) -> Assets:
        """`upload`: the same call as `upload_asset`."""
        return Assets(self)

    def __repr__(self) -> str:
        return f"JoggAIClient(base_url={self.base_url!r}, api_key={'<set>' if self._api_key else '<empty>'})"

    # -- account ---------------------------------------------------------------------------------

    def whoami(self) -> UserInfo:
        """The account behind the key; the usual way to check that a key works."""
        return self._model(UserInfo.from_api, self._object(self._call("GET", "user/whoami")), "user")

    def remaining_quota(self) -> float:
        """The account's remaining API quota."""
        data = self._object(self._call("GET", "user/remaining_quota"))
        value = data.get("remaining_quota")
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise errors.MalformedResponseError("remaining_quota is missing or not a number", body=data)
        try:
            return float(value)
        except ValueError:
            raise errors.MalformedResponseError("remaining_quota is not a number", body=data) from None

    # -- catalogs --------------------------------------------------------------------------------

    def list_public_avatars(
        self,
        *,
        page: int = 1,
        page_size: int = 10,
        aspect_ratio: str | int | None = None,
        style: str | None = None,
        gender: str | None = None,
        age: str | None = None,
        scene: str | None = None,
        ethnicity: str | None = None,
    ) -> list[Avatar]:
        """One page of the public avatar catalog; a page past the end is an empty list.

        `aspect_ratio` filters by "portrait"/"landscape"/"square" (or 0/1/2); None or "" means no filter.
        """
        if isinstance(aspect_ratio, int) and not isinstance(aspect_ratio, bool):
            if not 0 <= aspect_ratio < len(ASPECT_RATIOS):
                raise ValueError("aspect_ratio must be 0 (portrait), 1 (landscape) or 2 (square)")
            aspect_ratio = ASPECT_RATIOS[aspect_ratio]
        params = {
            "page": page,
            "page_size": page_size,
            "aspect_ratio": aspect_ratio,
            "style": style,
            "gender": gender,
            "age": age,
            "scene": scene,
            "ethnicity": ethnicity,
        }
        data = self._object(self._call("GET", "avatars/public", params=params))
        return self._models(Avatar.from_api, data.get("avatars"), "avatars")

    def all_public_avatars(
        self, *, page_size: int = 100, max_workers: int = 4, **filters: Any
    ) -> list[Avatar]:
        """The whole public catalog with the given filters, in page order, without duplicates.

        The API gives no total, so pages are fetched `max_workers` at a time until a short page.
        """
        max_workers = max(1, int(max_workers))
        collected: list[Avatar] = []
        seen: set[int] = set()
        with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="joggai-catalog") as pool:
            for first_page in range(1, _MAX_CATALOG_PAGES + 1, max_workers):
                window = range(first_page, min(first_page + max_workers, _MAX_CATALOG_PAGES + 1))
                futures = [
                    pool.submit(self.list_public_avatars, page=page, page_size=page_size, **filters)
                    for page in window
                ]
                for future in futures:
                    avatars = future.result()
                    fresh = [avatar for avatar in avatars if avatar.id not in seen]
                    seen.update(avatar.id for avatar in fresh)
                    collected.extend(fresh)
                    # A repeated page means the server ignores `page`: stop rather than loop.
                    if len(avatars) < page_size or not fresh:
                        for pending in futures:
                            pending.cancel()
                        return collected
        return collected

    def list_custom_avatars(
        self, *, page: int = 1, page_size: int = 10, name: str | None = None, status: str | None = None
    ) -> list[CustomAvatar]:
        """One page of the user's own avatars; `name` searches, `status` is processing|completed|failed."""
        params = {"page": page, "page_size": page_size, "name": name, "status": status}
        data = self._object(self._call("GET", "avatars/custom", params=params))
        return self._models(CustomAvatar.from_api, data.get("avatars"), "avatars")

    def list_voices(
        self,
        *,
        page: int = 1,
        page_size: int = 10,
        gender: str | None = None,
        language: str | None = None,
        age: str | None = None,
        use_case: str | None = None,
    ) -> VoicePage:
        """One page of the voice catalog; None or "" filters mean no filter."""
        params = {
            "page": page,
            "page_size": page_size,
            "gender": gender,
            "language": language,
            "age": age,
            "use_case": use_case,
        }
        data = self._object(self._call("GET", "voices", params=params))
        voices = self._models(Voice.from_api, data.get("voices"), "voices")
        has_more = data.get("has_more")
        # Without has_more, fall back to the catalog rule: a full page may have a successor.
        return VoicePage(voices, has_more if isinstance(has_more, bool) else len(voices) >= page_size)

    def all_voices(self, *, page_size: int = 100, **filters: Any) -> list[Voice]:
        """Every voice matching the filters, following `has_more`, without duplicates."""
        collected: list[Voice] = []
        seen: set[str] = set()
        for page in range(1, _MAX_CATALOG_PAGES + 1):
            result = self.list_voices(page=page, page_size=page_size, **filters)
            fresh = [voice for voice in result.voices if voice.voice_id not in seen]
            seen.update(voice.voice_id for voice in fresh)
            collected.extend(fresh)
            if not result.has_more or not fresh:
                break
        return collected

    def list_custom_voices(
        self, *, page: int = 1, page_size: int = 10, language: str | None = None
    ) -> list[Voice]:
        """One page of the user's cloned voices."""
        params = {"page": page, "page_size": page_size, "language": language}
        data = self._object(self._call("GET", "voices/custom", params=params))
        return self._models(Voice.from_api, data.get("voices"), "voices")

    # -- videos ----------------------------------------------------------------------------------

    def create_avatar_video(self, request: CreateVideoRequest, *, idempotency_key: str | None = None) -> str:
        """Submit a render and return its video id.

        Not retried after the request was sent. Pass `idempotency_key` to make a caller's own retry
        safe: the local engine answers a repeated key with the first video id.
        """
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else None
        data = self._object(
            self._call("POST", "create_video_from_avatar", json_body=request.to_payload(), headers=headers)
        )
        video_id = data.get("video_id")
        if video_id is None or video_id == "" or isinstance(video_id, (dict, list, bool)):
            raise errors.MalformedResponseError(
                "create_video_from_avatar answered without a video_id", body=data
            )
        return str(video_id)

    def get_avatar_video(self, video_id: str) -> VideoJob:
        """The current state of a render."""
        data = self._object(self._call("GET", f"avatar_video/{quote(str(video_id), safe='')}"))
        return self._model(lambda raw: VideoJob.from_api(raw, video_id=str(video_id)), data, "avatar_video")

    def wait_for_video(
        self,
        video_id: str,
        *,
        poll_interval: float = 5.0,
        timeout: float = 900.0,
        on_update: Callable[[VideoJob], None] | None = None,
    ) -> VideoJob:
        """Poll until the render is completed or failed, or `timeout` seconds pass.

        Returns the last state seen; check `.status.is_terminal` to tell a finish from a timeout.
        Keep `poll_interval` at 5 s or more against the cloud.
        """
        deadline = time.monotonic() + timeout
        while True:
            job = self.get_avatar_video(video_id)
            if on_update is not None:
                on_update(job)
            if job.status.is_terminal or time.monotonic() >= deadline:
                return job
            time.sleep(max(0.0, min(poll_interval, deadline - time.monotonic())))

    # -- assets and previews ---------------------------------------------------------------------

    def upload_asset(
        self,
        filename: str,
        data: bytes,
        content_type: str,
        *,
        on_progress: ProgressCallback | None = None,
    ) -> UploadedAsset:
        """Upload a file in the API's two steps and return where it now lives.

        Step 1 asks `POST /v2/upload/asset` for a signed URL; step 2 PUTs the bytes there with the
        same Content-Type and *without* the API key. `on_progress(bytes_sent, total)` follows step 2.
        """
        body: dict[str, Any] = {"filename": filename, "content_type": content_type}
        if data:
            body["file_size"] = len(data)
        answer = self._object(self._call("POST", "upload/asset", json_body=body))
        sign_url, asset_url = answer.get("sign_url"), answer.get("asset_url")
        if not isinstance(sign_url, str) or not sign_url or not isinstance(asset_url, str) or not asset_url:
            raise errors.MalformedResponseError(
                "upload/asset answered without sign_url and asset_url", body=answer
            )
        # Some servers answer with a path; resolve it against the API's host.
        sign_url = urljoin(self.origin + "/", sign_url)
        asset_url = urljoin(self.origin + "/", asset_url)
        self._put_signed(sign_url, data, content_type, on_progress)
        return UploadedAsset(asset_url=asset_url, sign_url=sign_url)

    def speech_preview(self, voice_id: str, script: str,
                       pronunciations: Sequence[Pronunciation] = ()) -> SpeechPreview:
        """A WAV of `script` spoken by `voice_id` (local engine extension; the cloud has no such call),
        saying `pronunciations`' words as listed (as a video's `ext.pronunciations` would)."""
        body: dict[str, Any] = {"voice_id": voice_id, "script": script}
        if pronunciations:
            body[contract.EXT_PRONUNCIATIONS] = [entry.as_ext() for entry in pronunciations]
        data = self._object(self._call("POST", "ext/speech_preview", json_body=body))
        return self._model(SpeechPreview.from_api, data, "speech_preview")

    def download(self, url: str, *, max_bytes: int | None = None) -> bytes:
        """Fetch a result URL (video, cover, caption, sample) without the API key, as the cloud's links expect.

        Raises `InvalidRequestError` when the file is larger than `max_bytes`.
        """
        return self._fetch(urljoin(self.origin + "/", url), max_bytes)

    def engine_health(self) -> dict[str, Any]:
        """The local engine's `GET /healthz` data (no key needed); the cloud has no such route."""
        return self._object(self._health())

    # -- webhooks --------------------------------------------------------------------------------

    def list_webhook_endpoints(self) -> list[WebhookEndpoint]:
        """Every webhook endpoint registered for this account."""
        data = self._object(self._call("GET", "endpoints"))
        return self._models(WebhookEndpoint.from_api, data.get("endpoints"), "endpoints")

    def add_webhook_endpoint(
        self, url: str, events: Iterable[str], status: str = "enabled"
    ) -> WebhookEndpoint:
        """Register a receiver for `events`; the answer carries the signing secret."""
        body = {"url": url, "events": list(events), "status": status}
        return self._model(
            WebhookEndpoint.from_api, self._object(self._call("POST", "endpoint", json_body=body)), "endpoint"
        )

    def update_webhook_endpoint(
        self,
        endpoint_id: str,
        *,
        url: str | None = None,
        events: Iterable[str] | None = None,
        status: str | None = None,
    ) -> WebhookEndpoint:
        """Change an endpoint's url, events or status; fields left None keep their current value.

        The spec requires all three fields on update, so missing ones are read back first.
        """
        body: dict[str, Any] = {
            "url": url,
            "events": None if events is None else list(events),
            "status": status,
        }
        if any(value is None for value in body.values()):
            current = next(
                (ep for ep in self.list_webhook_endpoints() if ep.endpoint_id == str(endpoint_id)), None
            )
            if current is not None:
                body = {
                    "url": current.url if url is None else url,
                    "events": current.events if events is None else body["events"],
                    "status": current.status if status is None else status,
                }
        body = {key: value for key, value in body.items() if value is not None}
        path = f"endpoint/{quote(str(endpoint_id), safe='')}"
        return self._model(
            WebhookEndpoint.from_api, self._object(self._call("PUT", path, json_body=body)), "endpoint"
        )

    def delete_webhook_endpoint(self, endpoint_id: str) -> None:
        """Remove an endpoint; it stops receiving events at once."""
        self._call("DELETE", f"endpoint/{quote(str(endpoint_id), safe='')}")

    def list_webhook_events(self) -> list[str]:
        """Every event name an endpoint can subscribe to."""
        events = self._object(self._call("GET", "events")).get("events")
        if not isinstance(events, list):
            raise errors.MalformedResponseError("events answered without an events list")
        return [str(event) for event in events]

    # -- transport -------------------------------------------------------------------------------


# -- resource namespaces: thin views, so `client.videos.create(...)` is `client.create_avatar_video(...)` --


class _View:
    def __init__(self, client: JoggAIClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._client!r})"


class Videos(_View):
    """`client.videos`: renders."""

    def create(self, request: CreateVideoRequest, *, idempotency_key: str | None = None) -> str:
        """`JoggAIClient.create_avatar_video`."""
        return self._client.create_avatar_video(request, idempotency_key=idempotency_key)

    def get(self, video_id: str) -> VideoJob:
        """`JoggAIClient.get_avatar_video`."""
        return self._client.get_avatar_video(video_id)

    def wait(self, video_id: str, **options: Any) -> VideoJob:
        """`JoggAIClient.wait_for_video` (`poll_interval=`, `timeout=`, `on_update=`)."""
        return self._client.wait_for_video(video_id, **options)


class Avatars(_View):
    """`client.avatars`: the public catalog and the user's own avatars."""

    def all(self, **options: Any) -> list[Avatar]:
        """`JoggAIClient.all_public_avatars`."""
        return self._client.all_public_avatars(**options)

    def custom(self, **options: Any) -> list[CustomAvatar]:
        """`JoggAIClient.list_custom_avatars`."""
        return self._client.list_custom_avatars(**options)

    def list(self, **options: Any) -> list[Avatar]:
        """`JoggAIClient.list_public_avatars`: one page."""
        return self._client.list_public_avatars(**options)


class Voices(_View):
    """`client.voices`: the voice catalog and the user's cloned voices."""

    def all(self, **options: Any) -> list[Voice]:
        """`JoggAIClient.all_voices`."""
        return self._client.all_voices(**options)

    def custom(self, **options: Any) -> list[Voice]:
        """`JoggAIClient.list_custom_voices`."""
        return self._client.list_custom_voices(**options)

    def list(self, **options: Any) -> VoicePage:
        """`JoggAIClient.list_voices`: one page."""
        return self._client.list_voices(**options)


class Webhooks(_View):
    """`client.webhooks`: webhook endpoints and the events they can subscribe to."""

    def add(self, url: str, events: Iterable[str], status: str = "enabled") -> WebhookEndpoint:
        """`JoggAIClient.add_webhook_endpoint`."""
        return self._client.add_webhook_endpoint(url, events, status)

    def update(self, endpoint_id: str, **changes: Any) -> WebhookEndpoint:
        """`JoggAIClient.update_webhook_endpoint` (`url=`, `events=`, `status=`)."""
        return self._client.update_webhook_endpoint(endpoint_id, **changes)

    def delete(self, endpoint_id: str) -> None:
        """`JoggAIClient.delete_webhook_endpoint`."""
        self._client.delete_webhook_endpoint(endpoint_id)

    def events(self) -> list[str]:
        """`JoggAIClient.list_webhook_events`."""
        return self._client.list_webhook_events()

    def list(self) -> list[WebhookEndpoint]:
        """`JoggAIClient.list_webhook_endpoints`."""
        return self._client.list_webhook_endpoints()


class Assets(_View):
    """`client.assets`: uploads."""

    def upload(
        self, filename: str, data: bytes, content_type: str, *, on_progress: ProgressCallback | None = None
    ) -> UploadedAsset:
        """`JoggAIClient.upload_asset`."""
        return self._client.upload_asset(filename, data, content_type, on_progress=on_progress)
