"""AI script routes on the real engine: validation, answer shapes against JoggAI's spec, task lifecycle."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
import requests
import yaml

from lib.engine import store
from lib.engine.ai_scripts import write_task
from lib.joggai.contract import AI_SCRIPT_STYLES, MAX_SCRIPT_CHARS
from tests.engine_process import REPO_ROOT
from tests.reference_spec import find_spec

SPEC = find_spec()
pytestmark = pytest.mark.timeout(120)


def body(**changes):
    """A valid request; `changes` maps dotted paths to values (None deletes)."""
    request = {
        "language": "english",
        "video_length_seconds": "30",
        "script_style": "Storytime",
        "product_info": {"source_type": "details", "data": {
            "name": "Owala FreeSip Insulated Stainless Steel Water Bottle",
            "description": "The Owala FreeSip bottle is perfect for active lifestyles. It keeps drinks cold "
                           "for 24 hours, has a leak-proof lid and a built-in straw.",
        }},
        "target_audience": "Fitness enthusiasts and outdoor adventurers",
    }
    request = copy.deepcopy(request)
    for path, value in changes.items():
        *parents, leaf = path.split(".")
        target = request
        for part in parents:
            target = target[part]
        if value is None:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    return request


def post(engine, payload, *, key=None):
    answer = requests.post(engine.v2 + "/ai_scripts", headers={"x-api-key": key or engine.api_key},
                           json=payload, timeout=30)
    assert answer.headers["content-type"].startswith("application/json")
    return answer.status_code, answer.json()


def get(engine, task_id, *, key=None):
    answer = requests.get(f"{engine.v2}/ai_scripts/results/{task_id}",
                          headers={"x-api-key": key or engine.api_key}, timeout=30)
    return answer.status_code, answer.json()


def finished(engine, task_id, *, within=30.0):
    """The task's answer once it is completed or failed (a bounded wait for the condition)."""
    deadline = time.monotonic() + within
    while True:
        status, answer = get(engine, task_id)
        assert (status, answer["code"]) == (200, 0), answer
        if answer["data"]["status"] in ("completed", "failed") or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


def submitted(engine, payload):
    status, answer = post(engine, payload)
    assert (status, answer["code"]) == (200, 0), answer
    return answer["data"]["task_id"]


@pytest.fixture(scope="module")
def response_schemas():
    if not SPEC.exists():
        pytest.skip(f"JoggAI's OpenAPI file is not beside the repository ({SPEC})")
    spec = yaml.safe_load(SPEC.read_text())

    def schema(path, method):
        found = spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
        return {**found, "components": spec["components"]}

    return {"create": schema("/v2/ai_scripts", "post"), "result": schema("/v2/ai_scripts/results/{task_id}", "get")}


# -- validation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "message"), [
    ({"language": None}, "language must be one of english, filipino"),
    ({"language": "klingon"}, "language must be one of"),
    ({"video_length_seconds": None}, "video_length_seconds must be one of 15, 30, 60"),
    ({"video_length_seconds": "45"}, "video_length_seconds must be one of 15, 30, 60"),
    ({"video_length_seconds": True}, "video_length_seconds must be one of 15, 30, 60"),
    ({"script_style": None}, "script_style must be one of Don't Worry, Storytime"),
    ({"script_style": "Shouting"}, "script_style must be one of"),
    ({"product_info": None}, "product_info is required"),
    ({"product_info": "a bottle"}, "product_info"),
    ({"product_info.source_type": None}, "product_info.source_type must be one of id, details"),
    ({"product_info.source_type": "url"}, "product_info.source_type must be one of id, details"),
    ({"product_info.data": None}, "product_info.data is required"),
    ({"product_info.data.name": None},
     'product_info.data.name is required when product_info.source_type is "details"'),
    ({"product_info.data.name": "   "},
     'product_info.data.name is required when product_info.source_type is "details"'),
    ({"product_info.data.description": None},
     'product_info.data.description is required when product_info.source_type is "details"'),
    ({"product_info.source_type": "id"}, 'product_info.data.id is required when product_info.source_type is "id"'),
    ({"target_audience": 7}, "target_audience"),
])
def test_each_rule_is_a_40000_naming_the_field(engine, changes, message):
    status, answer = post(engine, body(**changes))
    assert (status, answer["code"], answer["data"]) == (400, 40000, None), answer
    assert message in answer["msg"]


@pytest.mark.parametrize("raw", ["", "{not json", "[1, 2]"])
def test_a_body_that_is_not_an_object_is_a_40000(engine, raw):
    answer = requests.post(engine.v2 + "/ai_scripts", data=raw, timeout=30,
                           headers={"x-api-key": engine.api_key, "Content-Type": "application/json"})
    assert (answer.status_code, answer.json()["code"]) == (400, 40000)


def test_lenient_spellings_and_unknown_fields_are_accepted(engine):
    task_id = submitted(engine, body(video_length_seconds=15, script_style="top 3 reasons", extra_field=[1]))
    scripts = finished(engine, task_id)["data"]["data"]["generated_scripts"]
    assert scripts[0]["script_style"] == "Top 3 reasons"


# -- answers and lifecycle -------------------------------------------------------------------------------


def test_answers_match_the_spec_and_a_written_task_is_stable(engine, response_schemas):
    status, created = post(engine, body())
    assert status == 200
    jsonschema.validate(created, response_schemas["create"])
    task_id = created["data"]["task_id"]
    assert task_id and isinstance(task_id, str)
    # Asked at once, the task may still be pending; every state's answer matches the schema.
    _, early = get(engine, task_id)
    jsonschema.validate(early, response_schemas["result"])
    assert early["data"]["status"] in ("pending", "processing", "completed")
    done = finished(engine, task_id)
    jsonschema.validate(done, response_schemas["result"])
    data = done["data"]
    assert (data["task_id"], data["status"]) == (task_id, "completed") and "err_msg" not in data
    scripts = data["data"]["generated_scripts"]
    assert scripts[0]["script_style"] == "Storytime"
    assert sorted(script["script_style"] for script in scripts) == sorted(AI_SCRIPT_STYLES)
    for script in scripts:
        assert 2 <= len(script["script_paragraphs"]) <= 5
        assert all(isinstance(text, str) and text.strip() for text in script["script_paragraphs"])
        assert sum(len(text) for text in script["script_paragraphs"]) < MAX_SCRIPT_CHARS
    assert finished(engine, task_id) == done


def test_two_equal_requests_get_different_drafts(engine):
    first, second = (submitted(engine, body()) for _ in range(2))
    assert first != second
    texts = [finished(engine, task)["data"]["data"]["generated_scripts"] for task in (first, second)]
    assert texts[0] != texts[1]


def test_a_language_the_writer_cannot_write_fails_naming_the_ones_it_can(engine, response_schemas):
    answer = finished(engine, submitted(engine, body(language="french")))
    jsonschema.validate(answer, response_schemas["result"])
    assert answer["data"]["status"] == "failed" and "data" not in answer["data"]
    assert "english" in answer["data"]["err_msg"] and "french" in answer["data"]["err_msg"]


def test_a_product_id_fails_asking_for_details(engine):
    payload = body(**{"product_info.source_type": "id", "product_info.data": {"id": "NTQ0MTkzNjg"}})
    answer = finished(engine, submitted(engine, payload))
    assert answer["data"]["status"] == "failed"
    assert "no product store" in answer["data"]["err_msg"] and '"details"' in answer["data"]["err_msg"]


def test_unknown_task_is_10104(engine):
    status, answer = get(engine, "task_does_not_exist")
    assert (status, answer["code"]) == (404, 10104)


def test_wrong_key_is_10105_on_both_routes(engine):
    task_id = submitted(engine, body())
    for status, answer in (post(engine, body(), key="jgl_wrong"), get(engine, task_id, key="jgl_wrong")):
        assert (status, answer["code"]) == (401, 10105)


def test_a_task_belongs_to_its_keys_owner(engine):
    task_id = submitted(engine, body())
    result = subprocess.run(
        [sys.executable, "-m", "lib.engine", "add-key", "--data-dir", str(engine.data_dir), "--username", "eve"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True,
    )
    other_key = result.stdout.strip().splitlines()[-1]
    status, answer = get(engine, task_id, key=other_key)
    assert (status, answer["code"]) == (404, 10104)
    assert get(engine, task_id)[0] == 200


# -- the task store, without a server --------------------------------------------------------------------


def test_a_pending_task_is_written_once_and_then_never_changes(tmp_path: Path):
    store.initialise(tmp_path / "engine.db")
    db = store.Database(tmp_path / "engine.db")
    request = {"language": "english", "seconds": 15, "style": "Data", "product_name": "Brewly",
               "product_description": "Brewly makes coffee in 2 minutes.", "target_audience": None}
    db.conn.execute("INSERT INTO ai_script_tasks (task_id, key_id, status, created_at, updated_at, request_json) "
                    "VALUES ('task_a', 1, 'pending', 0, 0, ?)", (json.dumps(request),))
    write_task(db, "task_a")
    row = db.conn.execute("SELECT * FROM ai_script_tasks WHERE task_id = 'task_a'").fetchone()
    assert row["status"] == "completed" and json.loads(row["result_json"])[0]["script_style"] == "Data"
    db.conn.execute("UPDATE ai_script_tasks SET request_json = ? WHERE task_id = 'task_a'",
                    (json.dumps({**request, "style": "Storytime"}),))
    write_task(db, "task_a")
    again = db.conn.execute("SELECT * FROM ai_script_tasks WHERE task_id = 'task_a'").fetchone()
    assert again["result_json"] == row["result_json"]
    db.close()
