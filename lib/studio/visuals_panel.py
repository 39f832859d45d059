"""Compose's "Product visuals" section: uploads with progress for the content, background, logo and music,
the resolution and caption style, what an experiment over product visuals compares, and a still of the
layout. Shown only where the backend lists CAPABILITY_EXT; elsewhere a one-line note points to *Finish*.

Pages call ``product_visuals_section`` once, before the request is built from the session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import streamlit as st

from lib.joggai import contract
from lib.studio import data
from lib.studio.backend_call import attempt
from lib.studio.compose import SCREEN_STYLES, problems_by_widget, request_from_widgets
from lib.studio.connection import Connection
from lib.studio.layout_preview import (
    APPROXIMATION_NOTE,
    caption_sample,
    first_sentence,
    render_layout_preview,
)
from lib.studio.product_visuals import (
    CLOUD_NOTE,
    UPLOAD_SLOTS,
    ext_from_values,
    on_backend,
)
from lib.studio.state import Keys
from lib.studio.widgets import asset_uploader, image_view

NO_EXT_COMPARE = ("Comparing product visuals needs a backend that takes them (the local engine); compare "
                  "voices, avatars or scripts here instead.")


def product_visuals_section(connection: Connection, public: Iterable, custom: Iterable = ()) -> None:
    """The section (or, without CAPABILITY_EXT, the note); records for the request whether ``ext`` may go."""
    session = st.session_state
    allowed = connection.ok and connection.capabilities.ext
    session[Keys.EXT_ALLOWED] = allowed
    comparing = bool(session.get(Keys.W_COMPOSE_EXPERIMENT)) and session.get(Keys.W_EXP_AXIS) == "visuals"
    if not allowed:
        st.caption(f":material/info: {CLOUD_NOTE}")
        if comparing:
            st.warning(NO_EXT_COMPARE, icon=":material/compare:")
        return
    with st.expander("Product visuals", icon=":material/add_photo_alternate:",
                     expanded=comparing or bool(ext_from_values(session))):
        if comparing:
            _compare_choices(session)
        columns = st.columns(2)
        for index, slot in enumerate(UPLOAD_SLOTS):
            with columns[index % 2], st.container(border=True):
                asset_uploader(connection, label=slot.label, file_types=slot.file_types, file_key=slot.file_key,
                               button_key=slot.button_key, url_key=slot.url_key, default_mime=slot.default_mime)
                st.text_input("…or its URL", key=slot.url_key, placeholder="https://…", persist_state="session")
        with st.container(horizontal=True):
            st.segmented_control("Resolution", contract.RESOLUTIONS, key=Keys.W_EXT_RESOLUTION, required=True,
                                 persist_state="session")
            st.selectbox("Caption style", contract.CAPTION_STYLES, key=Keys.W_EXT_CAPTION_STYLE,
                         format_func=str.capitalize, persist_state="session")
        for message in problems_by_widget(request_from_widgets(session)).get("visuals", []):
            st.error(message, icon=":material/error:")
        if st.toggle("Still preview of the layout", key=Keys.W_EXT_SHOW_PREVIEW, persist_state="session"):
            _still_preview(connection, session, {(0, a.id): a for a in public} | {(1, a.id): a for a in custom})


def _compare_choices(session: Mapping[str, Any]) -> None:
    st.multiselect("Screen styles to compare (each with the product visuals below)", list(SCREEN_STYLES),
                   format_func=SCREEN_STYLES.get, key=Keys.W_EXP_VISUAL_STYLES, persist_state="session",
                   placeholder="The screen style chosen above, or several")
    st.toggle("With and without the music bed", key=Keys.W_EXP_VISUAL_MUSIC, persist_state="session",
              disabled=not session.get(Keys.W_EXT_MUSIC_URL), help="Upload or link a music bed first.")


def _backend_file(connection: Connection, url: str | None, limit: int) -> tuple[bytes | None, str | None]:
    """A file of the connected backend for the preview, or why it is not shown (nothing else is fetched)."""
    if not url:
        return None, None
    if not on_backend(url, connection.backend.base_url):
        return None, f"{url} is not on {connection.backend.label}, so the preview does not fetch it."
    fetched = attempt(connection, lambda client: data.preview_media(url, limit, client))
    return (fetched.value, None) if fetched.ok else (None, fetched.problem)


def _still_preview(connection: Connection, session: Mapping[str, Any], avatars: Mapping) -> None:
    ext = ext_from_values(session)
    image_limit = contract.UPLOAD_LIMITS_BYTES["image"]
    avatar = avatars.get(tuple(session.get(Keys.W_COMPOSE_AVATAR) or ()))
    files, notes = {}, []
    for field in (contract.EXT_CONTENT_URL, contract.EXT_BACKGROUND_URL, contract.EXT_LOGO_URL):
        # Only an image's worth is fetched: a short video as the content is drawn as a box anyway.
        files[field], problem = _backend_file(connection, ext.get(field), image_limit)
        if problem and field == contract.EXT_CONTENT_URL and on_backend(ext[field], connection.backend.base_url):
            problem = "The product is not an image the preview can fetch (a video?): a box stands in for it."
        notes += [problem] if problem else []
    cover, problem = _backend_file(connection, getattr(avatar, "cover_url", None), image_limit)
    notes += [problem] if problem else []
    if avatar is None:
        notes.append("Choose an avatar to see its cover in the preview.")
    preview = render_layout_preview(
        aspect_ratio=session.get(Keys.W_COMPOSE_ASPECT) or "portrait", screen_style=session.get(Keys.W_COMPOSE_SCREEN) or 1,
        cover=cover, content=files[contract.EXT_CONTENT_URL], content_chosen=contract.EXT_CONTENT_URL in ext,
        background=files[contract.EXT_BACKGROUND_URL], logo=files[contract.EXT_LOGO_URL],
        title=session.get(Keys.W_COMPOSE_NAME) or "", sentence=first_sentence(session.get(Keys.W_COMPOSE_SCRIPT) or ""),
        caption=caption_sample(session.get(Keys.W_COMPOSE_SCRIPT) or "") if session.get(Keys.W_COMPOSE_CAPTION) else None,
        caption_style=ext.get(contract.EXT_CAPTION_STYLE, contract.DEFAULT_CAPTION_STYLE))
    resolution = ext.get(contract.EXT_RESOLUTION, contract.DEFAULT_RESOLUTION)
    width, height = contract.FRAME_SIZES[resolution][session.get(Keys.W_COMPOSE_ASPECT) or "portrait"]
    with st.container(key="ext_layout_preview"):
        image_view(preview.png, width=320 if height > width else 480)
        st.caption(f"{APPROXIMATION_NOTE} The video: {width}×{height}"
                   + (" with a music bed." if ext.get(contract.EXT_MUSIC_URL) else "."))
        for note in [*notes, *preview.notes]:
            st.caption(f":material/info: {note}")
