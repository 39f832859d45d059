"""Batch page: product-visual columns against the cloud stand-in are refused by name before anything is sent."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from lib.joggai import contract
from lib.studio import batch
from lib.studio.state import Keys
from tests.app.conftest import open_page, sender_idle
from tests.conftest import wait_for

pytestmark = pytest.mark.timeout(240)


def test_cloud_refuses_rows_with_visual_columns_and_sends_only_the_others(cloud_studio, tmp_path: Path) -> None:
    client = cloud_studio.client()
    avatar = client.list_public_avatars(page_size=1)[0]
    voice = client.list_voices(page_size=1).voices[0]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*batch.TEMPLATE_COLUMNS, *batch.EXT_COLUMNS])
    writer.writeheader()
    writer.writerow({"script": "Plain row.", "avatar_id": avatar.id, "voice_id": voice.voice_id})
    writer.writerow({"script": "Product row.", "avatar_id": avatar.id, "voice_id": voice.voice_id,
                     "logo_url": "https://example.org/logo.png", "resolution": "1080p"})
    at = open_page("batch")
    at.text_area(key=Keys.W_BATCH_TEXT).input(out.getvalue()).run()
    assert not at.exception
    errors = [error.value for error in at.error]
    assert any("logo_url, resolution" in e and "local engine" in e for e in errors if not e.startswith("Row"))
    assert any(e.startswith("Row 2:") and "logo_url, resolution" in e for e in errors)
    assert at.button(key=Keys.B_BATCH_SUBMIT).label == "Submit 1 valid rows"
    at.button(key=Keys.B_BATCH_SUBMIT).click().run()
    assert not at.exception
    wait_for(lambda: cloud_studio.creates(), 60, "the valid row sent")  # by the background sender
    sender_idle(tmp_path / "studio", f"custom:{cloud_studio.base_url}")
    bodies = [create["body"] for create in cloud_studio.creates()]
    assert [body["voice"]["script"] for body in bodies] == ["Plain row."]
    assert all(contract.EXT_REQUEST_FIELD not in body for body in bodies)
