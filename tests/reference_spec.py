"""Where JoggAI's OpenAPI file is: `shared/reference/` beside the checkout (or beside a worktree's parent)."""

from __future__ import annotations

from pathlib import Path

from tests.engine_process import REPO_ROOT

SPEC_NAME = Path("shared") / "reference" / "joggai-openapi-v2.yaml"


def find_spec() -> Path:
    """The spec in the nearest folder above the repository that has `shared/reference/` (may not exist)."""
    for folder in REPO_ROOT.parents:
        if (folder / SPEC_NAME).exists():
            return folder / SPEC_NAME
    return REPO_ROOT.parent / SPEC_NAME
