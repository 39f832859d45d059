"""Personas: saved per backend, renamed and deleted, and applied to a request without touching its script."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.joggai import CreateVideoRequest
from lib.studio.personas import PersonaStore, apply_persona, by_name, persona_from_request

COMPOSED = CreateVideoRequest(avatar_id=81, avatar_type=1, voice_id="en-US-AvaLocal", script="Hello.",
                              aspect_ratio="landscape", screen_style=2, caption=True, video_name="Promo")


def test_a_persona_keeps_the_settings_and_not_the_script(tmp_path: Path) -> None:
    store = PersonaStore(tmp_path / "studio.sqlite3")
    store.save("local", persona_from_request("  Sales   Ava ", COMPOSED))
    [saved] = store.list("local")
    assert saved.name == "Sales Ava"
    assert (saved.avatar_id, saved.avatar_type, saved.voice_id, saved.aspect_ratio, saved.screen_style,
            saved.caption, saved.ext) == (81, 1, "en-US-AvaLocal", "landscape", 2, True, None)
    other = CreateVideoRequest(avatar_id=3, voice_id="v", script="Another script.", video_name="Other")
    applied = apply_persona(other, saved, ext_allowed=True)
    assert (applied.avatar_id, applied.avatar_type, applied.voice_id, applied.aspect_ratio,
            applied.screen_style, applied.caption) == (81, 1, "en-US-AvaLocal", "landscape", 2, True)
    assert (applied.script, applied.video_name) == ("Another script.", "Other")


def test_personas_belong_to_their_backend_and_names_are_unique_in_any_case(tmp_path: Path) -> None:
    store = PersonaStore(tmp_path / "studio.sqlite3")
    store.save("local", persona_from_request("Ava", COMPOSED))
    store.save("cloud", persona_from_request("Guy", COMPOSED))
    store.save("local", persona_from_request("ava", CreateVideoRequest(avatar_id=5, voice_id="w", script="x")))
    assert [(p.name, p.avatar_id) for p in store.list("local")] == [("ava", 5)]  # replaced, not added
    assert [p.name for p in store.list("cloud")] == ["Guy"]
    assert store.get("local", "AVA").avatar_id == 5 and store.get("cloud", "Ava") is None
    assert set(by_name(store.list("local"))) == {"ava"}


def test_rename_and_delete(tmp_path: Path) -> None:
    store = PersonaStore(tmp_path / "studio.sqlite3")
    for name in ("Ava", "Guy"):
        store.save("local", persona_from_request(name, COMPOSED))
    with pytest.raises(ValueError, match="already"):
        store.rename("local", "Ava", "guy")
    store.rename("local", "Ava", "Ava (warm)")
    store.rename("local", "Guy", "GUY")  # a new case of its own name is fine
    assert [p.name for p in PersonaStore(store.path).list("local")] == ["Ava (warm)", "GUY"]
    store.delete("local", "ava (WARM)")
    assert [p.name for p in store.list("local")] == ["GUY"]


@pytest.mark.parametrize(("name", "request_", "message"), [
    ("", COMPOSED, "name"),
    ("x" * 61, COMPOSED, "at most"),
    ("No avatar", CreateVideoRequest(avatar_id=-1, voice_id="v"), "avatar"),
    ("No voice", CreateVideoRequest(avatar_id=1, voice_id=""), "voice"),
])
def test_what_cannot_be_saved(name: str, request_: CreateVideoRequest, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        persona_from_request(name, request_)
