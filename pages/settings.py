"""Settings: backend choice, session-only API key, connection test, local engine status and log,
webhook endpoints and the local webhook inbox."""

import streamlit as st

from lib.studio import data, lexicon_panels, nav, persona_panels
from lib.studio.backends import BACKEND_LABELS
from lib.studio.connection import active_kind, current_connection, webhook_setup
from lib.studio.engine_launcher import find_running_engine, stop_engine, tail_log
from lib.studio.state import Keys
from lib.studio.widgets import (
    format_quota,
    kept_copies_panel,
    webhook_endpoints_panel,
    webhook_inbox_panel,
    webhook_notices,
)

nav.require_entrypoint("settings")
connection = current_connection()
session = st.session_state


def apply_backend() -> None:
    session[Keys.BACKEND] = session[Keys.W_SETTINGS_BACKEND]
    session[Keys.CUSTOM_URL] = (session.get(Keys.W_SETTINGS_URL) or "").strip() or None
    typed = (session.get(Keys.U_SETTINGS_KEY) or "").strip()
    if typed:
        session[Keys.SESSION_API_KEY] = typed
    session[Keys.U_SETTINGS_KEY] = ""  # the key never sits in a widget longer than one submit
    data.clear_catalog_caches()


def restart_engine(engine) -> None:
    if engine is not None:
        stop_engine(engine)
    data.forget_local_engine()


def forget_key() -> None:
    session[Keys.SESSION_API_KEY] = None
    data.clear_catalog_caches()


with st.form("backend_form", border=True):
    st.subheader("Backend")
    kinds = list(BACKEND_LABELS)
    session.setdefault(Keys.W_SETTINGS_BACKEND, active_kind(connection.config))
    session.setdefault(Keys.W_SETTINGS_URL, session[Keys.CUSTOM_URL] or "")
    st.radio("Use", kinds, format_func=BACKEND_LABELS.get, key=Keys.W_SETTINGS_BACKEND, horizontal=True)
    st.text_input("Custom URL", key=Keys.W_SETTINGS_URL, placeholder="https://my-engine.example:8000")
    st.text_input("API key (kept in this browser session only)", key=Keys.U_SETTINGS_KEY, type="password",
                  placeholder="•••• set" if session[Keys.SESSION_API_KEY] else "not set")
    st.form_submit_button("Apply", key=Keys.B_SETTINGS_APPLY, on_click=apply_backend, type="primary")
if session[Keys.SESSION_API_KEY]:
    st.button("Forget the session key", key=Keys.B_SETTINGS_FORGET_KEY, on_click=forget_key)

st.subheader("Connection")
if st.button("Test connection", key=Keys.B_SETTINGS_TEST, icon=":material/network_check:",
             on_click=data.forget_backend_health):
    connection = current_connection()  # health was cleared by the callback: ask the backend again
if connection.ok:
    st.success(f"Connected to {connection.backend.label} at {connection.backend.base_url} as "
               f"**{connection.health.username}** · remaining quota {format_quota(connection.health.remaining_quota)}")
else:
    st.error(f"{connection.health.message}  \n{connection.health.fix or ''}")

st.subheader("Local engine")
engine_dir = connection.config.engine_data_dir
if connection.config.engine_url:
    st.info(f"Using the engine at {connection.config.engine_url} (AVATAR_STUDIO_ENGINE_URL); "
            "the dashboard does not manage it.")
else:
    engine = find_running_engine(engine_dir)
    if engine:
        st.markdown(f"Running at **{engine.url}** · pid {engine.pid} · version {engine.version}")
    else:
        st.warning("Not running.")
    st.button("Restart engine" if engine else "Start engine", key=Keys.B_SETTINGS_RESTART,
              on_click=restart_engine, args=(engine,))
    st.caption(f"Data dir: `{engine_dir}`")
    st.code("\n".join(tail_log(engine_dir)) or "(no log yet)", language=None, height=300)

st.subheader("Kept copies")
st.caption("Result links from the cloud may expire: the studio keeps its own copy of each finished video, "
           "so playback, bundles and shares keep working.")
kept_copies_panel(connection)

st.subheader("Webhooks")
st.caption("Endpoints receive a signed POST when a video finishes (`X-Webhook-Signature`: HMAC-SHA256 of the "
           "body with the endpoint's secret).")
webhook_notices()
webhooks = webhook_setup(connection)
webhook_endpoints_panel(connection, webhooks.view, webhooks.registration.endpoint_id if webhooks.registration else None)

st.subheader("Webhook inbox")
st.caption("A receiver on this computer (127.0.0.1) that registers itself on the local engine, checks every "
           "delivery's signature and marks jobs done as soon as their event arrives.")
webhook_inbox_panel(connection, webhooks.inbox.value, webhooks.registration, webhooks.inbox.problem)

st.subheader("Personas")
persona_panels.persona_manager(connection)

st.subheader("Pronunciations")
st.caption("Brand words and names, and how the voice should say them: every script sent (Compose, experiments, "
           "batches) and *Hear it first* use them; whole words, any case. The local engine says them as their "
           "phonemes (else the respelling) and keeps the written word in its captions; other backends get the "
           "script respelled.")
lexicon_panels.lexicon_editor()
