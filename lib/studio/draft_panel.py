"""Compose's "Draft with AI" panel on screen (what it asks and does: ``lib.studio.script_drafts``).

The brief's widgets, *Write drafts* (one task per click, followed with a status line), then the drafts as
cards: *Use* fills the script box, the picked ones become a script experiment with *Compare*.
"""

from __future__ import annotations

import re

import streamlit as st

from lib.joggai.contract import AI_SCRIPT_LANGUAGES, AI_SCRIPT_LENGTHS, AI_SCRIPT_STYLES
from lib.studio import experiment_plans, script_drafts
from lib.studio.compose import format_duration
from lib.studio.connection import Connection, attempt
from lib.studio.script_drafts import DraftCard, DraftResult
from lib.studio.state import Keys, request_flag, take_flag

LOCAL_NOTE = ("The local engine writes **drafts, not an LLM**: templates woven from your description, in "
              "English only. Edit them before you render.")
CLOUD_NOTE = "JoggAI's AI script writer answers in a minute or so; each click asks it once."
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]<>#|$~])")


def _plain(text: str) -> str:
    # Drafts are plain speech: a "$" or "*" in them must read as itself, not as markdown or maths.
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def draft_panel(connection: Connection) -> None:
    """The expander "Draft with AI" (drawn in script mode, above the script box)."""
    session = st.session_state
    result: DraftResult | None = session.get(Keys.DRAFTS)
    with st.expander("Draft with AI", icon=":material/auto_awesome:", expanded=result is not None):
        st.caption(LOCAL_NOTE if connection.capabilities.idempotency else CLOUD_NOTE)
        st.text_input("Product name", key=Keys.W_DRAFT_PRODUCT, persist_state="session")
        st.text_area("What it is and what it does", key=Keys.W_DRAFT_DESCRIPTION, height=90,
                     persist_state="session", placeholder="A few sentences: the writer reuses what you say.")
        st.text_input("Audience (optional)", key=Keys.W_DRAFT_AUDIENCE, persist_state="session",
                      placeholder="e.g. busy parents")
        length, language = st.columns(2)
        with length:
            st.segmented_control("Length", AI_SCRIPT_LENGTHS, format_func=lambda seconds: f"{seconds} s",
                                 key=Keys.W_DRAFT_LENGTH, required=True, persist_state="session")
        with language:
            st.selectbox("Language", AI_SCRIPT_LANGUAGES, key=Keys.W_DRAFT_LANGUAGE, persist_state="session")
        st.pills("Styles", AI_SCRIPT_STYLES, selection_mode="multi", key=Keys.W_DRAFT_STYLES,
                 persist_state="session")
        brief = script_drafts.brief_from(session)
        problems = brief.problems()
        st.button("Write drafts", key=Keys.B_DRAFT_WRITE, icon=":material/auto_awesome:", disabled=bool(problems),
                  on_click=request_flag(Keys.DRAFT_REQUESTED), help=" ".join(problems) or None)
        if take_flag(Keys.DRAFT_REQUESTED) and not problems:
            result = _write(connection, brief)
        elif take_flag(Keys.DRAFT_CHECK_REQUESTED) and result is not None and result.pending:
            result = _write(connection, result.brief, task_id=result.task_id)
        if result is not None:
            _show(result)


def _write(connection: Connection, brief: script_drafts.DraftBrief, task_id: str | None = None) -> DraftResult | None:
    session = st.session_state
    # A bar, not st.status: the panel is an expander, and expanders do not nest.
    bar = st.progress(0.0, text="Asking the writer for drafts…")
    done = attempt(connection, lambda client: script_drafts.write_drafts(
        client, brief, backend_id=connection.backend.backend_id, task_id=task_id,
        on_update=lambda task: bar.progress(script_drafts.progress_fraction(task),
                                            text=script_drafts.progress_label(task))))
    bar.empty()
    if not done.ok:
        st.error(f"The writer refused the request: {done.problem}", icon=":material/error:")
        return session.get(Keys.DRAFTS)
    result = done.value
    session[Keys.W_DRAFT_COMPARE] = []  # the picks named the earlier drafts
    session[Keys.DRAFTS] = result
    return result


def _use(card: DraftCard) -> None:
    st.session_state.update(script_drafts.use_values(card))


def _compare(cards: tuple[DraftCard, ...]) -> None:
    chosen = [cards[index] for index in sorted(st.session_state.get(Keys.W_DRAFT_COMPARE) or ())]
    st.session_state.update(script_drafts.compare_values(chosen))


def _show(result: DraftResult) -> None:
    if result.error:
        st.error(f"The writer could not write these drafts: {result.error}", icon=":material/error:")
        return
    if result.pending:
        st.info(f"Task {result.task_id} is still being written.", icon=":material/hourglass_top:")
        st.button("Check again", key=Keys.B_DRAFT_CHECK, icon=":material/refresh:",
                  on_click=request_flag(Keys.DRAFT_CHECK_REQUESTED))
        return
    if result.missing:
        st.caption(f"No draft came back in {', '.join(result.missing)}.")
    with st.container(key="draft_cards"):
        for index, card in enumerate(result.cards):
            with st.container(border=True, key=f"draft_card_{index}"):
                st.markdown(f"**{card.style}**")
                st.caption(f"{card.words} words · about {format_duration(card.estimated_seconds)} spoken")
                for paragraph in card.paragraphs:
                    st.markdown(_plain(paragraph))
                st.button("Use", key=f"{Keys.B_DRAFT_USE}_{index}", icon=":material/check:",
                          on_click=_use, args=(card,), help="Put this draft in the script box")
    if len(result.cards) > 1:
        # One widget for the picks (a W_ key): the page guard carries it across its bounce, unlike per-card boxes.
        st.pills("Drafts to compare", list(range(len(result.cards))), selection_mode="multi",
                 format_func=lambda index: f"{index + 1} · {result.cards[index].style}", key=Keys.W_DRAFT_COMPARE)
        chosen = len(st.session_state.get(Keys.W_DRAFT_COMPARE) or ())
        st.button(f"Compare chosen drafts ({chosen})", key=Keys.B_DRAFT_COMPARE, icon=":material/compare:",
                  disabled=not 2 <= chosen <= experiment_plans.MAX_VARIANTS, on_click=_compare, args=(result.cards,),
                  help="Make them the variants of a script experiment; *Create experiment* sends it")
