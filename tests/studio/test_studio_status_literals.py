"""Video statuses are spelled once, in lib/joggai/contract.py: the studio compares VideoStatus members."""

from __future__ import annotations

import ast
from pathlib import Path

from lib.joggai import VideoStatus

REPO_ROOT = Path(__file__).resolve().parents[2]
SCANNED = sorted([*(REPO_ROOT / "lib" / "studio").rglob("*.py"), *(REPO_ROOT / "pages").glob("*.py")])
STATUS_WORDS = {status.value for status in VideoStatus}


def status_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string constant that is a status word or quotes one as an SQL literal."""
    return [(node.lineno, node.value) for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and (node.value in STATUS_WORDS or any(f"'{word}'" in node.value for word in STATUS_WORDS))]


def test_the_scan_catches_a_comparison_and_an_sql_literal() -> None:
    source = 'done = job.status == "completed"\nSQL = "WHERE status=\'failed\'"\nNOTE = "not completed yet"\n'
    assert sorted(line for line, _ in status_literals(source)) == [1, 2]


def test_the_scan_sees_the_studio_and_the_pages() -> None:
    assert any(path.name == "history.py" for path in SCANNED) and any(path.parent.name == "pages" for path in SCANNED)


def test_no_video_status_word_is_written_as_a_literal_in_the_studio_or_pages() -> None:
    found = [f"{path.relative_to(REPO_ROOT)}:{line}: {text[:60]!r}"
             for path in SCANNED for line, text in status_literals(path.read_text())]
    assert not found, "compare with lib.joggai.VideoStatus instead:\n" + "\n".join(found)
