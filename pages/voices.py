"""Voices: a searchable, filterable table with playable samples, and "Use this voice"."""

import streamlit as st

from lib.studio import catalog_view, nav
from lib.studio.connection import current_connection, load_catalog
from lib.studio.state import Keys, pick_voice, request_page

nav.require_entrypoint("voices")
st.title(":material/record_voice_over: Voices")
connection = current_connection()
if not connection.ok:
    st.info("The voice catalog needs a connected backend; your jobs stay available under **Jobs**.")
    st.stop()

FILTERS = {"language": Keys.W_VOICE_LANGUAGE, "gender": Keys.W_VOICE_GENDER, "age": Keys.W_VOICE_AGE,
           "use_case": Keys.W_VOICE_USE_CASE}



def use_voice(voice_id: str) -> None:
    pick_voice(voice_id)
    request_page("compose")


voices, problem = load_catalog(connection, "voices")
if problem:
    st.error(problem)
st.text_input("Search", key=Keys.W_VOICE_SEARCH, placeholder="name, accent, language or id")
with st.container(horizontal=True):
    choices = {facet: st.multiselect(catalog_view.facet_label(facet), catalog_view.facet_options(voices, facet),
                                     key=key, format_func=catalog_view.facet_label, placeholder="Any")
               for facet, key in FILTERS.items()}
shown = catalog_view.filter_voices(voices, search=st.session_state[Keys.W_VOICE_SEARCH], **choices)
st.caption(f"**{len(shown)}** of {len(voices)} voices · select a row to hear it and use it")

table = st.dataframe(
    catalog_view.voices_frame(shown), key=Keys.W_VOICE_TABLE, on_select="rerun", selection_mode="single-row",
    hide_index=True, height=420,
    column_config={
        "name": st.column_config.TextColumn("Name", pinned=True),
        "language": st.column_config.TextColumn("Language"),
        "use_case": st.column_config.TextColumn("Use case"),
        "sample": st.column_config.AudioColumn("Sample"),
        "voice_id": st.column_config.TextColumn("Voice id"),
    },
)

rows = table.selection.rows
if rows and rows[0] < len(shown):
    voice = shown[rows[0]]
    with st.container(border=True, key="voice_detail"):
        st.subheader(voice.name)
        st.caption(" · ".join(catalog_view.facet_label(v) for v in
                              (voice.language, voice.gender, voice.age, voice.accent, voice.use_case) if v))
        if voice.audio_url:
            st.audio(voice.audio_url)
        st.button("Use this voice", key=Keys.W_VOICE_USE, type="primary", icon=":material/arrow_forward:",
                  on_click=use_voice, args=(voice.voice_id,))
