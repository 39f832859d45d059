"""The local engine's HTTP app: JoggAI v2 served offline, with real renders.

Run it with `python -m lib.engine --host 127.0.0.1 --port PORT --data-dir DIR` (see `lib/engine/__main__.py`
for every option). All JoggAI routes live under `/v2`, need `x-api-key` (any header case) and answer the
envelope `{code, msg, data}` with a fitting HTTP status — errors and unknown paths included.

Routes: `GET /healthz` and `GET /openapi.json` (no key); `GET /v2/user/whoami`, `GET /v2/user/remaining_quota`;
`GET /v2/avatars/public`, `GET /v2/avatars/custom`, `GET /v2/voices`, `GET /v2/voices/custom`;
`POST /v2/create_video_from_avatar`, `GET /v2/avatar_video/{id}`; `POST /v2/upload/asset` + `PUT /upload/<token>`;
`POST /v2/endpoint`, `GET /v2/endpoints`, `PUT|DELETE /v2/endpoint/{id}`, `GET /v2/events`;
media (no key, unguessable or catalog paths) under `/media/...`.

Where things live: routes per resource (`catalog_api`, `video_api`, `uploads`, `webhook_routes`,
`media_routes`); request bodies in `bodies` (lenient pydantic models) and `request_body`; answers in
`answers`; the jobs' SQL in `job_store`; rendering in `jobs`; deliveries in `webhook_delivery`; the
running engine in `runtime` (the `Runtime` dependency). Codes, limits and enums: `lib/joggai/contract.py`.

Extensions (ours, not JoggAI's; clients that do not know them ignore them):
- `GET /v2/avatar_video/{id}`: `progress` (0-100), `duration` (seconds, when completed), `caption_url`
  (WebVTT, when `caption` was true), `video_name`, and `error{code, message}` when failed.
- `GET /v2/avatars/public`: each avatar also carries `scene` and `ethnicity`. `GET /v2/voices`: `locale`.
- `POST /v2/ext/speech_preview` `{voice_id, script}` -> `data{audio_url, duration}`: a WAV of the script in
  that voice ("hear it first"); 40000 for a missing voice_id or a script outside 1-5000 characters, 10104
  for an unknown voice.
- `Idempotency-Key` header on `POST /v2/create_video_from_avatar`: a repeated key (per API key) returns the
  first request's `video_id` and starts nothing; the same key with a different body is a 40000.
- `GET /healthz` -> `{"status": "ok", "engine": "avatar-studio-local", "version": ..., "capabilities":
  ["idempotency", "ext_routes"]}`: what this engine honours beyond the spec.
- `GET /openapi.json`: this engine's own OpenAPI document (JoggAI's shapes; ours marked `x-extension`).
- `PUT` to a `sign_url` answers the envelope with `data{asset_url, size}` (the cloud's storage answers an
  empty 200).
- Webhook bodies carry `data.project_id` (= `video_id`, for older clients) and `caption_url` when present.

Knowing differences from the cloud:
- Rendering is local and stylised (vector avatars, espeak-ng voices); it takes seconds, not minutes, and
  costs nothing: `remaining_quota` is a fixed 1000000 and 18020 (insufficient credit) never happens.
- No custom avatars or cloned voices: `avatars/custom` and `voices/custom` are empty lists, and
  `avatar_type` 1 answers 10104. Cloud voice ids such as `en-US-ChristopherNeural` are accepted and map to a
  local voice of that locale or language (see `lib/engine/catalog/voices.py`); other ids are 10104.
- Omitted `avatar_type` means 0, omitted `aspect_ratio` means portrait, omitted `screen_style` means 1 and
  omitted `voice.type` is inferred from which of `script`/`audio_url` is present (the spec marks them
  required; the engine is lenient and says so here). `avatar_id`, `avatar_type` and `screen_style` also
  accept numeric strings.
- `voice.audio_url` is downloaded when the video is created (not later), so a bad file is a 40000 at once;
  it must be http(s), <= 20 MB, downloaded within 30 s, and never from private, loopback or link-local
  addresses (every redirect hop checked) — except this engine's own upload URLs, which are read from disk.
  `--no-remote-fetch` accepts only this engine's uploads.
- Per-request `webhook_url` deliveries are signed with the secret of the key's oldest enabled webhook
  endpoint, and unsigned when the key has none (the cloud does not document this case). Webhook URLs may
  point at loopback (local receivers are the common case for a local engine).
- A full or unwritable data dir answers 50000 with HTTP 507 ("cannot write to its data directory"); a
  render that runs out of space fails with a message that says so. A script with no letter or digit
  ("...", only RTL marks) is a 40000 at create time.
- Request bodies over 1 MB are refused (40000, HTTP 413). The rate limit (20 POST/min per key, 429 with
  `Retry-After` and `data.retryAfter`) is off unless `--rate-limit` or `AVATAR_ENGINE_RATE_LIMIT=1`.
- Media links do not expire (the cloud's are signed and time-limited); `sign_url`s expire after an hour and
  work once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from lib.engine import (
    ai_scripts,
    catalog_api,
    keys,
    media,
    media_routes,
    store,
    uploads,
    video_api,
    webhook_routes,
)
from lib.engine.answers import Envelope, Health, RemainingQuota, UserInfo
from lib.engine.auth import Owner, require_key
from lib.engine.envelope import ApiError, envelope, install_error_handlers
from lib.engine.jobs import RenderQueue
from lib.engine.keys import KeyOwner
from lib.engine.openapi_doc import EXTENSION_TAG, install_openapi
from lib.engine.rate_limit import PostRateLimiter, retry_after_seconds
from lib.engine.runtime import EngineRuntime, Runtime
from lib.engine.settings import ENGINE_NAME, ENGINE_VERSION, EngineSettings
from lib.engine.webhook_delivery import WebhookSender
from lib.joggai.contract import (
    CAPABILITY_EXT,
    CAPABILITY_EXT_ROUTES,
    CAPABILITY_IDEMPOTENCY,
    HEALTH_PATH,
    Code,
)

log = logging.getLogger("lib.engine")

# What the local account has left: the engine never charges, so this is a fixed, generous figure.
LOCAL_QUOTA = 1_000_000.0
# What this engine honours beyond JoggAI's spec, for clients deciding what is safe to send (the `ext`
# request field of create_video_from_avatar among them).
CAPABILITIES = (CAPABILITY_IDEMPOTENCY, CAPABILITY_EXT_ROUTES, CAPABILITY_EXT)


async def enforce_rate_limit(request: Request, engine: Runtime, owner: Owner) -> KeyOwner:
    """When the rate limit is on, count POSTs per key and answer 429 with Retry-After over the limit."""
    limiter = engine.rate_limiter
    if limiter is not None and request.method == "POST":
        wait = limiter.check(owner.key_id)
        if wait is not None:
            seconds = retry_after_seconds(wait)
            raise ApiError(
                Code.RATE_LIMITED,
                f"rate limit exceeded: at most {limiter.per_minute} POST requests per minute; "
                f"retry after {seconds} s",
                data={"retryAfter": seconds},
                headers={"Retry-After": str(seconds)},
            )
    return owner


user_router = APIRouter(tags=["User"])


@user_router.get("/user/whoami", response_model=Envelope[UserInfo])
async def whoami(owner: Owner) -> JSONResponse:
    """The account the key belongs to (clients use this to check a key)."""
    return envelope({"email": owner.email, "username": owner.username})


@user_router.get("/user/remaining_quota", response_model=Envelope[RemainingQuota])
async def remaining_quota(owner: Owner) -> JSONResponse:
    """A fixed figure: the local engine never charges."""
    return envelope({"remaining_quota": LOCAL_QUOTA})


def create_app(settings: EngineSettings) -> FastAPI:
    """Build the engine's FastAPI app for `settings` (the database is created if missing)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store.initialise(settings.db_path)
    db = store.Database(settings.db_path)
    keys.ensure_first_key(db, settings.key_file)
    media.prune_speech_previews(settings.media_dir)
    runtime = EngineRuntime(settings=settings, db=db)
    if settings.rate_limit:
        runtime.rate_limiter = PostRateLimiter(settings.rate_limit_per_minute)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.webhook_sender = WebhookSender(settings)
        runtime.webhook_sender.start()
        runtime.render_queue = RenderQueue(settings, on_finished=runtime.webhook_sender.job_finished)
        runtime.render_queue.start()
        try:
            yield
        finally:
            runtime.render_queue.stop()
            runtime.webhook_sender.stop()
            db.close()

    # Only the OpenAPI document is served (no key needed: it describes the API and holds no data);
    # the interactive docs pages would pull scripts from a CDN.
    app = FastAPI(
        title="Avatar Studio local engine (JoggAI v2 compatible)",
        version=ENGINE_VERSION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.engine = runtime
    install_error_handlers(app)
    install_openapi(app, __doc__ or "")

    @app.get(HEALTH_PATH, tags=[EXTENSION_TAG], response_model=Envelope[Health])
    async def healthz() -> JSONResponse:
        """For launchers: no key; what this engine is and which extensions it honours."""
        return envelope({"status": "ok", "engine": ENGINE_NAME, "version": ENGINE_VERSION,
                         "capabilities": list(CAPABILITIES)}, msg="ok")

    # Every /v2 route needs a key; POSTs are also counted by the (optional) rate limiter.
    v2 = APIRouter(prefix="/v2", dependencies=[Depends(require_key), Depends(enforce_rate_limit)])
    v2.include_router(user_router)
    v2.include_router(catalog_api.router)
    v2.include_router(video_api.router)
    v2.include_router(uploads.api_router)
    v2.include_router(webhook_routes.router)
    v2.include_router(ai_scripts.router)
    app.include_router(v2)
    app.include_router(uploads.put_router)
    app.include_router(media_routes.router)
    return app
