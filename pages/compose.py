"""Compose: pick an avatar and a voice, write a script or bring audio, check the request, send it."""

import uuid

import streamlit as st

from lib.studio import compose, nav
from lib.studio.connection import current_connection, load_catalog, speech_preview, submit_video
from lib.studio.state import Keys, prime_compose_widgets, request_flag, take_flag
from lib.studio.widgets import audio_uploader

nav.require_entrypoint("compose")
st.title(":material/edit_note: Compose")
connection = current_connection()
if not connection.ok:
    st.info("Composing needs a connected backend; your jobs stay available under **Jobs**.")
    st.stop()

prime_compose_widgets()
(public, problem), (custom, _), (voice_list, voice_problem) = (
    load_catalog(connection, name) for name in ("public_avatars", "custom_avatars", "voices"))
if problem or voice_problem:
    st.warning(problem or voice_problem)
avatars = compose.avatar_choices(public, custom)
voices = compose.voice_choices(voice_list)
session = st.session_state
shown_problems = session.get(Keys.COMPOSE_ATTEMPTED, False)

def show_problems(widget: str, problems: dict[str, list[str]]) -> None:
    for message in problems.get(widget, []) if shown_problems else []:
        st.error(message, icon=":material/error:")


left, right = st.columns([3, 2])
with left:
    st.selectbox("Avatar", list(avatars), format_func=avatars.get, key=Keys.W_COMPOSE_AVATAR, index=None,
                 placeholder="Type to search avatars", persist_state="session")
    avatar_slot = st.container()
    st.selectbox("Voice", list(voices), format_func=voices.get, key=Keys.W_COMPOSE_VOICE, index=None,
                 placeholder="Type to search voices", persist_state="session")
    voice_slot = st.container()
    voice_picked = session[Keys.W_COMPOSE_VOICE] is not None
    mode = st.segmented_control("Voice source", ["script", "audio"], key=Keys.W_COMPOSE_MODE, required=True,
                                format_func={"script": "Script (text to speech)", "audio": "My audio"}.get,
                                persist_state="session")
    if mode == "script":
        script = st.text_area("Script", key=Keys.W_COMPOSE_SCRIPT, height=180, persist_state="session")
        language = next((v.language for v in voice_list if v.voice_id == session[Keys.W_COMPOSE_VOICE]), None)
        stats = compose.script_stats(script, language)
        st.caption(f"{stats.characters} characters · {stats.words} words · "
                   f"about {compose.format_duration(stats.estimated_seconds)} spoken")
        st.button("Hear it first", key=Keys.W_COMPOSE_HEAR, icon=":material/hearing:",
                  on_click=request_flag(Keys.HEAR_REQUESTED), disabled=not (script.strip() and voice_picked))
        if take_flag(Keys.HEAR_REQUESTED):
            url, error = speech_preview(connection, session[Keys.W_COMPOSE_VOICE], script)
            if url:
                st.audio(url)
            else:
                st.warning(error)
    else:
        audio_uploader(connection)
        st.text_input("…or audio URL", key=Keys.W_COMPOSE_AUDIO_URL, persist_state="session")
    script_slot = st.container()
with right:
    st.segmented_control("Aspect ratio", compose.ASPECT_RATIOS, key=Keys.W_COMPOSE_ASPECT, required=True,
                         format_func=str.capitalize, persist_state="session")
    st.radio("Screen style", list(compose.SCREEN_STYLES), format_func=compose.SCREEN_STYLES.get,
             key=Keys.W_COMPOSE_SCREEN, persist_state="session")
    st.toggle("Captions", key=Keys.W_COMPOSE_CAPTION, persist_state="session")
    st.text_input("Video name", key=Keys.W_COMPOSE_NAME, persist_state="session")
    st.text_input("Webhook URL (optional)", key=Keys.W_COMPOSE_WEBHOOK, placeholder="https://…",
                  persist_state="session")
    webhook_slot = st.container()

request = compose.request_from_widgets(session)
problems = compose.problems_by_widget(request)
for widget, slot in {"avatar": avatar_slot, "voice": voice_slot, "webhook_url": webhook_slot}.items():
    with slot:
        show_problems(widget, problems)
with script_slot:
    show_problems("script" if mode == "script" else "audio", problems)
    show_problems("general", problems)

with st.expander("Request preview", icon=":material/data_object:"):
    st.code(compose.request_json(request), language="json")
    st.code(compose.curl_command(connection.backend.base_url, request), language="bash")

session.setdefault(Keys.SUBMIT_NONCE, uuid.uuid4().hex)
st.button("Create video", key=Keys.W_COMPOSE_SUBMIT, type="primary", icon=":material/movie:",
          on_click=lambda: session.update({Keys.COMPOSE_ATTEMPTED: True, Keys.SUBMIT_REQUESTED: True}))
if take_flag(Keys.SUBMIT_REQUESTED) and not problems:
    with st.status("Sending the request…", expanded=True) as status:
        outcome = submit_video(connection, request, idempotency_key=session[Keys.SUBMIT_NONCE],
                               avatar_name=compose.display_name(avatars.get(session[Keys.W_COMPOSE_AVATAR])),
                               voice_name=compose.display_name(voices.get(request.voice_id)))
        if outcome.job is None:
            status.update(label=f"Not sent: {outcome.error}", state="error")
        else:
            status.update(label=f"Queued as {outcome.job.video_id}", state="complete")
            session[Keys.SUBMIT_NONCE] = uuid.uuid4().hex
            session[Keys.COMPOSE_ATTEMPTED] = False
            nav.go_to("jobs", job=outcome.job.video_id)
