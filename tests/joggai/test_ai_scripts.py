"""The client's AI script models (local rules, tolerant parsing) and calls against the real engine."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from lib.joggai import AiScriptRequest, AiScriptTask, JoggAIClient, VideoStatus, errors
from lib.joggai.contract import AI_SCRIPT_STYLES
from tests.engine_process import EngineProcess

pytestmark = pytest.mark.timeout(120)

BOTTLE = AiScriptRequest(
    script_style="Top 3 reasons",
    product_name="Owala FreeSip Insulated Stainless Steel Water Bottle",
    product_description="The Owala FreeSip bottle is perfect for active lifestyles. It keeps drinks cold for "
                        "24 hours, has a leak-proof lid and a built-in straw.",
    video_length_seconds=30,
    target_audience="Fitness enthusiasts and outdoor adventurers",
)


@pytest.fixture(scope="module")
def client(engine: EngineProcess) -> Iterator[JoggAIClient]:
    with JoggAIClient(engine.base_url, engine.api_key, max_retries=2, backoff_factor=0.05) as running:
        yield running


# -- the request's local rules and payload ---------------------------------------------------------------


def test_a_valid_request_has_no_problems_and_the_specs_nesting() -> None:
    assert BOTTLE.problems() == []
    assert BOTTLE.to_payload() == {
        "language": "english",
        "video_length_seconds": "30",
        "script_style": "Top 3 reasons",
        "product_info": {"source_type": "details", "data": {
            "name": BOTTLE.product_name, "description": BOTTLE.product_description}},
        "target_audience": "Fitness enthusiasts and outdoor adventurers",
    }


def test_a_product_id_request_sends_only_the_id() -> None:
    by_id = AiScriptRequest(script_style="Data", product_id="NTQ0MTkzNjg", video_length_seconds="15")
    assert by_id.problems() == []
    assert by_id.to_payload()["product_info"] == {"source_type": "id", "data": {"id": "NTQ0MTkzNjg"}}
    assert "target_audience" not in by_id.to_payload()


@pytest.mark.parametrize(("changes", "fields"), [
    ({"language": "klingon"}, ["language"]),
    ({"video_length_seconds": 45}, ["video_length_seconds"]),
    ({"video_length_seconds": True}, ["video_length_seconds"]),
    ({"script_style": "storytime"}, ["script_style"]),
    ({"product_name": " "}, ["product_info.data.name"]),
    ({"product_name": None, "product_description": None},
     ["product_info.data.name", "product_info.data.description"]),
    ({"product_id": "  "}, ["product_info.data.id"]),
])
def test_each_rule_names_the_api_field(changes: dict, fields: list[str]) -> None:
    problems = dataclasses.replace(BOTTLE, **changes).problems()
    assert [problem.field for problem in problems] == fields
    assert all(problem.message.startswith(problem.field) for problem in problems)


# -- parsing ---------------------------------------------------------------------------------------------


def test_a_completed_task_reads_the_nested_scripts_and_ignores_unknown_fields() -> None:
    raw = {"task_id": "t1", "status": "success", "extra": 1, "data": {"generated_scripts": [
        {"script_style": "Storytime", "script_paragraphs": ["One.", "Two."], "score": 3},
        {"script_style": "Data", "script_paragraphs": "Only one."},
    ]}}
    task = AiScriptTask.from_api(raw)
    assert task.status is VideoStatus.COMPLETED and task.status.is_terminal
    assert task.script("Storytime").text == "One.\n\nTwo."
    assert task.script("Data").script_paragraphs == ("Only one.",)
    assert task.script("Discovery") is None and task.raw is raw


def test_a_pending_or_failed_task_reads_too() -> None:
    assert AiScriptTask.from_api({"status": "pending"}, task_id="t2").generated_scripts == ()
    failed = AiScriptTask.from_api({"task_id": "t3", "status": "failed", "err_msg": "no"})
    assert (failed.status, failed.err_msg) == (VideoStatus.FAILED, "no")
    with pytest.raises(ValueError):
        AiScriptTask.from_api({"task_id": "t4"})


# -- against the engine ----------------------------------------------------------------------------------


def test_create_wait_and_read_the_drafts(client: JoggAIClient) -> None:
    task_id = client.create_ai_script(BOTTLE)
    seen: list[AiScriptTask] = []
    task = client.wait_for_ai_script(task_id, poll_interval=0.05, timeout=30, on_update=seen.append)
    assert task.status is VideoStatus.COMPLETED and task.task_id == task_id and seen[-1] == task
    assert [script.script_style for script in task.generated_scripts][:1] == ["Top 3 reasons"]
    assert {script.script_style for script in task.generated_scripts} == set(AI_SCRIPT_STYLES)
    reasons = task.script("Top 3 reasons")
    assert "Reason one" in reasons.text and "Reason three" in reasons.text
    assert client.get_ai_script(task_id) == task


def test_a_language_the_engine_cannot_write_fails_with_a_reason(client: JoggAIClient) -> None:
    task_id = client.create_ai_script(dataclasses.replace(BOTTLE, language="german"))
    task = client.wait_for_ai_script(task_id, poll_interval=0.05, timeout=30)
    assert task.status is VideoStatus.FAILED and "english" in task.err_msg and not task.generated_scripts


def test_engine_parameter_errors_name_the_parameter(client: JoggAIClient) -> None:
    for changes, param in (({"video_length_seconds": 45}, "video_length_seconds"),
                           ({"script_style": "Shouting"}, "script_style"),
                           ({"product_name": ""}, "product_info.data.name")):
        with pytest.raises(errors.InvalidRequestError) as caught:
            client.create_ai_script(dataclasses.replace(BOTTLE, **changes))
        assert caught.value.param == param


def test_unknown_task_and_wrong_key(client: JoggAIClient, engine: EngineProcess) -> None:
    with pytest.raises(errors.NotFoundError):
        client.get_ai_script("task_nope")
    with JoggAIClient(engine.base_url, "jgl_wrong_key_123") as stranger, pytest.raises(errors.AuthenticationError):
        stranger.create_ai_script(BOTTLE)
