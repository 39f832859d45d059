"""Avatars: the whole catalog with facet filters, a cover grid, a preview player and "Use this avatar"."""

import streamlit as st

from lib.studio import catalog_view, nav
from lib.studio.connection import current_connection, favourites, load_catalog
from lib.studio.favourites import only_favourites
from lib.studio.state import Keys, pick_avatar, request_page
from lib.studio.widgets import avatar_card, favourite_button, video_player

nav.require_entrypoint("avatars")
connection = current_connection()
if not connection.ok:
    st.info("The catalog needs a connected backend; your jobs stay available under **Jobs**.")
    st.stop()

FILTERS = {"aspect_ratio": Keys.W_AVATAR_ASPECT, "style": Keys.W_AVATAR_STYLE, "gender": Keys.W_AVATAR_GENDER,
           "age": Keys.W_AVATAR_AGE, "scene": Keys.W_AVATAR_SCENE, "ethnicity": Keys.W_AVATAR_ETHNICITY}
PER_PAGE = 24
starred_store = favourites()
backend_id = connection.backend.backend_id


def open_avatar(avatar_id: int) -> None:
    st.session_state[Keys.OPEN_AVATAR_ID] = avatar_id


def toggle_favourite(avatar_id: int) -> None:
    starred_store.toggle(backend_id, "avatar", avatar_id)


def use_avatar(avatar_id: int, avatar_type: int) -> None:
    pick_avatar(avatar_id, avatar_type)
    request_page("compose")


public_tab, custom_tab = st.tabs(["Public avatars", "My avatars"])
with public_tab:
    catalog = load_catalog(connection, "public_avatars")
    avatars = catalog.value
    if catalog.problem:
        st.error(catalog.problem)
    starred = starred_store.ids(backend_id, "avatar")
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.text_input("Search by name", key=Keys.W_AVATAR_SEARCH, placeholder="e.g. Ava")
        st.toggle("Favourites only", key=Keys.W_AVATAR_FAVOURITES_ONLY, help="Avatars you starred on this backend")
    with st.container(horizontal=True):
        choices = {facet: st.multiselect(catalog_view.facet_label(facet),
                                         catalog_view.avatar_facet_options(avatars, facet), key=key,
                                         format_func=catalog_view.facet_label, placeholder="Any")
                   for facet, key in FILTERS.items()}
    shown = catalog_view.filter_avatars(avatars, search=st.session_state[Keys.W_AVATAR_SEARCH], **choices)
    if st.session_state[Keys.W_AVATAR_FAVOURITES_ONLY]:
        shown = only_favourites(shown, starred, lambda avatar: avatar.id)
        if not starred:
            st.info("No favourite avatars yet: star one with :material/star_border: on its card.")
    st.caption(f"**{len(shown)}** of {len(avatars)} avatars", help="Filters combine; empty means any.")

    opened = next((a for a in avatars if a.id == st.session_state[Keys.OPEN_AVATAR_ID]), None)
    if opened is not None:
        with st.container(border=True, key="avatar_preview"):
            clip, about = st.columns([1, 2])
            with clip:
                if opened.video_url:
                    video_player(opened.video_url)
            with about:
                st.subheader(opened.name)
                st.caption(" · ".join(catalog_view.facet_label(catalog_view.avatar_facet_value(opened, facet))
                                      for facet in FILTERS if catalog_view.avatar_facet_value(opened, facet)))
                st.button("Use this avatar", key=Keys.B_AVATAR_USE, type="primary",
                          icon=":material/arrow_forward:", on_click=use_avatar, args=(opened.id, 0))
                with st.container(horizontal=True):
                    favourite_button(starred=str(opened.id) in starred, key="avatar_preview_star",
                                     on_toggle=toggle_favourite, args=(opened.id,))
                    st.button("Close", key=Keys.B_AVATAR_CLOSE, on_click=open_avatar, args=(None,))

    pages = max(1, -(-len(shown) // PER_PAGE))
    page = st.pagination(pages, key=Keys.U_AVATAR_PAGE) if pages > 1 else 1
    grid = st.grid(columns="auto", min_column_width=180, key="avatar_grid")
    for avatar in shown[(page - 1) * PER_PAGE: page * PER_PAGE]:
        with grid.cell():
            avatar_card(avatar, on_open=open_avatar, starred=str(avatar.id) in starred, on_star=toggle_favourite)

with custom_tab:
    catalog = load_catalog(connection, "custom_avatars")
    mine = catalog.value
    if catalog.problem:
        st.error(catalog.problem)
    elif not mine:
        st.info("No custom avatars on this account yet.")
    for avatar in mine:
        with st.container(border=True):
            st.markdown(f"**{avatar.name}** · #{avatar.id} · {avatar.avatar_status or ''}")
            if avatar.fail_msg:
                st.error(avatar.fail_msg)
            if avatar.video_url:
                video_player(avatar.video_url)
            st.button("Use this avatar", key=f"custom_use_{avatar.id}", on_click=use_avatar, args=(avatar.id, 1))
