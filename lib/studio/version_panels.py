"""On screen for versions (logic in ``lib.studio.versions``; the *New version* button is
``widgets.new_version_button``): Compose's note of what it is making a new version of, and the Video
page's list and comparison of a video's versions."""

from __future__ import annotations

import streamlit as st

from lib.studio import versions
from lib.studio.compare_view import compare_grid
from lib.studio.connection import history
from lib.studio.history import JobRecord
from lib.studio.state import Keys, request_page
from lib.studio.widgets import status_badge


def parent_note() -> None:
    """In Compose, while it holds a new version: of which video, and a way out."""
    parent_id = st.session_state.get(Keys.COMPOSE_PARENT)
    if not parent_id:
        return
    parent = history().get(None, parent_id)
    name = (parent.name if parent and parent.name else None) or parent_id
    with st.container(horizontal=True, vertical_alignment="center", key="compose_parent"):
        st.info(f"**New version of {name}**: the video you create records it as its parent.",
                icon=":material/difference:")
        st.button("Not a new version", key=Keys.B_COMPOSE_NOT_A_VERSION, on_click=versions.forget_parent)


def versions_panel(job: JobRecord) -> None:
    """The Video page's versions: the family newest first, each opening its Video page, and *Compare versions*."""
    with st.container(key="versions_panel"):
        listed = versions.versions_of(history(), job)
        st.markdown("#### Versions")
        if len(listed) < 2:
            st.caption("No other versions yet. *New version* opens Compose with this request; what you create "
                       "there is listed here.")
            return
        with st.container(key="video_versions"):
            for version in listed:
                with st.container(horizontal=True, vertical_alignment="center", key=f"version_row_{version.number}"):
                    # A button, not st.page_link: a page link to the page already open does not follow its
                    # new query parameters; the frame's switch does (state.request_page).
                    st.button(version.label, key=f"{Keys.B_VERSION_OPEN}_{version.job.video_id}", type="tertiary",
                              icon=":material/movie:", disabled=version.relation == versions.THIS,
                              on_click=request_page, args=("video",), kwargs={"video_id": version.job.video_id})
                    status_badge(version.job.status)
        if st.toggle("Compare versions", key=Keys.W_VIDEO_COMPARE_VERSIONS,
                     help="Side by side, as experiments are compared (the newest six)."):
            compare_grid(versions.compare_cells(listed), key="version_grid", cell_key="version")
