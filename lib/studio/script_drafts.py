"""Draft with AI: script drafts from JoggAI's AI script writer, and what Compose does with them.

One click asks for one task (`POST /v2/ai_scripts`, then `GET /v2/ai_scripts/results/{task_id}` until it
ends, bounded). The answer holds drafts in several styles (the spec: "generated in multiple styles"); the
cards show those in the styles asked for, the first one asked being the task's ``script_style``. *Use*
puts a draft in the script box; *Compare* makes the chosen drafts the variants of a script experiment
(the ``scripts`` axis, ``experiment_plans.SCRIPT_SEPARATOR`` between them), which Compose's own *Create
experiment* sends. This module draws nothing; ``lib.studio.draft_panel`` lays it out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from lib.joggai import VideoStatus
from lib.joggai.ai_script_models import AiScriptRequest, AiScriptTask
from lib.joggai.contract import AI_SCRIPT_LANGUAGES, AI_SCRIPT_LENGTHS
from lib.studio import experiment_plans, lint, polling
from lib.studio.compose import script_stats
from lib.studio.state import Keys

# How long one page run waits for the writer; after that the task is followed by *Check again*.
WAIT_SECONDS = {"local": 30.0, "cloud": 90.0}
LOCAL_POLL_SECONDS = 0.25  # the local engine writes in milliseconds
DEFAULT_LENGTH, DEFAULT_LANGUAGE = AI_SCRIPT_LENGTHS[1], AI_SCRIPT_LANGUAGES[0]  # 30 s, english


@dataclass(frozen=True)
class DraftBrief:
    """What the panel asks the writer for."""

    product_name: str = ""
    product_description: str = ""
    audience: str = ""
    length: str = DEFAULT_LENGTH
    styles: tuple[str, ...] = ()
    language: str = DEFAULT_LANGUAGE

    def request(self) -> AiScriptRequest:
        """The task's request: the first style asked for is its ``script_style``."""
        return AiScriptRequest(script_style=self.styles[0] if self.styles else "",
                               product_name=self.product_name, product_description=self.product_description,
                               language=self.language, video_length_seconds=self.length,
                               target_audience=self.audience or None)

    def problems(self) -> list[str]:
        """Why the request cannot go yet, in form order (the client's spec rules, worded for the panel)."""
        found = [] if self.styles else ["Pick at least one style."]
        names = {"product_info.data.name": "Give the product's name.",
                 "product_info.data.description": "Describe the product: the writer works from what you say."}
        for problem in self.request().problems():
            if problem.field == "script_style" and not self.styles:
                continue
            found.append(names.get(problem.field, problem.message))
        return found


def brief_from(values: Mapping[str, Any]) -> DraftBrief:
    """The brief the panel's widgets describe (session state, keyed by ``Keys``)."""
    return DraftBrief(product_name=(values.get(Keys.W_DRAFT_PRODUCT) or "").strip(),
                      product_description=(values.get(Keys.W_DRAFT_DESCRIPTION) or "").strip(),
                      audience=(values.get(Keys.W_DRAFT_AUDIENCE) or "").strip(),
                      length=str(values.get(Keys.W_DRAFT_LENGTH) or DEFAULT_LENGTH),
                      styles=tuple(values.get(Keys.W_DRAFT_STYLES) or ()),
                      language=values.get(Keys.W_DRAFT_LANGUAGE) or DEFAULT_LANGUAGE)


@dataclass(frozen=True)
class DraftCard:
    """One draft as a card shows it."""

    style: str
    paragraphs: tuple[str, ...]
    words: int
    estimated_seconds: float

    @property
    def text(self) -> str:
        """The script, paragraphs a blank line apart (ready for the script box)."""
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class DraftResult:
    """What one task came to: cards, or the writer's error, or still writing when the wait ended."""

    task_id: str
    brief: DraftBrief
    cards: tuple[DraftCard, ...] = ()
    missing: tuple[str, ...] = ()  # styles asked for that the answer has no draft in
    error: str | None = None  # the task's err_msg (it ended failed)
    pending: bool = False


def card_of(style: str, paragraphs: Sequence[str], language: str) -> DraftCard:
    """A card with the draft's word count and spoken length (the composer's own estimate)."""
    paragraphs = tuple(text.strip() for text in paragraphs if text and text.strip())
    stats = script_stats("\n\n".join(paragraphs), language)
    return DraftCard(style, paragraphs, stats.words, stats.estimated_seconds)


def result_of(task: AiScriptTask, brief: DraftBrief) -> DraftResult:
    """The cards of a task in the order the styles were asked for; a task not ended is ``pending``."""
    if not task.status.is_terminal:
        return DraftResult(task.task_id, brief, pending=True)
    if task.err_msg or not task.generated_scripts:
        return DraftResult(task.task_id, brief, error=task.err_msg or "The writer answered without any draft.")
    cards, missing = [], []
    for style in brief.styles:
        script = task.script(style)
        if script is None:
            missing.append(style)
        else:
            cards.append(card_of(style, script.script_paragraphs, brief.language))
    if not cards:  # none in the styles asked for: show what came rather than nothing
        cards = [card_of(script.script_style, script.script_paragraphs, brief.language)
                 for script in task.generated_scripts]
    return DraftResult(task.task_id, brief, tuple(cards), tuple(missing))


def poll_seconds(backend_id: str) -> float:
    """Pause between result requests: short on the local engine, the cloud's floor elsewhere."""
    return LOCAL_POLL_SECONDS if backend_id == "local" else polling.CLOUD_POLICY.min_interval


def wait_seconds(backend_id: str) -> float:
    """How long one page run follows a task before offering *Check again*."""
    return WAIT_SECONDS["local" if backend_id == "local" else "cloud"]


def write_drafts(client, brief: DraftBrief, *, backend_id: str, task_id: str | None = None,
                 on_update: Callable[[AiScriptTask], None] | None = None) -> DraftResult:
    """Ask for one task (or follow ``task_id``, already asked for) and wait for it, bounded.

    The POST is sent once; JoggAI errors are raised for the caller to word (``connection.attempt``).
    """
    if task_id is None:
        task_id = client.create_ai_script(brief.request())
    task = client.wait_for_ai_script(task_id, poll_interval=poll_seconds(backend_id),
                                     timeout=wait_seconds(backend_id), on_update=on_update)
    return result_of(task, brief)


def writer_language(voice_language: str | None) -> str | None:
    """The writer's name for a voice's language (``"es-ES"``, ``"Spanish"`` -> ``"spanish"``), None if not one of
    the spec's languages."""
    name = lint.language_name(voice_language)
    return name if name in AI_SCRIPT_LANGUAGES else None


@dataclass(frozen=True)
class LanguageDraft:
    """A languages experiment's draft in one voice language: the first draft's text, or why there is none."""

    language: str | None  # the voice's, as its catalog spells it
    text: str = ""
    problem: str = ""


def draft_languages(client, brief: DraftBrief, languages: Sequence[str | None], *, backend_id: str,
                    on_update: Callable[[AiScriptTask], None] | None = None) -> dict[str | None, LanguageDraft]:
    """One draft per distinct voice language, from the same brief (its first style).

    Every task is asked for first (one POST each, so the writer works on them together), then each is
    followed, bounded as ``write_drafts`` is. A language the writer refuses or has not finished in time
    comes back with its ``problem``; JoggAI errors are raised for the caller to word.
    """
    drafts: dict[str | None, LanguageDraft] = {}
    asked: dict[str | None, tuple[DraftBrief, str]] = {}
    for language in dict.fromkeys(languages):
        writer = writer_language(language)
        if writer is None:
            drafts[language] = LanguageDraft(language, problem=f"the script writer has no {language or 'unnamed'} "
                                                               "language; paste a translation instead")
            continue
        in_language = replace(brief, language=writer)
        asked[language] = (in_language, client.create_ai_script(in_language.request()))
    for language, (in_language, task_id) in asked.items():
        result = write_drafts(client, in_language, backend_id=backend_id, task_id=task_id, on_update=on_update)
        if result.cards:
            drafts[language] = LanguageDraft(language, text=result.cards[0].text)
        elif result.pending:
            drafts[language] = LanguageDraft(language, problem=f"task {task_id} is still being written; "
                                                               "ask again in a minute")
        else:
            drafts[language] = LanguageDraft(language, problem=result.error or "no draft came back")
    return drafts


def progress_fraction(task: AiScriptTask) -> float:
    """How far the bar goes for a task's status (the API gives no percentage for scripts)."""
    return {VideoStatus.PENDING: 0.15, VideoStatus.PROCESSING: 0.6}.get(task.status, 1.0)


def progress_label(task: AiScriptTask) -> str:
    """The status line while a task is followed."""
    return f"Writing drafts · task {task.task_id} is {task.status.value}…"


def use_values(card: DraftCard) -> dict[str, Any]:
    """Composer widget values that make ``card`` the script of one video."""
    return {Keys.W_COMPOSE_MODE: "script", Keys.W_COMPOSE_SCRIPT: card.text, Keys.W_COMPOSE_EXPERIMENT: False}


def compare_text(cards: Sequence[DraftCard]) -> str:
    """The drafts as script variants, one after another with the separator line between them."""
    return f"\n\n{experiment_plans.SCRIPT_SEPARATOR}\n\n".join(card.text for card in cards)


def compare_values(cards: Sequence[DraftCard]) -> dict[str, Any]:
    """Composer widget values that make ``cards`` a script experiment (sent by *Create experiment*), each
    variant named by its draft's style for as long as its text is left as drafted."""
    cards = cards[:experiment_plans.MAX_VARIANTS]
    return {Keys.W_COMPOSE_MODE: "script", Keys.W_COMPOSE_EXPERIMENT: True, Keys.W_EXP_AXIS: "scripts",
            Keys.W_EXP_SCRIPTS: compare_text(cards), Keys.EXP_SCRIPT_NAMES: {card.text: card.style for card in cards}}
