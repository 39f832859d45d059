"""Every player of backend media goes through lib/studio/widgets.py (which rewrites links for the
browser's host): no page and no other studio module calls st.video, st.audio or st.image itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PLAYERS = {"video", "audio", "image"}
HELPER = REPO_ROOT / "lib" / "studio" / "widgets.py"
SOURCES = sorted([*(REPO_ROOT / "pages").glob("*.py"), *(REPO_ROOT / "lib" / "studio").glob("*.py"),
                  REPO_ROOT / "app.py"])


def direct_player_calls(path: Path) -> list[str]:
    """``st.video(...)``-style calls (any alias of streamlit, and ``from streamlit import video``)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    aliases = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names if alias.name == "streamlit"}
    imported = {alias.asname or alias.name for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module == "streamlit"
                for alias in node.names if alias.name in PLAYERS}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in PLAYERS:
            base = func.value
            # st.video, st.sidebar.video, column.video (a delta generator) all count.
            if (isinstance(base, ast.Name) and base.id in aliases) or (
                    isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name) and base.value.id in aliases):
                found.append(f"{path.name}:{node.lineno}")
        elif isinstance(func, ast.Name) and func.id in imported:
            found.append(f"{path.name}:{node.lineno}")
    return found


@pytest.mark.parametrize("path", [path for path in SOURCES if path != HELPER], ids=lambda path: path.name)
def test_no_direct_media_players(path: Path) -> None:
    assert direct_player_calls(path) == [], "use widgets.video_player / audio_player / image_view"


def test_the_scan_finds_the_helper_calls() -> None:
    # The scan itself works: the helper module is where the three calls live.
    assert len(direct_player_calls(HELPER)) == 3


def test_the_scan_catches_aliases(tmp_path: Path) -> None:
    sample = tmp_path / "page.py"
    sample.write_text("import streamlit as s\nfrom streamlit import audio as play\ns.video('u')\nplay('u')\n"
                      "s.sidebar.image('u')\n")
    assert direct_player_calls(sample) == ["page.py:3", "page.py:4", "page.py:5"]
