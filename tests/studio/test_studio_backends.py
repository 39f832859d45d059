"""backends.py: profile resolution, key handling and the explanations shown in the banner."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.joggai import JoggAIClient, errors
from lib.studio.backends import (
    Backend,
    BackendUnavailable,
    account_tag,
    check_health,
    explain_error,
    resolve_backend,
)
from lib.studio.config import CLOUD_BASE_URL, StudioConfig


def config(**overrides) -> StudioConfig:
    values = {"backend": "local", "data_dir": Path("/nonexistent"), "autorefresh_ms": 3000, **overrides}
    return StudioConfig(**values)


def test_cloud_uses_the_session_key_before_the_configured_one() -> None:
    backend = resolve_backend("cloud", config(api_key="from-env"), session_key="typed")
    assert (backend.base_url, backend.api_key, backend.backend_id) == (CLOUD_BASE_URL, "typed", "cloud")
    assert resolve_backend("cloud", config(api_key="from-env")).api_key == "from-env"
    assert "typed" not in repr(backend) and "from-env" not in repr(config(api_key="from-env"))


def test_missing_key_or_url_says_how_to_fix_it() -> None:
    with pytest.raises(BackendUnavailable) as missing_key:
        resolve_backend("cloud", config())
    assert "JOGGAI_API_KEY" in missing_key.value.fix
    with pytest.raises(BackendUnavailable) as missing_url:
        resolve_backend("custom", config(api_key="k"))
    assert "JOGGAI_BASE_URL" in missing_url.value.fix


def test_custom_backends_are_told_apart_by_url_and_key_fingerprint() -> None:
    one = resolve_backend("custom", config(api_key="k1"), custom_url="http://a:1/")
    two = resolve_backend("custom", config(api_key="k2"), custom_url="http://b:2")
    assert one.backend_id == "custom:http://a:1" and two.backend_id == "custom:http://b:2"
    assert one.key_fingerprint != two.key_fingerprint and "k1" not in one.key_fingerprint


def test_account_tags_tell_keys_apart_without_holding_them() -> None:
    secret, other_secret = b"s" * 32, b"t" * 32
    ann, bob = Backend("cloud", CLOUD_BASE_URL, "ann-key-123"), Backend("cloud", CLOUD_BASE_URL, "bob-key-456")
    assert account_tag(ann, secret) == account_tag(Backend("custom", "http://x", "ann-key-123"), secret)
    assert account_tag(ann, secret) != account_tag(bob, secret)
    assert account_tag(ann, secret) != account_tag(ann, other_secret)  # a stolen tag is no use elsewhere
    assert account_tag(ann, secret) != ann.key_fingerprint and "ann" not in account_tag(ann, secret)
    assert account_tag(Backend("local", "http://127.0.0.1:1", "engine-key"), secret) == ""  # one engine, one key


def test_health_against_the_engine_and_a_wrong_key(engine) -> None:
    good = Backend("local", engine.base_url, engine.api_key)
    health = check_health(JoggAIClient(good.base_url, good.api_key), good)
    assert health.ok and health.username and health.remaining_quota is not None
    bad = Backend("custom", engine.base_url, "wrong-key-value")
    health = check_health(JoggAIClient(bad.base_url, bad.api_key, max_retries=0), bad)
    assert not health.ok and "rejected the API key" in health.message


def test_explanations_never_echo_the_key() -> None:
    backend = Backend("custom", "http://h", "sekrit-key-1234")
    exc = errors.ServerError("boom for key sekrit-key-1234", http_status=500, code=50000)
    message, fix = explain_error(exc, backend)
    assert "sekrit-key-1234" not in message + fix and "boom" in message
