"""Experiments: Compose's experiment mode creates a named set of jobs; the compare view stars and notes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from lib.studio.experiments import ExperimentStore
from lib.studio.history import JobHistory
from lib.studio.state import Keys
from tests.app.conftest import open_page, sender_idle
from tests.conftest import wait_for

pytestmark = pytest.mark.timeout(240)


def english_voices(engine_client, count: int) -> list:
    return [voice for voice in engine_client.all_voices() if voice.language == "english"][:count]


def experiment_composer(engine_client, **seed):
    avatar = engine_client.list_public_avatars(page_size=1)[0]
    at = open_page("avatars")
    at.session_state[Keys.PICKED_AVATAR_ID] = avatar.id
    for key, value in {Keys.W_COMPOSE_EXPERIMENT: True, **seed}.items():
        at.session_state[key] = value
    at.switch_page("pages/compose.py").run()
    assert not at.exception
    return at, avatar


def test_three_voices_become_one_named_experiment_of_three_jobs(studio_env: Path, engine_client) -> None:
    voices = english_voices(engine_client, 3)
    at, avatar = experiment_composer(engine_client, **{
        Keys.W_EXP_VOICES: [voice.voice_id for voice in voices], Keys.W_COMPOSE_SCRIPT: "Hi there.",
        Keys.W_COMPOSE_NAME: "Three voices"})
    at.button(key=Keys.B_EXP_SUBMIT).click().run()
    assert not at.exception
    assert [title.value for title in at.title] == [":material/compare: Experiments"]
    store = JobHistory(studio_env / "history.sqlite3")
    [experiment] = ExperimentStore(store.path).list()
    assert experiment.name == "Three voices"
    # The background sender sends the variants; then the page shows them.
    wait_for(lambda: len(store.list_jobs(experiment=experiment.experiment_id)) >= 3, 60, "three variants sent")
    sender_idle(studio_env, "local")
    at.switch_page("pages/experiments.py").run()
    jobs = store.list_jobs(experiment=experiment.experiment_id)
    assert sorted(job.voice_id for job in jobs) == sorted(voice.voice_id for voice in voices)
    assert {job.avatar_id for job in jobs} == {avatar.id}
    # Every variant exists on the engine, and the compare view lists them by voice name.
    assert {engine_client.get_avatar_video(job.video_id).video_id for job in jobs} == {j.video_id for j in jobs}
    labels = " ".join(markdown.value for markdown in at.markdown)
    assert all(voice.name in labels for voice in voices)


def test_a_retried_click_makes_no_second_set_of_videos(studio_env: Path, engine_client) -> None:
    voices = english_voices(engine_client, 2)
    at, _ = experiment_composer(engine_client, **{
        Keys.W_EXP_VOICES: [voice.voice_id for voice in voices], Keys.W_COMPOSE_SCRIPT: "Once only."})
    nonce = at.session_state[Keys.EXPERIMENT_NONCE]
    at.button(key=Keys.B_EXP_SUBMIT).click().run()
    wait_for(lambda: len(JobHistory(studio_env / "history.sqlite3").list_jobs()) >= 2, 60, "two variants sent")
    sender_idle(studio_env, "local")
    first = {job.video_id for job in JobHistory(studio_env / "history.sqlite3").list_jobs()}
    # The same experiment id again (as if the first answer had been lost): the engine replays the videos.
    at.session_state[Keys.EXPERIMENT_NONCE] = nonce
    at.switch_page("pages/compose.py").run()
    at.button(key=Keys.B_EXP_SUBMIT).click().run()
    assert not at.exception
    sender_idle(studio_env, "local")
    assert {job.video_id for job in JobHistory(studio_env / "history.sqlite3").list_jobs()} == first
    assert len(first) == 2


def test_one_variant_is_not_an_experiment(studio_env: Path, engine_client) -> None:
    voice = english_voices(engine_client, 1)[0]
    at, _ = experiment_composer(engine_client, **{Keys.W_COMPOSE_VOICE: voice.voice_id,
                                                  Keys.W_COMPOSE_SCRIPT: "Alone."})
    at.button(key=Keys.B_EXP_SUBMIT).click().run()
    assert any("at least two" in error.value for error in at.error)
    assert not JobHistory(studio_env / "history.sqlite3").list_jobs()


def test_script_variants_in_one_voice(studio_env: Path, engine_client) -> None:
    voice = english_voices(engine_client, 1)[0]
    at, _ = experiment_composer(engine_client, **{
        Keys.W_COMPOSE_VOICE: voice.voice_id, Keys.W_EXP_AXIS: "scripts",
        Keys.W_EXP_SCRIPTS: "First take.\n---\nSecond take.\n---\nThird take."})
    at.button(key=Keys.B_EXP_SUBMIT).click().run()
    assert not at.exception
    wait_for(lambda: len(JobHistory(studio_env / "history.sqlite3").list_jobs()) >= 3, 60, "three variants sent")
    sender_idle(studio_env, "local")
    jobs = JobHistory(studio_env / "history.sqlite3").list_jobs()
    assert sorted(job.request["voice"]["script"] for job in jobs) == ["First take.", "Second take.", "Third take."]


def test_compare_view_stars_a_winner_and_keeps_notes(studio_env: Path, engine_client) -> None:
    voices = english_voices(engine_client, 2)
    at, _ = experiment_composer(engine_client, **{
        Keys.W_EXP_VOICES: [voice.voice_id for voice in voices], Keys.W_COMPOSE_SCRIPT: "Pick me."})
    at.button(key=Keys.B_EXP_SUBMIT).click().run()
    history = JobHistory(studio_env / "history.sqlite3")
    [experiment] = ExperimentStore(history.path).list()
    wait_for(lambda: len(history.list_jobs()) >= 2, 60, "both variants sent")
    deadline = time.monotonic() + 180
    while any(not job.is_terminal for job in history.list_jobs()) and time.monotonic() < deadline:
        time.sleep(1)
        at.switch_page("pages/experiments.py").run()  # each run is one tracker tick
    at.switch_page("pages/experiments.py").run()
    assert not at.exception
    assert at.query_params["experiment"] in ([experiment.experiment_id], experiment.experiment_id)
    assert {job.status for job in history.list_jobs()} == {"completed"}
    assert len(at.get("video")) == 2

    winner = history.list_jobs()[0].video_id
    at.button(key=f"star_{winner}").click().run()
    at.text_area(key=Keys.W_EXP_NOTES).input("The second voice sounds warmer.")
    at.button(key=Keys.B_EXP_SAVE_NOTES).click().run()
    stored = ExperimentStore(history.path).get(experiment.experiment_id)
    assert (stored.winner_video_id, stored.notes) == (winner, "The second voice sounds warmer.")

    # The link alone (a fresh session) opens the same compare view with the star and the notes.
    fresh = open_page("experiments", experiment=experiment.experiment_id)
    assert not fresh.exception
    assert any(markdown.value.startswith("⭐") for markdown in fresh.markdown)
    assert fresh.text_area(key=Keys.W_EXP_NOTES).value == "The second voice sounds warmer."


def test_list_links_every_experiment(studio_env: Path, engine_client) -> None:
    at = open_page("experiments")
    assert not at.exception
    assert any("No experiments yet" in info.value for info in at.info)

    store = ExperimentStore(studio_env / "history.sqlite3")
    for number in (1, 2):
        store.create(f"listed{number}", name=f"Listed {number}", backend="local", variants=[])
    store.set_winner("listed2", "some-video")
    at = open_page("experiments")
    links = {link.proto.label: link.proto.query_string for link in at.get("page_link")}
    assert links["Listed 1"] == "experiment=listed1" and links["Listed 2"] == "experiment=listed2"
    assert any("winner picked" in caption.value for caption in at.caption)
    unknown = open_page("experiments", experiment="nope")
    assert any("No experiment 'nope'" in warning.value for warning in unknown.warning)
