"""Personas, pronunciations and the languages axis on the real pages, against the real engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.joggai import CreateVideoRequest
from lib.studio.history import JobHistory
from lib.studio.personas import PersonaStore, persona_from_request
from lib.studio.pronunciations import PronunciationStore
from lib.studio.state import Keys, translation_key
from tests.app.conftest import open_page, sender_idle, sent_experiment
from tests.conftest import wait_for

pytestmark = pytest.mark.timeout(300)


def catalog(engine_client):
    avatars = engine_client.list_public_avatars(page_size=3)
    voices = engine_client.all_voices()
    return avatars, voices


def composer(**seed):
    at = open_page("avatars")
    for key, value in seed.items():
        at.session_state[key] = value
    at.switch_page("pages/compose.py").run()
    assert not at.exception
    return at


def preview_body(at) -> dict:
    return json.loads(at.code[0].value)


def test_save_a_persona_then_pick_it_to_fill_the_composer(studio_env: Path, engine_client) -> None:
    avatars, voices = catalog(engine_client)
    english = [voice for voice in voices if voice.language == "english"]
    at = open_page("avatars")
    at.session_state[Keys.PICKED_AVATAR_ID] = avatars[1].id
    at.session_state[Keys.PICKED_VOICE_ID] = english[1].voice_id
    at.switch_page("pages/compose.py").run()
    at.segmented_control(key=Keys.W_COMPOSE_ASPECT).set_value("landscape")
    at.radio(key=Keys.W_COMPOSE_SCREEN).set_value(2)
    at.toggle(key=Keys.W_COMPOSE_CAPTION).set_value(True)
    at.text_input(key=Keys.W_PERSONA_NEW_NAME).input("Sales Ava").run()
    at.button(key=Keys.B_PERSONA_SAVE).click().run()
    assert not at.exception
    assert any("Sales Ava" in success.value for success in at.success)
    [saved] = PersonaStore(studio_env / "history.sqlite3").list("local")
    assert (saved.name, saved.avatar_id, saved.voice_id, saved.aspect_ratio, saved.screen_style, saved.caption) == (
        "Sales Ava", avatars[1].id, english[1].voice_id, "landscape", 2, True)

    # Change everything, then pick the persona: the widgets (and so the request) are its settings again.
    at.selectbox(key=Keys.W_COMPOSE_AVATAR).set_value((0, avatars[0].id))
    at.selectbox(key=Keys.W_COMPOSE_VOICE).set_value(english[0].voice_id)
    at.segmented_control(key=Keys.W_COMPOSE_ASPECT).set_value("square")
    at.toggle(key=Keys.W_COMPOSE_CAPTION).set_value(False)
    at.text_area(key=Keys.W_COMPOSE_SCRIPT).input("Persona script.").run()
    assert preview_body(at)["avatar"]["avatar_id"] == avatars[0].id
    at.selectbox(key=Keys.W_COMPOSE_PERSONA).select("Sales Ava").run()
    assert not at.exception
    body = preview_body(at)
    assert body["avatar"]["avatar_id"] == avatars[1].id and body["voice"]["voice_id"] == english[1].voice_id
    assert (body["aspect_ratio"], body["screen_style"], body["caption"]) == ("landscape", 2, True)
    assert body["voice"]["script"] == "Persona script."  # a persona never touches the script


def test_settings_renames_and_deletes_personas(studio_env: Path, engine_client) -> None:
    avatars, voices = catalog(engine_client)
    store = PersonaStore(studio_env / "history.sqlite3")
    store.save("local", persona_from_request("Ava", CreateVideoRequest(avatar_id=avatars[0].id,
                                                                       voice_id=voices[0].voice_id)))
    at = open_page("settings")
    at.selectbox(key=Keys.W_PERSONA_MANAGE).select("Ava").run()
    at.text_input(key=Keys.W_PERSONA_RENAME).input("Ava (warm)").run()
    at.button(key=Keys.B_PERSONA_RENAME).click().run()
    assert not at.exception
    assert [p.name for p in store.list("local")] == ["Ava (warm)"]
    at.button(key=Keys.B_PERSONA_DELETE).click().run()
    assert store.list("local") == []
    assert any("Deleted" in success.value for success in at.success)


def test_a_personas_experiment_makes_one_video_per_persona(studio_env: Path, engine_client) -> None:
    avatars, voices = catalog(engine_client)
    english = [voice for voice in voices if voice.language == "english"]
    store = PersonaStore(studio_env / "history.sqlite3")
    for name, avatar, voice, aspect in (("Ava", avatars[0], english[0], "portrait"),
                                        ("Guy", avatars[1], english[1], "square")):
        store.save("local", persona_from_request(name, CreateVideoRequest(
            avatar_id=avatar.id, voice_id=voice.voice_id, aspect_ratio=aspect)))
    at = composer(**{Keys.W_COMPOSE_EXPERIMENT: True, Keys.W_EXP_AXIS: "personas",
                     Keys.W_COMPOSE_SCRIPT: "Same words, two personas."})
    at.multiselect(key=Keys.W_EXP_PERSONAS).select("Ava").select("Guy").run()
    assert not at.exception
    assert any("2 video(s): Ava, Guy" in caption.value for caption in at.caption)
    at.button(key=Keys.B_EXP_SUBMIT).click().run()
    assert not at.exception
    assert [title.value for title in at.title] == [":material/compare: Experiments"]
    _, jobs = sent_experiment(studio_env, 2)
    made = {job.voice_id: engine_client.get_avatar_video(job.video_id) for job in jobs}
    assert set(made) == {english[0].voice_id, english[1].voice_id}
    requests = {job.voice_id: job.request for job in jobs}
    assert requests[english[1].voice_id]["avatar"]["avatar_id"] == avatars[1].id
    assert requests[english[1].voice_id]["aspect_ratio"] == "square"
    assert {request["voice"]["script"] for request in requests.values()} == {"Same words, two personas."}


def test_a_languages_experiment_pairs_each_voice_with_its_script(studio_env: Path, engine_client) -> None:
    avatars, voices = catalog(engine_client)
    english = next(voice for voice in voices if voice.language == "english")
    spanish = next(voice for voice in voices if voice.language == "spanish")
    russian = next(voice for voice in voices if voice.language == "russian")
    at = open_page("avatars")
    at.session_state[Keys.PICKED_AVATAR_ID] = avatars[0].id
    for key, value in {Keys.W_COMPOSE_EXPERIMENT: True, Keys.W_EXP_AXIS: "languages",
                       Keys.W_EXP_LANGUAGE_VOICES: [english.voice_id, spanish.voice_id, russian.voice_id]}.items():
        at.session_state[key] = value
    at.switch_page("pages/compose.py").run()
    assert not at.exception
    at.text_area(key=translation_key(english.voice_id)).input("Welcome to our shop.")
    at.text_area(key=translation_key(spanish.voice_id)).input("Bienvenidos a nuestra tienda.")
    at.text_area(key=translation_key(russian.voice_id)).input("Welcome to our shop.").run()  # not translated
    assert not at.exception
    assert any(f"3 video(s): english · {english.name}, spanish · {spanish.name}, russian · {russian.name}"
               in caption.value for caption in at.caption)
    lint = " ".join(warning.value for warning in at.warning)
    assert "Latin letters, but the voice speaks russian" in lint  # the untranslated one is flagged
    at.text_area(key=translation_key(russian.voice_id)).input("Добро пожаловать в наш магазин.").run()
    assert not any("voice speaks" in warning.value for warning in at.warning)
    at.button(key=Keys.B_EXP_SUBMIT).click().run()
    assert not at.exception
    assert [title.value for title in at.title] == [":material/compare: Experiments"]
    _, jobs = sent_experiment(studio_env, 3)
    scripts = {job.voice_id: job.request["voice"]["script"] for job in jobs}
    assert scripts == {english.voice_id: "Welcome to our shop.", spanish.voice_id: "Bienvenidos a nuestra tienda.",
                       russian.voice_id: "Добро пожаловать в наш магазин."}
    for job in jobs:  # each exists on the engine, in the voice it was planned with
        assert engine_client.get_avatar_video(job.video_id).video_id == job.video_id


def test_the_lexicon_is_kept_on_settings_and_shown_in_the_preview(studio_env: Path, engine_client) -> None:
    at = open_page("settings")
    for word, respelling, phonemes in (("Quentum", "Kwentum", ""), ("Nginx", "engine x", "'EndZIn 'Eks"),
                                       ("quentum", "Kwentum", "")):
        at.text_input(key=Keys.W_LEXICON_WORD).input(word)
        at.text_input(key=Keys.W_LEXICON_RESPELLING).input(respelling)
        at.text_input(key=Keys.W_LEXICON_PHONEMES).input(phonemes)
        at.button(key=Keys.B_LEXICON_ADD).click().run()
        assert not at.exception
    assert any("is said 'Kwentum'" in success.value for success in at.success)
    lexicon = PronunciationStore(studio_env / "history.sqlite3")
    assert [(entry.word, entry.respelling, entry.phonemes) for entry in lexicon.entries()] == [
        ("Nginx", "engine x", "'EndZIn 'Eks"), ("quentum", "Kwentum", "")]  # another case: changed, not added
    assert at.text_input(key=Keys.W_LEXICON_PHONEMES).value == ""
    # The table shows what is stored; the fields are empty again for the next word.
    assert sorted(at.data_editor(key=Keys.U_LEXICON_TABLE).value["word"]) == ["Nginx", "quentum"]
    assert at.text_input(key=Keys.W_LEXICON_WORD).value == ""
    at.text_input(key=Keys.W_LEXICON_WORD).input("Acme")
    at.button(key=Keys.B_LEXICON_ADD).click().run()  # no respelling: refused, nothing stored
    assert any("Not saved" in error.value for error in at.error)
    assert len(lexicon.entries()) == 2
    at.text_input(key=Keys.W_LEXICON_RESPELLING).input("Ak me")
    at.text_input(key=Keys.W_LEXICON_PHONEMES).input("[[ak mi]]")
    at.button(key=Keys.B_LEXICON_ADD).click().run()  # brackets would end the engine's phoneme block
    assert any("Not saved" in error.value and "phoneme" in error.value for error in at.error)
    assert len(lexicon.entries()) == 2

    avatars, voices = catalog(engine_client)
    at = composer(**{Keys.PICKED_AVATAR_ID: avatars[0].id, Keys.PICKED_VOICE_ID: voices[0].voice_id,
                     Keys.W_COMPOSE_SCRIPT: "QUENTUM runs on Nginx, Quentum's way."})
    # The local engine reads ext: the script goes as written, with the words it uses and how to say them.
    said = [{"word": "Nginx", "respelling": "engine x", "phonemes": "'EndZIn 'Eks"},
            {"word": "quentum", "respelling": "Kwentum"}]
    assert preview_body(at)["voice"]["script"] == "QUENTUM runs on Nginx, Quentum's way."
    assert preview_body(at)["ext"]["pronunciations"] == said
    assert "'EndZIn" in at.code[1].value  # the curl too
    at.button(key=Keys.B_COMPOSE_SUBMIT).click().run()
    [job] = JobHistory(studio_env / "history.sqlite3").list_jobs()
    assert job.request["voice"]["script"] == "QUENTUM runs on Nginx, Quentum's way."
    assert job.request["ext"]["pronunciations"] == said
    assert engine_client.get_avatar_video(job.video_id).video_id == job.video_id  # the engine took it


def test_a_backend_without_ext_gets_the_script_respelled(cloud_studio, tmp_path: Path) -> None:
    PronunciationStore(tmp_path / "studio" / "history.sqlite3").set(
        "Quentum", "Kwentum", "kw'Ent@m")
    client = cloud_studio.client()
    at = composer(**{Keys.PICKED_AVATAR_ID: client.list_public_avatars(page_size=1)[0].id,
                     Keys.PICKED_VOICE_ID: client.list_voices(page_size=1).voices[0].voice_id,
                     Keys.W_COMPOSE_SCRIPT: "Quentum, at last."})
    assert preview_body(at)["voice"]["script"] == "Kwentum, at last." and "ext" not in preview_body(at)
    at.button(key=Keys.B_COMPOSE_SUBMIT).click().run()
    assert not at.exception
    [create] = cloud_studio.creates()
    assert create["body"]["voice"]["script"] == "Kwentum, at last."
    assert "ext" not in create["body"]  # no phonemes, no field the cloud's spec lacks


def test_hear_it_first_speaks_the_respelled_script(studio_env: Path, engine, engine_client) -> None:
    import requests

    PronunciationStore(studio_env / "history.sqlite3").set("Nginx", "engine x")
    avatars, voices = catalog(engine_client)
    voice = next(voice for voice in voices if voice.language == "english")
    at = composer(**{Keys.PICKED_AVATAR_ID: avatars[0].id, Keys.PICKED_VOICE_ID: voice.voice_id,
                     Keys.W_COMPOSE_SCRIPT: "Nginx."})
    at.button(key=Keys.B_COMPOSE_HEAR).click().run()
    assert not at.exception
    [player] = at.get("audio")
    heard = requests.get(player.proto.url, timeout=30).content

    def spoken(script: str) -> bytes:
        return requests.get(engine_client.speech_preview(voice.voice_id, script).audio_url, timeout=30).content

    assert heard == spoken("engine x.")  # the engine speaks identical requests identically
    assert heard != spoken("Nginx.")


def test_a_batch_row_names_a_persona(studio_env: Path, engine_client) -> None:
    avatars, voices = catalog(engine_client)
    english = next(voice for voice in voices if voice.language == "english")
    PersonaStore(studio_env / "history.sqlite3").save("local", persona_from_request("Sales Ava", CreateVideoRequest(
        avatar_id=avatars[1].id, voice_id=english.voice_id, aspect_ratio="square")))
    at = open_page("batch")
    at.text_area(key=Keys.W_BATCH_TEXT).input("script,persona,video_name\nHello from a persona.,sales ava,P1\n"
                                              "Nobody reads this.,Nemo,P2\n").run()
    assert not at.exception
    assert list(at.dataframe[0].value["ok"]) == [True, False]
    assert any(error.value.startswith("Row 2:") and "'Nemo'" in error.value for error in at.error)
    at.button(key=Keys.B_BATCH_SUBMIT).click().run()
    assert not at.exception
    history = JobHistory(studio_env / "history.sqlite3")
    wait_for(history.list_jobs, 60, "the valid row sent")  # by the background sender
    sender_idle(studio_env, "local")
    [job] = history.list_jobs()
    assert (job.request["avatar"]["avatar_id"], job.voice_id, job.request["aspect_ratio"]) == (
        avatars[1].id, english.voice_id, "square")
    assert engine_client.get_avatar_video(job.video_id).video_id == job.video_id
