"""Voices: a searchable, filterable table with playable samples, and "Use this voice"."""

import streamlit as st

from lib.studio import catalog_view, nav
from lib.studio.connection import current_connection, favourites, load_catalog
from lib.studio.favourites import only_favourites
from lib.studio.state import Keys, pick_voice, request_page
from lib.studio.widgets import audio_player, favourite_button, for_browser

nav.require_entrypoint("voices")
connection = current_connection()
if not connection.ok:
    st.info("The voice catalog needs a connected backend; your jobs stay available under **Jobs**.")
    st.stop()

FILTERS = {"language": Keys.W_VOICE_LANGUAGE, "gender": Keys.W_VOICE_GENDER, "age": Keys.W_VOICE_AGE,
           "use_case": Keys.W_VOICE_USE_CASE}
starred_store = favourites()
backend_id = connection.backend.backend_id


def toggle_favourite(voice_id: str) -> None:
    starred_store.toggle(backend_id, "voice", voice_id)


def use_voice(voice_id: str) -> None:
    pick_voice(voice_id)
    request_page("compose")


catalog = load_catalog(connection, "voices")
voices = catalog.value
if catalog.problem:
    st.error(catalog.problem)
starred = starred_store.ids(backend_id, "voice")
with st.container(horizontal=True, vertical_alignment="bottom"):
    st.text_input("Search", key=Keys.W_VOICE_SEARCH, placeholder="name, accent, language or id")
    st.toggle("Favourites only", key=Keys.W_VOICE_FAVOURITES_ONLY, help="Voices you starred on this backend")
with st.container(horizontal=True):
    choices = {facet: st.multiselect(catalog_view.facet_label(facet), catalog_view.facet_options(voices, facet),
                                     key=key, format_func=catalog_view.facet_label, placeholder="Any")
               for facet, key in FILTERS.items()}
shown = catalog_view.filter_voices(voices, search=st.session_state[Keys.W_VOICE_SEARCH], **choices)
if st.session_state[Keys.W_VOICE_FAVOURITES_ONLY]:
    shown = only_favourites(shown, starred, lambda voice: voice.voice_id)
    if not starred:
        st.info("No favourite voices yet: select a voice and press **Star**.")
st.caption(f"**{len(shown)}** of {len(voices)} voices · select a row to hear it and use it")

titles = catalog_view.VOICE_COLUMNS
frame = catalog_view.voices_frame(shown, starred)
frame["sample"] = frame["sample"].map(for_browser)  # samples are engine media: links this browser can open
table = st.dataframe(
    frame, key=Keys.W_VOICE_TABLE, on_select="rerun",
    selection_mode="single-row", hide_index=True, height=420,
    column_config={
        "favourite": st.column_config.CheckboxColumn(titles["favourite"], width=40, help="Starred", pinned=True),
        "name": st.column_config.TextColumn(titles["name"], pinned=True),
        "sample": st.column_config.AudioColumn(titles["sample"]),
        **{column: st.column_config.TextColumn(titles[column])
           for column in ("language", "gender", "age", "accent", "use_case", "voice_id")},
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
            audio_player(voice.audio_url)
        with st.container(horizontal=True):
            st.button("Use this voice", key=Keys.B_VOICE_USE, type="primary", icon=":material/arrow_forward:",
                      on_click=use_voice, args=(voice.voice_id,))
            favourite_button(starred=voice.voice_id in starred, key=Keys.B_VOICE_STAR, on_toggle=toggle_favourite,
                             args=(voice.voice_id,))
