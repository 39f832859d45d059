"""Compose's experiment pickers per axis, and the presets they give ``experiment_plans.plan_variants``.

*Voices and avatars* and *Script variants* pick lists; *Personas* compares saved personas (same script,
each persona's settings); *Languages* pairs each picked voice with a script in its language (the user's
translation, or one AI draft per language from the *Draft with AI* brief). All of them go through the one experiment plan and sending path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from lib.studio import experiment_plans, script_drafts
from lib.studio.compose import display_name
from lib.studio.connection import attempt
from lib.studio.persona_panels import backend_personas
from lib.studio.personas import persona_presets
from lib.studio.state import Keys, request_flag, take_flag, translation_key

Presets = list[tuple[str, dict[str, Any]]]


def axis_pickers(connection, axis: str | None, avatars: Mapping, voices: Mapping, voice_list: Sequence) -> None:
    """The pickers of the chosen axis (the script variants' box is the page's own)."""
    if axis == "cast":
        st.multiselect("Voices to compare", list(voices), format_func=voices.get, key=Keys.W_EXP_VOICES,
                       max_selections=experiment_plans.MAX_VARIANTS, placeholder="The voice above, or pick several",
                       persist_state="session")
        st.multiselect("Avatars to compare", list(avatars), format_func=avatars.get, key=Keys.W_EXP_AVATARS,
                       max_selections=experiment_plans.MAX_VARIANTS, placeholder="The avatar above, or pick several",
                       persist_state="session")
    elif axis == "personas":
        names = [persona.name for persona in backend_personas(connection)]
        st.session_state[Keys.W_EXP_PERSONAS] = [name for name in st.session_state.get(Keys.W_EXP_PERSONAS) or []
                                                 if name in names]
        st.multiselect("Personas to compare (the same script in each)", names, key=Keys.W_EXP_PERSONAS,
                       max_selections=experiment_plans.MAX_VARIANTS, persist_state="session",
                       placeholder="Pick two or more" if names else "Save personas first (Save as persona)")
    elif axis == "languages":
        _language_pickers(connection, voices, voice_list)


def _language_pickers(connection, voices: Mapping, voice_list: Sequence) -> None:
    session = st.session_state
    if session.get(Keys.W_COMPOSE_MODE) == "audio":
        st.info("A languages experiment speaks a script per language: switch *Voice source* to *Script*.")
    st.multiselect("One voice per language", list(voices), format_func=voices.get,
                   key=Keys.W_EXP_LANGUAGE_VOICES, max_selections=experiment_plans.MAX_VARIANTS,
                   placeholder="e.g. an English, a Spanish and a Japanese voice", persist_state="session")
    language_of = {voice.voice_id: voice.language for voice in voice_list}
    picked = session.get(Keys.W_EXP_LANGUAGE_VOICES) or []
    if take_flag(Keys.LANGUAGE_DRAFTS_REQUESTED) and picked:
        _draft_languages(connection, picked, language_of)  # before the boxes it fills are drawn
    for voice_id in picked:
        st.text_area(f"Script in {language_of.get(voice_id) or 'this language'} for "
                     f"{display_name(voices.get(voice_id)) or voice_id}", key=translation_key(voice_id), height=100,
                     placeholder="Paste the translation of your script, or draft it with AI below")
    for note in session.pop(Keys.LANGUAGE_DRAFT_NOTES, None) or []:
        st.warning(note, icon=":material/translate:")
    problems = script_drafts.brief_from(session).problems()
    st.button("Draft each language with AI", key=Keys.B_EXP_LANGUAGE_DRAFTS, icon=":material/auto_awesome:",
              disabled=not picked or bool(problems), on_click=request_flag(Keys.LANGUAGE_DRAFTS_REQUESTED),
              help=("Fill in *Draft with AI* below first: " + " ".join(problems)) if problems else
              "One draft per language from the brief in *Draft with AI* (its first style); edit them before sending")
    st.caption("Each language reads its own script; the *Script* box below is not used by this experiment.")


def _draft_languages(connection, picked: Sequence[str], language_of: Mapping[str, str | None]) -> None:
    session = st.session_state
    bar = st.progress(0.0, text="Asking the writer for one draft per language…")
    done = attempt(connection, lambda client: script_drafts.draft_languages(
        client, script_drafts.brief_from(session), [language_of.get(voice_id) for voice_id in picked],
        backend_id=connection.backend.backend_id,
        on_update=lambda task: bar.progress(script_drafts.progress_fraction(task),
                                            text=script_drafts.progress_label(task))))
    bar.empty()
    if not done.ok:
        session[Keys.LANGUAGE_DRAFT_NOTES] = [f"The writer refused the request: {done.problem}"]
        return
    notes = []
    for voice_id in picked:
        draft = done.value[language_of.get(voice_id)]
        if draft.text:
            session[translation_key(voice_id)] = draft.text
        elif (note := f"No {draft.language or 'draft'} draft: {draft.problem}.") not in notes:
            notes.append(note)
    session[Keys.LANGUAGE_DRAFT_NOTES] = notes


def language_label(voice_id: str, voices: Mapping, language_of: Mapping[str, str | None]) -> str:
    """``"spanish · Elvira"``: what tells a languages variant apart."""
    name = display_name(voices.get(voice_id)) or voice_id
    return f"{language_of[voice_id]} · {name}" if language_of.get(voice_id) else name


def axis_presets(connection, axis: str | None, voices: Mapping, voice_list: Sequence) -> Presets:
    """The presets of the personas or languages axis (none for the others)."""
    session = st.session_state
    if axis == "personas":
        saved = {persona.name: persona for persona in backend_personas(connection)}
        return persona_presets([saved[name] for name in session.get(Keys.W_EXP_PERSONAS) or [] if name in saved],
                               ext_allowed=connection.capabilities.ext)
    if axis == "languages" and session.get(Keys.W_COMPOSE_MODE) != "audio":
        language_of = {voice.voice_id: voice.language for voice in voice_list}
        picked = session.get(Keys.W_EXP_LANGUAGE_VOICES) or []
        return experiment_plans.language_presets(
            [(voice_id, session.get(translation_key(voice_id)) or "") for voice_id in picked],
            {voice_id: language_label(voice_id, voices, language_of) for voice_id in picked})
    return []
