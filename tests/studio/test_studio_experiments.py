"""Experiment planning and submission against the real engine (idempotent per variant)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.joggai import CreateVideoRequest
from lib.studio import experiment_plans, experiments, queue_states
from lib.studio.history import JobHistory
from tests.studio.fakes import engine_submitter

pytestmark = pytest.mark.timeout(120)

BASE = CreateVideoRequest(avatar_id=3, voice_id="en-US-AvaLocal", script="Hello.", video_name="Promo")


def test_split_scripts_on_separator_lines() -> None:
    assert experiment_plans.split_scripts("One.\n---\nTwo --- still two.\n  ---  \n\nThree.\n---\n") == [
        "One.", "Two --- still two.", "Three."]
    assert experiment_plans.split_scripts("") == []


def test_voices_times_avatars_with_labels_naming_only_what_varies() -> None:
    variants = experiment_plans.plan_variants(BASE, avatars=[(0, 1), (0, 2)], voices=["a", "b", "a"],
                                         avatar_names={(0, 1): "Ava", (0, 2): "Ben"}, voice_names={"a": "Amy"})
    assert [v.label for v in variants] == ["Ava · Amy", "Ava · b", "Ben · Amy", "Ben · b"]
    assert [(v.request.avatar_id, v.request.voice_id) for v in variants] == [(1, "a"), (1, "b"), (2, "a"), (2, "b")]
    assert variants[0].request.video_name == "Promo — Ava · Amy"
    assert all(v.request.script == "Hello." for v in variants)
    assert experiment_plans.plan_problems(variants) == []


def test_script_variants_keep_the_voice() -> None:
    variants = experiment_plans.plan_variants(BASE, scripts=["A.", "B."])
    assert [(v.label, v.request.script, v.request.voice_id) for v in variants] == [
        ("Script 1", "A.", "en-US-AvaLocal"), ("Script 2", "B.", "en-US-AvaLocal")]


def test_plan_problems() -> None:
    assert "at least two" in experiment_plans.plan_problems(experiment_plans.plan_variants(BASE))[0]
    seven = experiment_plans.plan_variants(BASE, voices=[f"v{i}" for i in range(7)])
    assert any("at most 6" in problem for problem in experiment_plans.plan_problems(seven))
    broken = experiment_plans.plan_variants(BASE, scripts=["A.", "B."], voices=["", "x"])
    assert any("Choose a voice" in problem for problem in experiment_plans.plan_problems(broken))


def test_submit_is_idempotent_per_variant_and_cells_follow_the_history(tmp_path: Path, engine, engine_client) -> None:
    history = JobHistory(tmp_path / "history.sqlite3")
    store = experiments.ExperimentStore(history.path)
    voices = [v.voice_id for v in engine_client.all_voices() if v.language == "english"][:2]
    avatar = engine_client.list_public_avatars(page_size=1)[0]
    variants = experiment_plans.plan_variants(CreateVideoRequest(avatar_id=avatar.id, voice_id=voices[0], script="Hi."),
                                         voices=voices)
    experiment_id = experiments.new_experiment_id()
    store.create(experiment_id, name="Unit", backend="local", variants=variants)
    first = experiments.submit_due_variants(store, engine_submitter(history, engine_client, engine.base_url),
                                            experiment_id)
    # The same pass again, as if the experiment had been left running: the keys are answered from the store.
    store.set_state(experiment_id, queue_states.RUNNING)
    for variant in store.variants(experiment_id):
        store.set_variant_state(experiment_id, variant.variant_index, queue_states.QUEUED)
    again = experiments.submit_due_variants(store, engine_submitter(history, engine_client, engine.base_url),
                                            experiment_id)
    assert first.errors == again.errors == []
    assert [job.video_id for job in first.jobs] == [job.video_id for job in again.jobs]
    assert len(history.list_jobs(experiment=experiment_id)) == 2
    assert len(store.list()) == 1 and len(store.variants(experiment_id)) == 2

    store.set_winner(experiment_id, first.jobs[1].video_id)
    cells = experiments.compare_cells(store.get(experiment_id), store.variants(experiment_id),
                                      history.list_jobs(experiment=experiment_id))
    assert [cell.winner for cell in cells] == [False, True]
    assert experiments.experiment_summary(cells) == "0 of 2 done · 2 running"


def test_a_refused_variant_is_reported_and_the_rest_are_sent(tmp_path: Path, engine, engine_client) -> None:
    history = JobHistory(tmp_path / "history.sqlite3")
    store = experiments.ExperimentStore(history.path)
    avatar = engine_client.list_public_avatars(page_size=1)[0]
    good = next(v.voice_id for v in engine_client.all_voices() if v.language == "english")
    variants = experiment_plans.plan_variants(CreateVideoRequest(avatar_id=avatar.id, voice_id=good, script="Hi."),
                                         voices=[good, "zz-NoSuchVoice"])
    store.create("refused1", name="R", backend="local", variants=variants)
    outcome = experiments.submit_due_variants(store, engine_submitter(history, engine_client, engine.base_url),
                                              "refused1")
    assert len(outcome.jobs) == 1 and len(outcome.errors) == 1 and "zz-NoSuchVoice" in outcome.errors[0]
    cells = experiments.compare_cells(store.get("refused1"), store.variants("refused1"), history.list_jobs())
    assert cells[1].error and cells[1].video_id is None and cells[1].queue_state == queue_states.REJECTED
    assert experiments.experiment_summary(cells) == "0 of 2 done · 1 running · 1 failed"


def test_personas_axis_gives_each_variant_a_persona_and_the_same_script() -> None:
    from lib.studio.personas import Persona, persona_presets
    personas = [Persona("Ava", 1, 0, "en-US-AvaLocal", "portrait", 1, False),
                Persona("Guy", 2, 1, "en-US-GuyLocal", "landscape", 3, True)]
    variants = experiment_plans.plan_variants(BASE, presets=persona_presets(personas, ext_allowed=False),
                                         voice_names={"en-US-GuyLocal": "Guy L."}, avatar_names={(1, 2): "Ben"})
    assert [v.label for v in variants] == ["Ava", "Guy"]
    assert [(v.request.avatar_id, v.request.avatar_type, v.request.voice_id, v.request.aspect_ratio,
             v.request.screen_style, v.request.caption) for v in variants] == [
        (1, 0, "en-US-AvaLocal", "portrait", 1, False), (2, 1, "en-US-GuyLocal", "landscape", 3, True)]
    assert {v.request.script for v in variants} == {"Hello."}
    assert (variants[1].voice_name, variants[1].avatar_name) == ("Guy L.", "Ben")  # named after the persona's picks
    assert variants[1].request.video_name == "Promo — Guy"
    assert experiment_plans.plan_problems(variants) == []


def test_languages_axis_pairs_each_voice_with_its_translation() -> None:
    presets = experiment_plans.language_presets([("en-US-AvaLocal", " Hello. "), ("es-ES-ElviraLocal", "Hola."),
                                            ("ja-JP-NanamiLocal", "")],
                                           {"en-US-AvaLocal": "english · Ava", "es-ES-ElviraLocal": "spanish · Elvira"})
    variants = experiment_plans.plan_variants(BASE, presets=presets)
    assert [(v.label, v.request.voice_id, v.request.script) for v in variants] == [
        ("english · Ava", "en-US-AvaLocal", "Hello."), ("spanish · Elvira", "es-ES-ElviraLocal", "Hola."),
        ("ja-JP-NanamiLocal", "ja-JP-NanamiLocal", "")]
    # A language without its translation is named in the plan's problems.
    assert any(problem.startswith("ja-JP-NanamiLocal:") and "script" in problem
               for problem in experiment_plans.plan_problems(variants))


def test_scripts_are_named_while_they_read_as_named() -> None:
    base = CreateVideoRequest(avatar_id=1, voice_id="en-US-AvaLocal", script="")
    names = {"Top three reasons.": "Top 3 reasons", "Once upon a time.": "Storytime"}
    labels = [variant.label for variant in experiment_plans.plan_variants(
        base, scripts=["Top three reasons.", "Once upon a time, edited.", "Top three reasons."], script_names=names)]
    assert labels == ["Top 3 reasons (1)", "Script 2", "Top 3 reasons (3)"]  # edited: no name; twice: told apart
