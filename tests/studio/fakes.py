"""Clients and submitters the studio tests share: a scripted fake at the client boundary, and the real engine."""

from __future__ import annotations

from lib.joggai import CreateVideoRequest, JoggAIClient
from lib.joggai.contract import CAPABILITY_IDEMPOTENCY
from lib.studio.history import JobHistory
from lib.studio.submission import SubmissionStore, Submitter, Target

# The jobs table as the first release made it (none of the later columns): migration tests start from it.
FIRST_RELEASE_JOBS_TABLE = (
    "CREATE TABLE jobs (backend TEXT NOT NULL, video_id TEXT NOT NULL, base_url TEXT NOT NULL, "
    "name TEXT NOT NULL DEFAULT '', avatar_id INTEGER, avatar_name TEXT NOT NULL DEFAULT '', "
    "voice_id TEXT NOT NULL DEFAULT '', voice_name TEXT NOT NULL DEFAULT '', "
    "request_json TEXT NOT NULL DEFAULT '{}', batch TEXT, experiment TEXT, "
    "status TEXT NOT NULL DEFAULT 'pending', progress INTEGER, video_url TEXT, cover_url TEXT, "
    "caption_url TEXT, duration REAL, error_code TEXT, error_message TEXT, created_at REAL NOT NULL, "
    "updated_at REAL NOT NULL, completed_at REAL, last_polled_at REAL, next_poll_at REAL, "
    "poll_count INTEGER NOT NULL DEFAULT 0, poll_failures INTEGER NOT NULL DEFAULT 0, "
    "PRIMARY KEY (backend, video_id))")


class ScriptedClient:
    """A client whose creates answer, in turn, with the given video ids or raise the given errors."""

    def __init__(self, *answers: str | Exception) -> None:
        self.answers = list(answers)
        self.calls: list[str | None] = []  # the Idempotency-Key of each create

    def create_avatar_video(self, request: CreateVideoRequest, *, idempotency_key: str | None = None) -> str:
        self.calls.append(idempotency_key)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def engine_submitter(history: JobHistory, client: JoggAIClient, base_url: str) -> Submitter:
    """The submission path to a real engine, idempotent as its /healthz says (a fresh store: a fresh process)."""
    idempotent = CAPABILITY_IDEMPOTENCY in client.engine_health()["capabilities"]
    return Submitter(SubmissionStore(history.path), history, client, Target("local", base_url, idempotent))
