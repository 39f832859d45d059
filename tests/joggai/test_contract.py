"""The contract module against JoggAI's own spec, and webhook signing like stripe's construct_event."""

from __future__ import annotations

import json

import pytest
import yaml

from lib.joggai import contract
from tests.reference_spec import find_spec

SPEC = find_spec()


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load(SPEC.read_text())


def _body(spec: dict, path: str) -> dict:
    return spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]


def test_create_video_enums_are_the_specs(spec: dict) -> None:
    body = _body(spec, "/v2/create_video_from_avatar")
    assert tuple(body["aspect_ratio"]["enum"]) == contract.ASPECT_RATIOS
    assert set(body["screen_style"]["enum"]) == set(contract.SCREEN_STYLES)
    assert tuple(body["avatar"]["properties"]["avatar_type"]["enum"]) == contract.AVATAR_TYPES
    assert tuple(body["voice"]["properties"]["type"]["enum"]) == contract.VOICE_TYPES


def test_ai_script_enums_are_the_specs(spec: dict) -> None:
    body = _body(spec, "/v2/ai_scripts")
    assert tuple(body["language"]["enum"]) == contract.AI_SCRIPT_LANGUAGES
    assert tuple(body["video_length_seconds"]["enum"]) == contract.AI_SCRIPT_LENGTHS
    assert tuple(body["script_style"]["enum"]) == contract.AI_SCRIPT_STYLES
    assert tuple(body["product_info"]["properties"]["source_type"]["enum"]) == contract.PRODUCT_SOURCE_TYPES


def test_every_spec_status_parses_to_itself() -> None:
    for status in contract.TASK_STATUSES:
        assert contract.VideoStatus.parse(status).value == status
    assert contract.VideoStatus.parse(" Success ") is contract.VideoStatus.COMPLETED
    with pytest.raises(ValueError):
        contract.VideoStatus.parse("exploded")


def test_every_code_has_an_http_status() -> None:
    assert set(contract.HTTP_STATUS_FOR_CODE) == set(contract.Code)


def test_construct_event_accepts_only_the_signed_body() -> None:
    body = json.dumps({"event": contract.EVENT_AVATAR_VIDEO_SUCCESS, "data": {"video_id": "v1"}}).encode()
    signature = contract.sign_webhook(body, "whsec")
    assert contract.construct_event(body, signature, "whsec")["data"]["video_id"] == "v1"
    assert contract.construct_event(body, signature.upper(), "whsec")["event"] == contract.EVENT_AVATAR_VIDEO_SUCCESS
    for bad in (None, "", signature[:-1] + ("0" if signature[-1] != "0" else "1")):
        with pytest.raises(contract.WebhookSignatureError):
            contract.construct_event(body, bad, "whsec")
    with pytest.raises(contract.WebhookSignatureError):
        contract.construct_event(body + b" ", signature, "whsec")
    with pytest.raises(contract.WebhookSignatureError):
        contract.construct_event(body, signature, "other-secret")


def test_construct_event_refuses_signed_garbage() -> None:
    for body in (b"not json", b"[1, 2]", b'{"data": {}}'):
        with pytest.raises(contract.WebhookPayloadError):
            contract.construct_event(body, contract.sign_webhook(body, "s"), "s")


def test_webhook_video_id_falls_back_to_project_id() -> None:
    assert contract.webhook_video_id({"video_id": "a", "project_id": "b"}) == "a"
    assert contract.webhook_video_id({"project_id": 7}) == "7"
    assert contract.webhook_video_id({}) is None
