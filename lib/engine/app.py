"""The local engine's HTTP app: JoggAI v2 served offline (placeholder docstring; completed below)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from lib.engine import keys, store
from lib.engine.auth import Owner, require_key
from lib.engine.envelope import RATE_LIMITED, ApiError, envelope, install_error_handlers
from lib.engine.keys import KeyOwner
from lib.engine.rate_limit import PostRateLimiter, retry_after_seconds
from lib.engine.runtime import EngineRuntime
from lib.engine.settings import ENGINE_NAME, ENGINE_VERSION, EngineSettings

log = logging.getLogger("lib.engine")

# What the local account has left: the engine never charges, so this is a fixed, generous figure.
LOCAL_QUOTA = 1_000_000.0


def enforce_rate_limit(request: Request, owner: Owner) -> KeyOwner:
    """When the rate limit is on, count POSTs per key and answer 429 with Retry-After over the limit."""
    limiter = request.app.state.engine.rate_limiter
    if limiter is not None and request.method == "POST":
        wait = limiter.check(owner.key_id)
        if wait is not None:
            seconds = retry_after_seconds(wait)
            raise ApiError(
                RATE_LIMITED,
                f"rate limit exceeded: at most {limiter.per_minute} POST requests per minute; "
                f"retry after {seconds} s",
                data={"retryAfter": seconds},
                headers={"Retry-After": str(seconds)},
            )
    return owner


user_router = APIRouter()


@user_router.get("/user/whoami")
def whoami(owner: Owner) -> JSONResponse:
    return envelope({"email": owner.email, "username": owner.username})


@user_router.get("/user/remaining_quota")
def remaining_quota(owner: Owner) -> JSONResponse:
    return envelope({"remaining_quota": LOCAL_QUOTA})


def create_app(settings: EngineSettings) -> FastAPI:
    """Build the engine's FastAPI app for `settings` (the database is created if missing)."""
    from lib.engine import catalog_api, media, uploads, video_api, webhooks
    from lib.engine.jobs import RenderQueue

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store.initialise(settings.db_path)
    db = store.Database(settings.db_path)
    keys.ensure_first_key(db, settings.key_file)
    runtime = EngineRuntime(settings=settings, db=db)
    if settings.rate_limit:
        runtime.rate_limiter = PostRateLimiter(settings.rate_limit_per_minute)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.webhook_sender = webhooks.WebhookSender(settings)
        runtime.webhook_sender.start()
        runtime.render_queue = RenderQueue(settings, on_finished=runtime.webhook_sender.job_finished)
        runtime.render_queue.start()
        try:
            yield
        finally:
            runtime.render_queue.stop()
            runtime.webhook_sender.stop()
            db.close()

    app = FastAPI(
        title="Avatar Studio local engine (JoggAI v2 compatible)",
        version=ENGINE_VERSION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.engine = runtime
    install_error_handlers(app)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return envelope({"status": "ok", "engine": ENGINE_NAME, "version": ENGINE_VERSION}, msg="ok")

    # Every /v2 route needs a key; POSTs are also counted by the (optional) rate limiter.
    v2 = APIRouter(prefix="/v2", dependencies=[Depends(require_key), Depends(enforce_rate_limit)])
    v2.include_router(user_router)
    v2.include_router(catalog_api.router)
    v2.include_router(video_api.router)
    v2.include_router(uploads.api_router)
    v2.include_router(webhooks.router)
    app.include_router(v2)
    app.include_router(uploads.put_router)
    app.include_router(media.router)
    return app
