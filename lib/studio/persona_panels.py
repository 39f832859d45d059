"""Personas on screen: Compose's picker and *Save as persona*, Settings' manager (rename, delete).

Picking a persona fills the composer's avatar, voice, aspect ratio, screen style and captions (a
callback, before the widgets draw). Personas belong to the connected backend (``lib.studio.personas``).
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from lib.studio import compose, product_visuals
from lib.studio.connection import Connection, personas
from lib.studio.personas import Persona, persona_from_request
from lib.studio.state import Keys


def backend_personas(connection: Connection) -> list[Persona]:
    """The connected backend's personas (none without a backend)."""
    return personas().list(connection.backend.backend_id) if connection.backend else []


def _notice() -> None:
    notice = st.session_state.pop(Keys.PERSONA_NOTICE, None)
    if notice:
        (st.success if notice[0] else st.error)(notice[1])


def _fill_from_persona(connection: Connection, avatars: Mapping, voices: Mapping) -> None:
    session = st.session_state
    name = session.get(Keys.W_COMPOSE_PERSONA)
    persona = personas().get(connection.backend.backend_id, name) if name and connection.backend else None
    if persona is None:
        return
    missing = []
    if (persona.avatar_type, persona.avatar_id) in avatars:
        session[Keys.W_COMPOSE_AVATAR] = (persona.avatar_type, persona.avatar_id)
    else:
        missing.append(f"avatar #{persona.avatar_id}")
    if persona.voice_id in voices:
        session[Keys.W_COMPOSE_VOICE] = persona.voice_id
    else:
        missing.append(f"voice {persona.voice_id}")
    session.update({Keys.W_COMPOSE_ASPECT: persona.aspect_ratio, Keys.W_COMPOSE_SCREEN: persona.screen_style,
                    Keys.W_COMPOSE_CAPTION: persona.caption})
    if connection.capabilities.ext:  # its product visuals go back into their section's widgets
        session.update(product_visuals.widget_values(persona.ext or {}))
    session[Keys.W_COMPOSE_PERSONA] = None  # an action, not a mode: picking the same persona again refills
    session[Keys.PERSONA_NOTICE] = (True, f"Filled from persona {persona.name!r}.")
    if missing:
        gone = f"{persona.name}: {' and '.join(missing)} is no longer in the catalog; pick another and save again."
        session[Keys.PERSONA_NOTICE] = (False, gone)


def _save_persona(connection: Connection) -> None:
    session = st.session_state
    try:
        persona = persona_from_request(session.get(Keys.W_PERSONA_NEW_NAME) or "",
                                       compose.request_from_widgets(session))
    except ValueError as problem:
        session[Keys.PERSONA_NOTICE] = (False, str(problem))
        return
    known = personas().get(connection.backend.backend_id, persona.name)
    personas().save(connection.backend.backend_id, persona)
    session[Keys.PERSONA_NOTICE] = (True, f"Persona {persona.name!r} {'updated' if known else 'saved'}.")
    session[Keys.W_PERSONA_NEW_NAME] = ""


def persona_picker(connection: Connection, avatars: Mapping, voices: Mapping) -> None:
    """Compose: pick a persona (fills the widgets) or save the current picks as one."""
    names = [persona.name for persona in backend_personas(connection)]
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.selectbox("Fill from persona", names, key=Keys.W_COMPOSE_PERSONA, index=None, on_change=_fill_from_persona,
                     args=(connection, avatars, voices), placeholder="Fill avatar, voice and layout from a persona"
                     if names else "No personas yet: save your picks as one", persist_state="session")
        with st.popover("Save as persona", icon=":material/badge:"):
            st.text_input("Persona name", key=Keys.W_PERSONA_NEW_NAME, placeholder="e.g. Sales Ava, landscape")
            st.caption("Keeps the avatar, voice, aspect ratio, screen style and captions (and the local "
                       "engine's extra options). The same name replaces that persona.")
            st.button("Save persona", key=Keys.B_PERSONA_SAVE, icon=":material/save:", on_click=_save_persona,
                      args=(connection,))
    _notice()


def persona_table(found: list[Persona]) -> list[dict]:
    """Settings' list of personas, one row each."""
    return [{"persona": p.name, "avatar": f"#{p.avatar_id}" + (" (mine)" if p.avatar_type else ""),
             "voice": p.voice_id, "aspect ratio": p.aspect_ratio,
             "screen style": compose.SCREEN_STYLES.get(p.screen_style, p.screen_style),
             "captions": p.caption, "extra options": ", ".join(sorted(p.ext or {}))} for p in found]


def _rename_persona(connection: Connection) -> None:
    session = st.session_state
    old, new = session.get(Keys.W_PERSONA_MANAGE), session.get(Keys.W_PERSONA_RENAME) or ""
    try:
        personas().rename(connection.backend.backend_id, old, new)
    except ValueError as problem:
        session[Keys.PERSONA_NOTICE] = (False, str(problem))
        return
    session[Keys.PERSONA_NOTICE] = (True, f"Renamed {old!r} to {' '.join(new.split())!r}.")
    session[Keys.W_PERSONA_MANAGE] = " ".join(new.split())
    session[Keys.W_PERSONA_RENAME] = ""


def _delete_persona(connection: Connection) -> None:
    name = st.session_state.get(Keys.W_PERSONA_MANAGE)
    personas().delete(connection.backend.backend_id, name)
    st.session_state[Keys.PERSONA_NOTICE] = (True, f"Deleted persona {name!r}.")
    st.session_state[Keys.W_PERSONA_MANAGE] = None


def persona_manager(connection: Connection) -> None:
    """Settings: the connected backend's personas, with rename and delete."""
    _notice()
    found = backend_personas(connection)
    if not found:
        st.caption("No personas on this backend yet: save one from Compose (*Save as persona*).")
        return
    st.dataframe(persona_table(found), key="persona_table", hide_index=True)
    names = [persona.name for persona in found]
    if st.session_state.get(Keys.W_PERSONA_MANAGE) not in names:
        st.session_state[Keys.W_PERSONA_MANAGE] = None
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.selectbox("Persona", names, key=Keys.W_PERSONA_MANAGE, index=None, placeholder="Pick one to change")
        picked = st.session_state.get(Keys.W_PERSONA_MANAGE) is not None
        st.text_input("New name", key=Keys.W_PERSONA_RENAME, disabled=not picked)
        st.button("Rename", key=Keys.B_PERSONA_RENAME, icon=":material/edit:", disabled=not picked,
                  on_click=_rename_persona, args=(connection,))
        st.button("Delete", key=Keys.B_PERSONA_DELETE, icon=":material/delete:", disabled=not picked,
                  on_click=_delete_persona, args=(connection,))
