"""Property-based run of JoggAI's own OpenAPI file against the engine (schemathesis).

Only the operations the engine implements; a bounded number of examples per operation; checks: no
5xx and every documented answer matches the spec's response schema. The engine under test runs with
`--workers 0` (jobs are accepted but not rendered) and `--no-remote-fetch` (no download of generated
URLs), so the run neither starts hundreds of renders nor reaches the network.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.engine_process import EngineProcess, start_engine
from tests.reference_spec import find_spec

SPEC = find_spec()
IMPLEMENTED = (
    r"^/v2/(avatar_video/\{id\}|avatars/public|avatars/custom|create_video_from_avatar|upload/asset|"
    r"user/remaining_quota|user/whoami|voices|voices/custom|endpoints|endpoint|endpoint/\{endpoint_id\}|events|"
    r"ai_scripts|ai_scripts/results/\{task_id\})$"
)


@pytest.fixture(scope="module")
def fuzz_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineProcess]:
    running = start_engine(tmp_path_factory.mktemp("fuzz-engine"), extra_args=["--workers", "0", "--no-remote-fetch"])
    yield running
    running.stop()


if not SPEC.exists():
    pytest.skip(f"JoggAI's OpenAPI file is not beside the repository ({SPEC})", allow_module_level=True)

schema = schemathesis.openapi.from_path(SPEC).include(path_regex=IMPLEMENTED)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_spec_operations(case, fuzz_engine):
    case.call_and_validate(
        base_url=fuzz_engine.base_url,
        headers={"x-api-key": fuzz_engine.api_key},
        checks=[not_a_server_error, response_schema_conformance],
        timeout=30,
    )


def test_no_remote_fetch_accepts_only_own_uploads(fuzz_engine):
    answer = requests.post(fuzz_engine.v2 + "/create_video_from_avatar", headers=fuzz_engine.headers(), timeout=10,
                           json={"avatar": {"avatar_id": 81, "avatar_type": 0}, "aspect_ratio": "portrait",
                                 "screen_style": 1, "voice": {"type": "audio", "voice_id": "en-US-ChristopherNeural",
                                                              "audio_url": "https://example.com/a.mp3"}})
    assert answer.status_code == 400 and "does not download" in answer.json()["msg"]
