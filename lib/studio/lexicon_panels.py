"""The pronunciation lexicon on screen: Settings' table, and what Compose previews and plays.

The lexicon itself and its application live in ``lib.studio.pronunciations``; the submission path
applies it to every script it sends, so the previews here show exactly what will be spoken.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.joggai import CreateVideoRequest
from lib.studio.connection import pronunciations
from lib.studio.pronunciations import from_table, speak
from lib.studio.pronunciations import spoken_request as _spoken_request
from lib.studio.state import Keys

_COLUMNS = ["word", "respelling"]


def spoken(script: str) -> str:
    """The script as the voice will say it (for *Hear it first*)."""
    return speak(script, pronunciations().entries())


def spoken_request(request: CreateVideoRequest) -> CreateVideoRequest:
    """The request as it will be sent (for the Request preview)."""
    return _spoken_request(request, pronunciations().entries())


def _add_word() -> None:
    session = st.session_state
    try:
        pronunciations().set(session.get(Keys.W_LEXICON_WORD) or "", session.get(Keys.W_LEXICON_RESPELLING) or "")
    except ValueError as problem:
        session[Keys.LEXICON_NOTICE] = (False, f"Not saved: {problem}")
        return
    word, said = session[Keys.W_LEXICON_WORD].strip(), session[Keys.W_LEXICON_RESPELLING].strip()
    session[Keys.LEXICON_NOTICE] = (True, f"Saved: {word!r} is said {said!r}.")
    session.update({Keys.W_LEXICON_WORD: "", Keys.W_LEXICON_RESPELLING: ""})
    session.pop(Keys.U_LEXICON_TABLE, None)  # the table starts again from what is stored


def lexicon_editor() -> None:
    """Settings: add or change one word, or edit and delete rows in the table, then save it."""
    notice = st.session_state.pop(Keys.LEXICON_NOTICE, None)
    if notice:
        (st.success if notice[0] else st.error)(notice[1])
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.text_input("Word or phrase", key=Keys.W_LEXICON_WORD, placeholder="e.g. Quentum")
        st.text_input("Say it as", key=Keys.W_LEXICON_RESPELLING, placeholder="e.g. Kwentum")
        st.button("Add or change", key=Keys.B_LEXICON_ADD, icon=":material/add:", on_click=_add_word)
    stored = pd.DataFrame([(entry.word, entry.respelling) for entry in pronunciations().entries()],
                          columns=_COLUMNS, dtype="string")
    edited = st.data_editor(stored, key=Keys.U_LEXICON_TABLE, num_rows="dynamic", hide_index=True, width="stretch",
                            column_config={"word": st.column_config.TextColumn("Word or phrase", required=True),
                                           "respelling": st.column_config.TextColumn("Say it as", required=True)})
    if st.button("Save pronunciations", key=Keys.B_LEXICON_SAVE, icon=":material/save:"):
        try:
            pronunciations().replace_all(from_table(edited.fillna("").itertuples(index=False)))
        except ValueError as problem:
            st.session_state[Keys.LEXICON_NOTICE] = (False, f"Not saved: {problem}")
        else:
            saved = "Pronunciations saved; every script sent from now on uses them."
            st.session_state[Keys.LEXICON_NOTICE] = (True, saved)
            st.session_state.pop(Keys.U_LEXICON_TABLE, None)  # the table starts again from what is stored
        st.rerun()
