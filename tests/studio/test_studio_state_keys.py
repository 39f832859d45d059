"""The key prefix decides what the page guard stashes: buttons are ``B_``, never ``W_``."""

from __future__ import annotations

import ast
from pathlib import Path

from lib.studio.state import STASHED_WIDGETS, Keys

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([REPO_ROOT / "app.py", *(REPO_ROOT / "lib" / "studio").rglob("*.py"), *(REPO_ROOT / "pages").glob("*.py")])
BUTTON_CALLS = {"button", "form_submit_button", "download_button", "favourite_button"}
UNSETTABLE_CALLS = {"file_uploader", "pagination", "st_autorefresh"}


def keys_passed_to(calls: set[str]) -> list[tuple[str, str]]:
    """(where, Keys attribute) for each call of one of ``calls`` with ``key=Keys.<attribute>``."""
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            for keyword in node.keywords:
                value = keyword.value
                if (name in calls and keyword.arg == "key" and isinstance(value, ast.Attribute)
                        and isinstance(value.value, ast.Name) and value.value.id == "Keys"):
                    found.append((f"{path.relative_to(REPO_ROOT)}:{node.lineno}", value.attr))
    return found


def test_every_button_key_has_the_button_prefix() -> None:
    found = keys_passed_to(BUTTON_CALLS)
    assert found, "the scan found no buttons"
    assert [(where, name) for where, name in found if not name.startswith("B_")] == []


def test_uploaders_pagination_and_autorefresh_are_not_stashed() -> None:
    found = keys_passed_to(UNSETTABLE_CALLS)
    assert len(found) >= 4
    assert [(where, name) for where, name in found if name.startswith("W_")] == []


def test_only_w_keys_are_stashed() -> None:
    prefixed = {name[:2] for name in vars(Keys) if name[:2] in ("W_", "B_", "U_")}
    assert prefixed == {"W_", "B_", "U_"}
    assert set(STASHED_WIDGETS) == {value for name, value in vars(Keys).items() if name.startswith("W_")}
    assert not set(STASHED_WIDGETS) & {value for name, value in vars(Keys).items() if name[:2] in ("B_", "U_")}
