"""Engine settings: one object built from the command line (and a few environment variables)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from lib.joggai.contract import MAX_WEBHOOK_ENDPOINTS, POSTS_PER_MINUTE, WEBHOOK_ANSWER_WITHIN_S

DEFAULT_PORT = 8790
ENGINE_NAME = "avatar-studio-local"
ENGINE_VERSION = "0.1.0"

# Environment variables the engine reads (the command line wins).
ENV_RATE_LIMIT = "AVATAR_ENGINE_RATE_LIMIT"  # "1"/"true" turns on the cloud's 20 POST/min
ENV_WORKERS = "AVATAR_ENGINE_WORKERS"
ENV_DATA_DIR = "AVATAR_ENGINE_DATA_DIR"


def default_data_dir() -> Path:
    """The per-user data directory used when --data-dir is not given."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("avatar-studio", appauthor=False)) / "engine"


def env_flag(name: str) -> bool:
    """True when the environment variable holds a truthy word."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class EngineSettings:
    """Everything the running engine needs to know about its configuration."""

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    # Render worker processes. 0 pauses rendering: jobs are accepted and stay pending
    # (used by the spec fuzz run so it cannot start hundreds of renders).
    workers: int = 1
    rate_limit: bool = False
    rate_limit_per_minute: int = POSTS_PER_MINUTE
    # Base for absolute URLs (videos, covers, sign_url...). None: taken from each request's Host.
    public_url: str | None = None
    max_render_attempts: int = 3
    webhook_timeout: float = WEBHOOK_ANSWER_WITHIN_S
    # Seconds to wait before each webhook retry; its length + 1 is the number of attempts.
    webhook_backoff: tuple[float, ...] = (1.0, 4.0, 15.0, 60.0, 300.0)
    max_endpoints_per_key: int = MAX_WEBHOOK_ENDPOINTS
    audio_fetch_timeout: float = 30.0
    # False: voice.audio_url must be one of this engine's own uploads (an air-gapped engine, or a fuzz run).
    remote_fetch: bool = True

    @property
    def db_path(self) -> Path:
        return self.data_dir / "engine.sqlite3"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def work_dir(self) -> Path:
        return self.data_dir / "work"

    @property
    def key_file(self) -> Path:
        return self.data_dir / "api_key"

    @property
    def state_file(self) -> Path:
        return self.data_dir / "engine.json"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "engine.log"
