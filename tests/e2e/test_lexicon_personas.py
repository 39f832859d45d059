"""In a real browser against the real local engine: a brand word added to the pronunciation lexicon on
Settings shows up in Compose's request preview as the local engine will receive it (the script as written
plus ``ext.pronunciations``), the picks are saved as a persona, and Settings lists both (screenshot)."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from lib.joggai import JoggAIClient
from lib.studio.personas import PersonaStore
from lib.studio.pronunciations import PronunciationStore
from tests.e2e.conftest import choose, keyed, pick_avatar, screenshot, wait_for_app

pytestmark = pytest.mark.e2e

WORD, SAID, PHONEMES = "Quentum", "Kwentum", "kw'Ent@m"
SCRIPT = "Quentum keeps your files in sync. Try Quentum today."
PERSONA = "Quentum Ava"
VOICE = "Ava · english"  # typed into the voice box


@pytest.fixture
def history_db(studio) -> Iterator[str]:
    """The studio's database; the word and the persona are taken out again (the studio outlives this test)."""
    path = str(studio.data_dir / "history.sqlite3")
    yield path
    PronunciationStore(path).delete(WORD)
    PersonaStore(path).delete("local", PERSONA)


def commit(page: Page, key: str, text: str) -> None:
    """Type into a text input and press Enter (Streamlit takes the value on Enter or blur)."""
    field = keyed(page, key).locator("input")
    field.fill(text)
    field.press("Enter")
    wait_for_app(page)
    expect(field).to_have_value(text)


def expect_rows(grid: Locator, rows: list[list[str]]) -> None:
    """A dataframe or data editor holds exactly ``rows`` (it draws on a canvas and mirrors the cells in an
    accessible table)."""
    body_rows = grid.locator("table tbody tr")
    expect(body_rows).to_have_count(len(rows), timeout=15_000)
    for index, cells in enumerate(rows):
        expect(body_rows.nth(index).locator("[role=gridcell]")).to_have_text(cells)


def test_a_brand_word_reaches_the_request_preview_and_a_persona_is_saved(page: Page, studio, engine,
                                                                        history_db: str) -> None:
    # 1. Settings: add the word with its respelling and phonemes.
    page.goto(f"{studio.url}/settings")
    wait_for_app(page)
    commit(page, "lexicon_word", WORD)
    commit(page, "lexicon_respelling", SAID)
    commit(page, "lexicon_phonemes", PHONEMES)
    keyed(page, "lexicon_add").locator("button").click()
    wait_for_app(page)
    expect(page.get_by_test_id("stAlert").filter(has_text="Saved:")).to_contain_text(
        f"Saved: '{WORD}' is said '{SAID}' (on the local engine as [[{PHONEMES}]]).", timeout=15_000)
    expect(keyed(page, "lexicon_word").locator("input")).to_have_value("")  # ready for the next word
    expect_rows(keyed(page, "lexicon_table"), [[WORD, SAID, PHONEMES]])
    assert [(e.word, e.respelling, e.phonemes) for e in PronunciationStore(history_db).entries()] == [
        (WORD, SAID, PHONEMES)]

    # 2. Compose: an avatar, a voice and a script with the word; the preview is what the engine will get.
    avas = {v.voice_id for v in JoggAIClient(engine.base_url, engine.api_key).all_voices()
            if (v.name, v.language) == ("Ava", "english")}
    page.goto(f"{studio.url}/compose")
    wait_for_app(page)
    pick_avatar(page, 2)  # the first avatar matching "#2"; its id is read back from the box
    avatar_id = int(re.search(r"#(\d+)$", keyed(page, "compose_avatar").locator("input").first.input_value())[1])
    choose(page, "compose_voice", VOICE)
    script = keyed(page, "compose_script").locator("textarea")
    script.fill(SCRIPT)
    script.press("Control+Enter")
    wait_for_app(page)
    preview = page.get_by_test_id("stExpander").filter(has_text="Request preview")
    preview.locator("summary").click()
    wait_for_app(page)
    body_code = preview.get_by_test_id("stCode").first.locator("code")
    expect(body_code).to_contain_text('"pronunciations"', timeout=15_000)
    body = json.loads(body_code.inner_text())
    assert body["avatar"]["avatar_id"] == avatar_id
    assert body["voice"]["voice_id"] in avas
    voice_id = body["voice"]["voice_id"]
    assert body["voice"]["script"] == SCRIPT  # as written: the engine says the word, captions keep it
    assert body["ext"]["pronunciations"] == [{"word": WORD, "respelling": SAID, "phonemes": PHONEMES}]
    curl = shlex.split(preview.get_by_test_id("stCode").nth(1).locator("code").inner_text().replace("\\\n", " "))
    assert json.loads(curl[curl.index("-d") + 1]) == body  # the curl, as a shell reads it, sends the same

    page.get_by_role("button", name="Save as persona").click()
    commit(page, "persona_new_name", PERSONA)
    keyed(page, "persona_save").locator("button").click()
    wait_for_app(page)
    expect(page.get_by_test_id("stAlert").filter(has_text="Persona")).to_contain_text(
        f"Persona '{PERSONA}' saved.", timeout=15_000)
    [saved] = PersonaStore(history_db).list("local")
    assert (saved.name, saved.avatar_id, saved.voice_id, saved.ext) == (PERSONA, avatar_id, voice_id, None)

    # 3. Settings lists the persona above the lexicon; one screenshot shows both.
    page.goto(f"{studio.url}/settings")
    wait_for_app(page)
    # st.dataframe drops its key without selections, so the personas' table is found by its first column.
    personas = page.get_by_test_id("stDataFrame").filter(
        has=page.locator("[role=columnheader]", has_text=re.compile("^persona$")))
    expect_rows(personas, [[PERSONA, f"#{avatar_id}", voice_id, "portrait", "Full screen", "false", ""]])
    expect_rows(keyed(page, "lexicon_table"), [[WORD, SAID, PHONEMES]])
    heading = page.get_by_role("heading", name="Personas")
    heading.evaluate("el => el.scrollIntoView({block: 'start'})")
    wait_for_app(page)
    for shown in (heading, personas, keyed(page, "lexicon_table")):
        expect(shown).to_be_in_viewport()
    screenshot(page, "lexicon-personas")
