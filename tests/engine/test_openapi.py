"""The engine's own /openapi.json, held against JoggAI's spec, and /healthz's capabilities.

For every operation the engine shares with the spec (same method and path), the engine documents it,
its required request fields and enums are the spec's (at every depth), and its success answer's `data`
has every property the spec lists. Our extensions are marked `x-extension`.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
import yaml

from lib.joggai import contract
from tests.engine_process import REPO_ROOT

# The spec sits beside the repository (or beside the folder of worktrees holding it).
SPEC_CANDIDATES = [root / "shared" / "reference" / "joggai-openapi-v2.yaml"
                   for root in (REPO_ROOT.parent, REPO_ROOT.parent.parent)]
SPEC_PATH = next((path for path in SPEC_CANDIDATES if path.exists()), None)
# What the engine implements of the spec (as tests/engine/test_spec_fuzz.py fuzzes it).
SHARED = {
    ("get", "/v2/user/whoami"), ("get", "/v2/user/remaining_quota"),
    ("get", "/v2/avatars/public"), ("get", "/v2/avatars/custom"), ("get", "/v2/voices"), ("get", "/v2/voices/custom"),
    ("post", "/v2/create_video_from_avatar"), ("get", "/v2/avatar_video/{}"), ("post", "/v2/upload/asset"),
    ("post", "/v2/endpoint"), ("get", "/v2/endpoints"), ("put", "/v2/endpoint/{}"), ("delete", "/v2/endpoint/{}"),
    ("get", "/v2/events"),
}
METHODS = ("get", "post", "put", "delete", "patch")


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if SPEC_PATH is None:
        pytest.skip(f"JoggAI's OpenAPI file is not beside the repository ({SPEC_CANDIDATES[0]})")
    return yaml.safe_load(SPEC_PATH.read_text())


@pytest.fixture(scope="module")
def ours(engine) -> dict[str, Any]:
    answer = requests.get(engine.base_url + "/openapi.json", timeout=10)  # no key: it holds no data
    assert answer.status_code == 200
    return answer.json()


def template(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method, template(path)): operation for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS}


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with $ref followed, allOf merged and a nullable anyOf reduced to its non-null branch."""
    while "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    if "allOf" in schema:
        merged: dict[str, Any] = {"properties": {}, "required": []}
        for part in schema["allOf"]:
            part = resolve(document, part)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        return merged
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    if len(branches) == 1:
        return resolve(document, {**branches[0], **{k: v for k, v in schema.items() if k != "anyOf"}})
    return schema


def rules(document: dict[str, Any], schema: dict[str, Any], where: str = "") -> dict[str, Any]:
    """Every required-field list and enum in a schema, by the place it applies (`voice.type`, `events[]`)."""
    schema = resolve(document, schema)
    found: dict[str, Any] = {}
    if "enum" in schema:
        found[f"{where} enum"] = set(schema["enum"])
    if schema.get("properties"):
        found[f"{where} required"] = set(schema.get("required", []))
        for name, sub in schema["properties"].items():
            found.update(rules(document, sub, f"{where}.{name}".lstrip(".")))
    if "items" in schema:
        found.update(rules(document, schema["items"], f"{where}[]"))
    return found


def property_names(document: dict[str, Any], schema: dict[str, Any], where: str = "data") -> set[str]:
    """Every property path of a schema (`data.avatars[].id`)."""
    schema = resolve(document, schema)
    names: set[str] = set()
    for name, sub in schema.get("properties", {}).items():
        names.add(f"{where}.{name}")
        names |= property_names(document, sub, f"{where}.{name}")
    if "items" in schema:
        names |= property_names(document, schema["items"], f"{where}[]")
    return names


def body_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    body = operation.get("requestBody")
    return body["content"]["application/json"]["schema"] if body else None


def data_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    answer = resolve(document, operation["responses"]["200"]["content"]["application/json"]["schema"])
    return answer["properties"]["data"]


def query_enums(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, set]:
    found = {}
    for parameter in operation.get("parameters", []):
        parameter = resolve(document, parameter)
        schema = resolve(document, parameter.get("schema", {}))
        if parameter["in"] == "query" and "enum" in schema:
            found[parameter["name"]] = set(schema["enum"])
    return found


def test_the_engine_documents_every_operation_it_shares_with_the_spec(spec, ours) -> None:
    assert SHARED <= operations(spec).keys()
    assert SHARED - operations(ours).keys() == set()


def test_request_bodies_have_the_specs_required_fields_and_enums(spec, ours) -> None:
    theirs, mine = operations(spec), operations(ours)
    checked = 0
    for key in SHARED:
        spec_body = body_schema(theirs[key])
        if spec_body is None:
            continue
        our_body = body_schema(mine[key])
        assert our_body is not None, f"{key}: the engine does not document its body"
        spec_rules, our_rules = rules(spec, spec_body), rules(ours, our_body)
        for place, rule in spec_rules.items():
            assert our_rules.get(place) == rule, f"{key} {place}: spec {rule}, engine {our_rules.get(place)}"
        checked += 1
    assert checked == 4  # create video, upload, endpoint create and endpoint update


def test_query_parameters_have_the_specs_names_and_enums(spec, ours) -> None:
    theirs, mine = operations(spec), operations(ours)
    for key in SHARED:
        names = {resolve(spec, p)["name"] for p in theirs[key].get("parameters", [])
                 if resolve(spec, p)["in"] == "query"}
        our_names = {p["name"] for p in mine[key].get("parameters", []) if p["in"] == "query"}
        assert names <= our_names, key
        for name, values in query_enums(spec, theirs[key]).items():
            assert query_enums(ours, mine[key]).get(name) == values, (key, name)


def test_success_answers_carry_every_property_the_spec_lists(spec, ours) -> None:
    theirs, mine = operations(spec), operations(ours)
    for key in SHARED:
        missing = (property_names(spec, data_schema(spec, theirs[key]))
                   - property_names(ours, data_schema(ours, mine[key])))
        assert missing == set(), key


def test_answer_enums_are_the_specs(spec, ours) -> None:
    theirs, mine = operations(spec), operations(ours)
    for key in SHARED:
        our_rules = rules(ours, data_schema(ours, mine[key]))
        for place, rule in rules(spec, data_schema(spec, theirs[key])).items():
            if place.endswith(" enum"):
                assert our_rules.get(place) == rule, (key, place)


def test_our_extensions_are_marked(spec, ours) -> None:
    theirs = operations(spec)
    for key, operation in operations(ours).items():
        if key not in theirs:
            assert operation.get("x-extension") is True, key
    assert ("post", contract.EXT_ROUTE_PREFIX + "/speech_preview") in operations(ours)
    status = resolve(ours, data_schema(ours, operations(ours)[("get", "/v2/avatar_video/{}")]))
    assert status["properties"]["progress"].get("x-extension") is True
    assert "x-extension" not in status["properties"]["video_url"]
    create = operations(ours)[("post", "/v2/create_video_from_avatar")]
    header = next(p for p in create["parameters"] if p["name"] == contract.IDEMPOTENCY_HEADER)
    assert header["in"] == "header" and header["schema"].get("x-extension") is True
    body = resolve(ours, body_schema(create))
    assert body["properties"][contract.EXT_REQUEST_FIELD].get("x-extension") is True
    assert "x-extension" not in body["properties"]["aspect_ratio"]


def test_healthz_lists_what_the_engine_honours(engine) -> None:
    answer = requests.get(engine.base_url + contract.HEALTH_PATH, timeout=5)  # no key
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert data["status"] == "ok" and data["engine"] == "avatar-studio-local" and data["version"]
    assert set(data["capabilities"]) == {contract.CAPABILITY_IDEMPOTENCY, contract.CAPABILITY_EXT_ROUTES,
                                         contract.CAPABILITY_EXT}
