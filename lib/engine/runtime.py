"""What a running engine holds: settings, database, render queue, webhook sender, rate limiter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lib.engine.settings import EngineSettings
from lib.engine.store import Database

if TYPE_CHECKING:
    from lib.engine.jobs import RenderQueue
    from lib.engine.rate_limit import PostRateLimiter
    from lib.engine.webhooks import WebhookSender


@dataclass
class EngineRuntime:
    """Shared by every request handler through `request.app.state.engine`."""

    settings: EngineSettings
    db: Database
    render_queue: RenderQueue | None = None
    webhook_sender: WebhookSender | None = None
    rate_limiter: PostRateLimiter | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def base_url(self, request_base: str) -> str:
        """The base for absolute URLs: --public-url if set, else where the client reached us."""
        return (self.settings.public_url or request_base).rstrip("/")
