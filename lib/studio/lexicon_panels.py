"""The pronunciation lexicon on screen: Settings' table, and what Compose previews and plays.

The lexicon itself and its application live in ``lib.studio.pronunciations``; the submission path
applies it to every script it sends, so the previews here show exactly what will be spoken.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.joggai import CreateVideoRequest
from lib.studio.connection import pronunciations
from lib.studio.pronunciations import from_table
from lib.studio.pronunciations import spoken_request as _spoken_request
from lib.studio.state import Keys

_COLUMNS = ["word", "respelling", "phonemes"]
PHONEMES_HELP = ("espeak-ng phoneme mnemonics, used instead of the respelling by the local engine, whose captions "
                 "keep the written word either way. Other backends use the respelling.")


def spoken_request(request: CreateVideoRequest, *, ext: bool) -> CreateVideoRequest:
    """The request as it will be sent (for the Request preview): ``ext`` when the backend reads it."""
    return _spoken_request(request, pronunciations().entries(), ext=ext)


def _add_word() -> None:
    session = st.session_state
    typed = [session.get(key) or "" for key in (Keys.W_LEXICON_WORD, Keys.W_LEXICON_RESPELLING,
                                                  Keys.W_LEXICON_PHONEMES)]
    try:
        pronunciations().set(*typed)
    except ValueError as problem:
        session[Keys.LEXICON_NOTICE] = (False, f"Not saved: {problem}")
        return
    word, said, phonemes = (text.strip() for text in typed)
    also = f" (on the local engine as [[{phonemes}]])" if phonemes else ""
    session[Keys.LEXICON_NOTICE] = (True, f"Saved: {word!r} is said {said!r}{also}.")
    session.update({Keys.W_LEXICON_WORD: "", Keys.W_LEXICON_RESPELLING: "", Keys.W_LEXICON_PHONEMES: ""})
    session.pop(Keys.U_LEXICON_TABLE, None)  # the table starts again from what is stored


def lexicon_editor() -> None:
    """Settings: add or change one word, or edit and delete rows in the table, then save it."""
    notice = st.session_state.pop(Keys.LEXICON_NOTICE, None)
    if notice:
        (st.success if notice[0] else st.error)(notice[1])
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.text_input("Word or phrase", key=Keys.W_LEXICON_WORD, placeholder="e.g. Quentum")
        st.text_input("Say it as", key=Keys.W_LEXICON_RESPELLING, placeholder="e.g. Kwentum")
        st.text_input("Phonemes (local engine, optional)", key=Keys.W_LEXICON_PHONEMES, placeholder="e.g. kw'Ent@m",
                      help=PHONEMES_HELP)
        st.button("Add or change", key=Keys.B_LEXICON_ADD, icon=":material/add:", on_click=_add_word)
    stored = pd.DataFrame([(entry.word, entry.respelling, entry.phonemes) for entry in pronunciations().entries()],
                          columns=_COLUMNS, dtype="string")
    edited = st.data_editor(stored, key=Keys.U_LEXICON_TABLE, num_rows="dynamic", hide_index=True, width="stretch",
                            column_config={"word": st.column_config.TextColumn("Word or phrase", required=True),
                                           "respelling": st.column_config.TextColumn("Say it as", required=True),
                                           "phonemes": st.column_config.TextColumn(
                                               "Phonemes (local engine)", help=PHONEMES_HELP)})
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
