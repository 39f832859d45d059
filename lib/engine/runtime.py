"""What a running engine holds (settings, database, render queue, webhook sender, rate limiter), and the
`Runtime` dependency through which every route reaches it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from lib.engine.jobs import RenderQueue
from lib.engine.rate_limit import PostRateLimiter
from lib.engine.settings import EngineSettings
from lib.engine.store import Database
from lib.engine.webhook_delivery import WebhookSender


@dataclass
class EngineRuntime:
    """Shared by every request handler through the `Runtime` dependency."""

    settings: EngineSettings
    db: Database
    render_queue: RenderQueue | None = None
    webhook_sender: WebhookSender | None = None
    rate_limiter: PostRateLimiter | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def base_url(self, request_base: str) -> str:
        """The base for absolute URLs: --public-url if set, else where the client reached us."""
        return (self.settings.public_url or request_base).rstrip("/")


async def current_runtime(request: Request) -> EngineRuntime:
    """The engine this request reached (async: no thread-pool hop for an attribute read)."""
    return request.app.state.engine


async def public_base_url(request: Request, engine: Annotated[EngineRuntime, Depends(current_runtime)]) -> str:
    """The base for absolute URLs in this request's answer (see EngineRuntime.base_url)."""
    return engine.base_url(str(request.base_url))


# Route parameter types: `engine: Runtime` gives the handler the running engine, `base: BaseUrl` the
# base for the absolute URLs it answers.
Runtime = Annotated[EngineRuntime, Depends(current_runtime)]
BaseUrl = Annotated[str, Depends(public_base_url)]
