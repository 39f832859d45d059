"""Batch rows that name a persona instead of avatar_id/voice_id, against the real engine's catalog."""

from __future__ import annotations

import pytest

from lib.joggai import JoggAIClient
from lib.studio import batch
from lib.studio.personas import Persona, by_name

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def catalog(engine_client: JoggAIClient) -> tuple[list, list]:
    return engine_client.all_public_avatars(), engine_client.all_voices()


def persona_csv(*lines: str) -> bytes:
    return ("script,persona,avatar_id,voice_id,aspect_ratio,caption,video_name\n" + "\n".join(lines)).encode()


def test_a_persona_column_fills_the_row_and_explicit_columns_override(catalog) -> None:
    avatars, voices = catalog
    english = [voice for voice in voices if voice.language == "english"]
    ava = Persona("Sales Ava", avatars[0].id, 0, english[0].voice_id, "landscape", 2, True)
    rows, problem = batch.parse_csv(persona_csv(
        "Row one.,Sales Ava,,,,,One",
        f"Row two.,sales ava,{avatars[1].id},{english[1].voice_id},square,false,Two",  # any case; columns win
        "Row three.,Nobody,,,,,Three",
        f"Row four.,,{avatars[1].id},{english[1].voice_id},,,Four"))  # no persona: the columns as before
    assert problem is None
    plans = batch.validate_rows(rows, avatars, voices, personas=by_name([ava]))
    one, two, three, four = plans
    assert one.valid and (one.request.avatar_id, one.request.voice_id, one.request.aspect_ratio,
                          one.request.screen_style, one.request.caption) == (
        avatars[0].id, english[0].voice_id, "landscape", 2, True)
    assert one.voice_name == english[0].name
    assert two.valid and (two.request.avatar_id, two.request.voice_id, two.request.aspect_ratio,
                          two.request.screen_style, two.request.caption) == (
        avatars[1].id, english[1].voice_id, "square", 2, False)
    assert not three.valid and "persona 'Nobody'" in three.errors[0] and "Sales Ava" in three.errors[0]
    assert four.valid and four.request.avatar_id == avatars[1].id


def test_a_csv_with_a_persona_column_needs_no_id_columns() -> None:
    rows, problem = batch.parse_csv(b"script,persona\nHello.,Sales Ava\n")
    assert problem is None and rows == [{"script": "Hello.", "persona": "Sales Ava"}]
    _, problem = batch.parse_csv(b"script,video_name\nHello.,x\n")
    assert problem and "avatar_id" in problem and "persona" in problem
    # Without the persona column, a row without ids is still an error, as before.
    rows, _ = batch.parse_csv(b"script,avatar_id,voice_id\nHello.,,\n")
    [plan] = batch.validate_rows(rows, [], [])
    assert "avatar_id is required" in plan.errors
