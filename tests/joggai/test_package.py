"""The client package stands alone: importable from a plain script, without Streamlit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_client_imports_without_streamlit_or_the_engine() -> None:
    probe = (
        "import sys; import lib.joggai as j; "
        "j.JoggAIClient('http://127.0.0.1:1', 'k'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'fastapi') "
        "or m.startswith(('lib.engine', 'lib.studio'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_public_names_are_exported() -> None:
    import lib.joggai as package

    for name in package.__all__:
        assert hasattr(package, name), name
    for name in ("JoggAIClient", "CreateVideoRequest", "VideoStatus", "errors"):
        assert name in package.__all__
