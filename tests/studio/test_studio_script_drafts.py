"""script_drafts.py: the brief's rules, cards from a task in the styles asked for, and what Use and Compare put
in the composer; then one task against the real engine (cards, and its English-only failure)."""

from __future__ import annotations

import pytest

from lib.joggai import VideoStatus
from lib.joggai.ai_script_models import AiScriptTask
from lib.joggai.contract import AI_SCRIPT_STYLES
from lib.studio import experiment_plans, script_drafts
from lib.studio.script_drafts import DraftBrief
from lib.studio.state import Keys

BRIEF = DraftBrief(product_name="Owala FreeSip", audience="runners", length="15",
                   product_description="A water bottle with a straw and a wide mouth. It keeps drinks cold for a day.",
                   styles=("Data", "Storytime"))


def task(status: str, scripts: list[dict] | None = None, err_msg: str | None = None) -> AiScriptTask:
    data = {"task_id": "t-1", "status": status}
    if scripts is not None:
        data["data"] = {"generated_scripts": scripts}
    if err_msg:
        data["err_msg"] = err_msg
    return AiScriptTask.from_api(data)


def test_the_brief_says_what_is_missing_in_form_order() -> None:
    assert DraftBrief().problems() == ["Pick at least one style.", "Give the product's name.",
                                      "Describe the product: the writer works from what you say."]
    assert BRIEF.problems() == []
    assert any("video_length_seconds" in problem for problem in DraftBrief(
        "P", "D", length="45", styles=("Data",)).problems())


def test_the_first_style_asked_for_is_the_tasks_style() -> None:
    payload = BRIEF.request().to_payload()
    assert payload == {"language": "english", "video_length_seconds": "15", "script_style": "Data",
                       "product_info": {"source_type": "details", "data": {
                           "name": "Owala FreeSip", "description": BRIEF.product_description}},
                       "target_audience": "runners"}


def test_brief_from_the_panels_widgets() -> None:
    brief = script_drafts.brief_from({Keys.W_DRAFT_PRODUCT: " Owala FreeSip ", Keys.W_DRAFT_DESCRIPTION: "A bottle.",
                                      Keys.W_DRAFT_STYLES: ["Data"], Keys.W_DRAFT_LENGTH: "60"})
    assert (brief.product_name, brief.styles, brief.length, brief.language, brief.audience) == (
        "Owala FreeSip", ("Data",), "60", "english", "")


def test_cards_follow_the_styles_asked_for_and_name_the_missing_ones() -> None:
    answer = task("completed", [{"script_style": "Storytime", "script_paragraphs": ["Once, a runner.", "She drank."]},
                                {"script_style": "Discovery", "script_paragraphs": ["Look."]}])
    result = script_drafts.result_of(answer, BRIEF)
    assert [card.style for card in result.cards] == ["Storytime"]
    assert result.missing == ("Data",) and result.error is None and not result.pending
    card = result.cards[0]
    assert card.text == "Once, a runner.\n\nShe drank."
    assert card.words == 5 and card.estimated_seconds > 0


def test_an_answer_without_the_styles_asked_for_still_shows_its_drafts() -> None:
    answer = task("completed", [{"script_style": "Discovery", "script_paragraphs": ["Look at this."]}])
    result = script_drafts.result_of(answer, BRIEF)
    assert [card.style for card in result.cards] == ["Discovery"]


def test_a_failed_task_carries_its_message_and_an_unfinished_one_is_pending() -> None:
    failed = script_drafts.result_of(task("failed", err_msg="English only"), BRIEF)
    assert (failed.error, failed.cards) == ("English only", ())
    pending = script_drafts.result_of(task("processing"), BRIEF)
    assert pending.pending and pending.task_id == "t-1" and pending.error is None
    assert script_drafts.progress_fraction(task("pending")) < script_drafts.progress_fraction(task("processing")) < 1
    assert "processing" in script_drafts.progress_label(task("processing"))


def test_use_fills_the_script_and_compare_makes_a_script_experiment() -> None:
    cards = [script_drafts.card_of(style, [f"{style} one.", f"{style} two."], "english") for style in AI_SCRIPT_STYLES]
    assert script_drafts.use_values(cards[0]) == {Keys.W_COMPOSE_MODE: "script", Keys.W_COMPOSE_SCRIPT: cards[0].text,
                                                  Keys.W_COMPOSE_EXPERIMENT: False}
    values = script_drafts.compare_values(cards[:3])
    assert (values[Keys.W_COMPOSE_EXPERIMENT], values[Keys.W_EXP_AXIS], values[Keys.W_COMPOSE_MODE]) == (
        True, "scripts", "script")
    assert experiment_plans.split_scripts(values[Keys.W_EXP_SCRIPTS]) == [card.text for card in cards[:3]]


def test_polling_is_quick_locally_and_paced_elsewhere() -> None:
    assert script_drafts.poll_seconds("local") < 1 <= script_drafts.poll_seconds("cloud")
    assert script_drafts.poll_seconds("custom:http://x") == script_drafts.poll_seconds("cloud")
    assert script_drafts.wait_seconds("local") < script_drafts.wait_seconds("cloud")


def test_one_task_on_the_real_engine_gives_cards_in_the_styles_asked_for(engine_client) -> None:
    updates: list[AiScriptTask] = []
    result = script_drafts.write_drafts(engine_client, BRIEF, backend_id="local", on_update=updates.append)
    assert updates and updates[-1].status is VideoStatus.COMPLETED
    assert [card.style for card in result.cards] == ["Data", "Storytime"] and not result.missing
    assert all("Owala FreeSip" in card.text for card in result.cards)
    assert all(20 <= card.words <= 60 for card in result.cards)  # 15 s at about 150 words a minute
    assert result.cards[0].text != result.cards[1].text


def test_a_language_the_local_writer_cannot_write_fails_with_its_message(engine_client) -> None:
    result = script_drafts.write_drafts(engine_client, DraftBrief(**{**BRIEF.__dict__, "language": "french"}),
                                        backend_id="local")
    assert result.cards == () and result.error
    assert "english" in result.error and "french" in result.error


@pytest.mark.parametrize(("voice_language", "writer"), [
    ("english", "english"), ("Spanish", "spanish"), ("es-ES", "spanish"), ("ja-JP", "japanese"),
    ("simplified chinese", "chinese"), ("Portuguese (Brazil)", "portuguese"), ("pt_BR", "portuguese"),
    ("klingon", None), ("", None), (None, None),
    ("welsh", None),  # a language the lint knows, but not one of the writer's
])
def test_a_voice_language_is_named_as_the_writer_names_it(voice_language, writer) -> None:
    assert script_drafts.writer_language(voice_language) == writer
