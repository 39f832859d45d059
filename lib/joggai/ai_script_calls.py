"""The client's AI script calls, a mixin of `JoggAIClient` (kept apart to keep `client.py` short).

They go through `Transport` (`_call`, `_object`, `_model`, lib/joggai/transport.py): same retries, same errors.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from lib.joggai import errors
from lib.joggai.ai_script_models import AiScriptRequest, AiScriptTask

__all__ = ["AiScriptCalls"]


class AiScriptCalls:
    """`create_ai_script`, `get_ai_script` and `wait_for_ai_script`; mixed into `JoggAIClient`."""

    _call: Callable[..., Any]
    _object: Callable[[Any], dict[str, Any]]
    _model: Callable[..., Any]

    def create_ai_script(self, request: AiScriptRequest) -> str:
        """Ask for script drafts about a product and return the task id (the writing is asynchronous).

        Not retried after the request was sent (it is a POST); check `request.problems()` first.
        """
        data = self._object(self._call("POST", "ai_scripts", json_body=request.to_payload()))
        task_id = data.get("task_id")
        if task_id is None or task_id == "" or isinstance(task_id, (dict, list, bool)):
            raise errors.MalformedResponseError("ai_scripts answered without a task_id", body=data)
        return str(task_id)

    def get_ai_script(self, task_id: str) -> AiScriptTask:
        """The current state of a script task; its drafts once completed, its `err_msg` once failed."""
        data = self._object(self._call("GET", f"ai_scripts/results/{quote(str(task_id), safe='')}"))
        return self._model(lambda raw: AiScriptTask.from_api(raw, task_id=str(task_id)), data, "ai_script")

    def wait_for_ai_script(
        self,
        task_id: str,
        *,
        poll_interval: float = 5.0,
        timeout: float = 300.0,
        on_update: Callable[[AiScriptTask], None] | None = None,
    ) -> AiScriptTask:
        """Poll until the task is completed or failed, or `timeout` seconds pass.

        Returns the last state seen; check `.status.is_terminal` to tell a finish from a timeout.
        Keep `poll_interval` at 5 s or more against the cloud; 0 is fine against the local engine.
        """
        deadline = time.monotonic() + timeout
        while True:
            task = self.get_ai_script(task_id)
            if on_update is not None:
                on_update(task)
            if task.status.is_terminal or time.monotonic() >= deadline:
                return task
            time.sleep(max(0.0, min(poll_interval, deadline - time.monotonic())))
