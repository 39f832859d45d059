"""Compose's "Draft with AI" against the real local engine: drafts appear as cards, Use fills the script,
Compare makes a script experiment of the chosen drafts, and a language the writer cannot write shows its
message."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.studio.draft_panel import CLOUD_NOTE as JOGGAI_NOTE
from lib.studio.experiment_plans import split_scripts
from lib.studio.state import Keys, translation_key
from tests.app.conftest import sent_experiment
from tests.app.test_page_compose import composer

pytestmark = pytest.mark.timeout(240)

BRIEF = {Keys.W_DRAFT_PRODUCT: "Owala FreeSip",
         Keys.W_DRAFT_DESCRIPTION: "A water bottle with a built-in straw. It keeps drinks cold for 24 hours.",
         Keys.W_DRAFT_AUDIENCE: "runners", Keys.W_DRAFT_LENGTH: "15",
         Keys.W_DRAFT_STYLES: ["Top 3 reasons", "Storytime", "Data"]}


def drafted(engine_client, **seed):
    at, avatar, voice = composer(engine_client, **{**BRIEF, **seed})
    assert not at.exception
    at.button(key=Keys.B_DRAFT_WRITE).click().run()
    assert not at.exception
    return at, avatar, voice


def test_drafts_appear_as_cards_in_the_styles_asked_for(studio_env: Path, engine_client) -> None:
    at, _, _ = drafted(engine_client)
    result = at.session_state[Keys.DRAFTS]
    assert [card.style for card in result.cards] == BRIEF[Keys.W_DRAFT_STYLES]
    shown = " ".join(markdown.value for markdown in at.markdown)
    for card in result.cards:
        assert f"**{card.style}**" in shown
        assert card.paragraphs[0].split()[0] in shown
    assert any(f"{result.cards[0].words} words" in caption.value for caption in at.caption)
    assert [button.key for button in at.button if button.key.startswith(Keys.B_DRAFT_USE)] == [
        f"{Keys.B_DRAFT_USE}_{index}" for index in range(3)]
    assert not at.error


def test_use_fills_the_script_box(studio_env: Path, engine_client) -> None:
    at, _, _ = drafted(engine_client)
    chosen = at.session_state[Keys.DRAFTS].cards[1]
    at.button(key=f"{Keys.B_DRAFT_USE}_1").click().run()
    assert not at.exception
    assert at.text_area(key=Keys.W_COMPOSE_SCRIPT).value == chosen.text
    assert "Owala FreeSip" in chosen.text


def test_compare_makes_a_script_experiment_of_the_chosen_drafts(studio_env: Path, engine_client) -> None:
    at, avatar, voice = drafted(engine_client)
    cards = at.session_state[Keys.DRAFTS].cards
    assert at.button(key=Keys.B_DRAFT_COMPARE).disabled  # nothing ticked yet
    at.session_state[Keys.W_DRAFT_COMPARE] = [0, 2]  # the picks (AppTest cannot click pills)
    at.run()
    assert not at.button(key=Keys.B_DRAFT_COMPARE).disabled
    at.button(key=Keys.B_DRAFT_COMPARE).click().run()
    assert not at.exception
    assert at.toggle(key=Keys.W_COMPOSE_EXPERIMENT).value is True
    assert at.session_state[Keys.W_EXP_AXIS] == "scripts"
    assert split_scripts(at.text_area(key=Keys.W_EXP_SCRIPTS).value) == [cards[0].text, cards[2].text]
    # The variants are named by their drafts' styles, as the compare view will show them.
    assert any(f"2 video(s): {cards[0].style}, {cards[2].style}" in caption.value for caption in at.caption)
    at.button(key=Keys.B_EXP_SUBMIT).click().run()  # the experiment machinery sends it, as any other
    assert not at.exception
    assert [title.value for title in at.title] == [":material/compare: Experiments"]
    _, jobs = sent_experiment(studio_env, 2)
    assert sorted(job.request["voice"]["script"] for job in jobs) == sorted([cards[0].text, cards[2].text])
    assert sorted(job.name for job in jobs) == sorted([f"{cards[0].style}", f"{cards[2].style}"])
    assert {(job.avatar_id, job.voice_id) for job in jobs} == {(avatar.id, voice.voice_id)}


def test_a_language_the_local_writer_cannot_write_shows_its_message(studio_env: Path, engine_client) -> None:
    at, _, _ = drafted(engine_client, **{Keys.W_DRAFT_LANGUAGE: "german"})
    [error] = [error.value for error in at.error]
    assert "could not write" in error and "german" in error and "english" in error
    assert not at.session_state[Keys.DRAFTS].cards
    assert not [button for button in at.button if button.key.startswith(Keys.B_DRAFT_USE)]


def test_write_stays_disabled_until_the_brief_is_complete(studio_env: Path, engine_client) -> None:
    at, _, _ = composer(engine_client, **{Keys.W_DRAFT_PRODUCT: "Owala FreeSip"})
    write = at.button(key=Keys.B_DRAFT_WRITE)
    assert write.disabled and "Pick at least one style." in (write.help or "")


@pytest.fixture
def on_the_cloud(studio_env: Path, cloud, monkeypatch: pytest.MonkeyPatch):
    """The studio on the billed cloud stand-in (spec shapes only, no /healthz: treated as the cloud)."""
    monkeypatch.delenv("AVATAR_STUDIO_ENGINE_URL")
    monkeypatch.setenv("AVATAR_STUDIO_BACKEND", "custom")
    monkeypatch.setenv("JOGGAI_BASE_URL", cloud.base_url)
    monkeypatch.setenv("JOGGAI_API_KEY", cloud.api_key)
    return cloud


def test_on_the_cloud_one_click_is_one_task_and_its_drafts_are_cards(on_the_cloud) -> None:
    at, _, _ = drafted(on_the_cloud.client(), **{Keys.W_DRAFT_LANGUAGE: "german"})  # the cloud writes German
    result = at.session_state[Keys.DRAFTS]
    assert result.error is None and not result.pending
    assert [card.style for card in result.cards] == BRIEF[Keys.W_DRAFT_STYLES]
    assert all("german" in card.text and "Owala FreeSip" in card.text for card in result.cards)
    assert any(JOGGAI_NOTE in caption.value for caption in at.caption)
    at.button(key=f"{Keys.B_DRAFT_USE}_0").click().run()  # using a draft asks the writer nothing more
    assert at.text_area(key=Keys.W_COMPOSE_SCRIPT).value == result.cards[0].text
    assert on_the_cloud.state()["posts_in_window"] == 1


def languages_experiment(client, voice_ids: list[str], **seed):
    at, _, _ = composer(client, **{**BRIEF, Keys.W_COMPOSE_EXPERIMENT: True, Keys.W_EXP_AXIS: "languages",
                                   Keys.W_EXP_LANGUAGE_VOICES: voice_ids, **seed})
    assert not at.exception
    return at


def test_each_language_is_drafted_in_its_own_language_on_the_cloud(on_the_cloud) -> None:
    voices = ["en-US-JennyNeural", "es-ES-ElviraNeural", "zh-CN-XiaoxiaoNeural"]
    at = languages_experiment(on_the_cloud.client(), voices)
    at.button(key=Keys.B_EXP_LANGUAGE_DRAFTS).click().run()
    assert not at.exception
    assert not [w.value for w in at.warning if "draft" in w.value]  # (the stand-in's canned text is English)
    drafts = {voice: at.text_area(key=translation_key(voice)).value for voice in voices}
    for voice, language in zip(voices, ("english", "spanish", "chinese"), strict=True):
        assert "Owala FreeSip for runners" in drafts[voice] and f"script in {language}" in drafts[voice]
        assert BRIEF[Keys.W_DRAFT_STYLES][0] in drafts[voice]  # the brief's first style
    assert on_the_cloud.state()["posts_in_window"] == 3  # one task per language, nothing else
    assert any("3 video(s)" in caption.value for caption in at.caption)  # the experiment is ready to send


def test_a_language_the_local_writer_cannot_write_is_named_and_left_to_the_user(studio_env: Path,
                                                                               engine_client) -> None:
    english = next(v.voice_id for v in engine_client.all_voices() if v.language == "english")
    spanish = next(v.voice_id for v in engine_client.all_voices() if v.language == "spanish")
    at = languages_experiment(engine_client, [english, spanish], **{translation_key(spanish): "Mi traducción."})
    at.button(key=Keys.B_EXP_LANGUAGE_DRAFTS).click().run()
    assert not at.exception
    assert "Owala FreeSip" in at.text_area(key=translation_key(english)).value
    assert at.text_area(key=translation_key(spanish)).value == "Mi traducción."  # kept, not blanked
    [note] = [warning.value for warning in at.warning if "draft" in warning.value]
    assert "No spanish draft" in note and "english" in note


def test_drafting_languages_waits_for_a_complete_brief(studio_env: Path, engine_client) -> None:
    english = next(v.voice_id for v in engine_client.all_voices() if v.language == "english")
    at = languages_experiment(engine_client, [english], **{Keys.W_DRAFT_STYLES: []})
    button = at.button(key=Keys.B_EXP_LANGUAGE_DRAFTS)
    assert button.disabled and "Pick at least one style." in (button.help or "")
