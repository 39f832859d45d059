"""Voices page: the table holds the engine's voices, filters work, a selected row can be used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.studio import catalog_view
from lib.studio.state import Keys
from tests.app.conftest import open_page

pytestmark = pytest.mark.timeout(120)


def test_table_lists_every_voice_with_samples(studio_env: Path, engine_client) -> None:
    at = open_page("voices")
    assert not at.exception
    table = at.dataframe[0].value
    voices = engine_client.all_voices()
    assert len(table) == len(voices) >= 100
    assert set(table["voice_id"]) == {voice.voice_id for voice in voices}
    assert table["sample"].notna().all()


def test_filters_match_the_engine_filter(studio_env: Path, engine_client) -> None:
    at = open_page("voices")
    at.multiselect(key=Keys.W_VOICE_GENDER).select("female")
    at.multiselect(key=Keys.W_VOICE_LANGUAGE).select("english")
    at.run()
    expected = {v.voice_id for v in engine_client.all_voices(gender="female", language="english")}
    assert expected and set(at.dataframe[0].value["voice_id"]) == expected


def test_selected_voice_plays_and_goes_to_the_composer(studio_env: Path, engine_client) -> None:
    at = open_page("voices")
    first_id = at.dataframe[0].value["voice_id"].iloc[3]
    voice = next(v for v in engine_client.all_voices() if v.voice_id == first_id)
    at.session_state[Keys.W_VOICE_TABLE] = {"selection": {"rows": [3], "columns": [], "cells": []}}
    at.run()
    assert voice.audio_url in [audio.proto.url for audio in at.get("audio")]
    at.button(key=Keys.B_VOICE_USE).click().run()
    assert [title.value for title in at.title] == [":material/edit_note: Compose"]
    assert at.selectbox(key=Keys.W_COMPOSE_VOICE).value == voice.voice_id


def test_voice_column_titles_are_consistent(studio_env: Path) -> None:
    at = open_page("voices")
    titles = catalog_view.VOICE_COLUMNS
    assert list(at.dataframe[0].value.columns) == list(titles)
    words = [title for title in titles.values() if title[0].isalpha()]
    # Sentence case everywhere: a capital first letter, then lower case except acronyms like "ID".
    assert all(title[0].isupper() and title[1:].replace("ID", "id") == title[1:].replace("ID", "id").lower()
               for title in words)
    config = json.loads(at.dataframe[0].proto.columns)
    assert {column: config[column]["label"] for column in titles} == titles


def test_star_a_voice_and_filter_favourites_only(studio_env: Path) -> None:
    at = open_page("voices")
    picked = at.dataframe[0].value["voice_id"].iloc[5]
    at.session_state[Keys.W_VOICE_TABLE] = {"selection": {"rows": [5], "columns": [], "cells": []}}
    at.run()
    at.button(key=Keys.B_VOICE_STAR).click().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.loc[table["favourite"], "voice_id"]) == [picked]
    again = open_page("voices")
    again.toggle(key=Keys.W_VOICE_FAVOURITES_ONLY).set_value(True).run()
    assert list(again.dataframe[0].value["voice_id"]) == [picked]
