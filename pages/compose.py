"""Compose: pick an avatar and a voice, write a script or bring audio, check the request, send it."""

import streamlit as st

from lib.studio import (
    compose,
    draft_panel,
    experiment_plans,
    experiments,
    lint,
    nav,
    sending,
    version_panels,
    visuals_panel,
)
from lib.studio.connection import current_connection, load_catalog, speech_preview
from lib.studio.experiment_axes import axis_pickers, axis_presets
from lib.studio.lexicon_panels import spoken_request
from lib.studio.persona_panels import persona_picker
from lib.studio.state import Keys, prime_compose_widgets, request_flag, take_flag
from lib.studio.widgets import audio_player, audio_uploader

nav.require_entrypoint("compose")
connection = current_connection()
if not connection.ok:
    st.info("Composing needs a connected backend; your jobs stay available under **Jobs**.")
    st.stop()

prime_compose_widgets()
version_panels.parent_note()  # after New version: which video this will be a version of
catalogs = [load_catalog(connection, name) for name in ("public_avatars", "custom_avatars", "voices")]
if problems := [catalog.problem for catalog in catalogs if catalog.problem]:
    st.warning(problems[0])
public, custom, voice_list = (catalog.value for catalog in catalogs)
avatars = compose.avatar_choices(public, custom)
voices = compose.voice_choices(voice_list)
session = st.session_state
shown_problems = session.get(Keys.COMPOSE_ATTEMPTED, False)

def show_problems(widget: str, problems: dict[str, list[str]]) -> None:
    # In experiment mode the variants are checked instead (the lists may stand in for the single picks).
    experiment_on = session.get(Keys.W_COMPOSE_EXPERIMENT, False)
    for message in problems.get(widget, []) if shown_problems and not experiment_on else []:
        st.error(message, icon=":material/error:")


left, right = st.columns([3, 2])
with left:
    persona_picker(connection, avatars, voices)
    st.selectbox("Avatar", list(avatars), format_func=avatars.get, key=Keys.W_COMPOSE_AVATAR, index=None,
                 placeholder="Type to search avatars", persist_state="session")
    avatar_slot = st.container()
    st.selectbox("Voice", list(voices), format_func=voices.get, key=Keys.W_COMPOSE_VOICE, index=None,
                 placeholder="Type to search voices", persist_state="session")
    voice_slot = st.container()
    voice_picked = session[Keys.W_COMPOSE_VOICE] is not None
    experiment_mode = st.toggle("Experiment (A/B): compare several versions", key=Keys.W_COMPOSE_EXPERIMENT,
                                persist_state="session")
    if experiment_mode:
        axis = st.segmented_control("Compare", list(experiment_plans.AXES), format_func=experiment_plans.AXES.get,
                                    key=Keys.W_EXP_AXIS, required=True, persist_state="session")
        axis_pickers(connection, axis, avatars, voices, voice_list)
    mode = st.segmented_control("Voice source", ["script", "audio"], key=Keys.W_COMPOSE_MODE, required=True,
                                format_func={"script": "Script (text to speech)", "audio": "My audio"}.get,
                                persist_state="session")
    scripts_experiment = experiment_mode and session.get(Keys.W_EXP_AXIS) == "scripts" and mode == "script"
    if scripts_experiment:
        st.text_area(f"Script variants (one after another, a line `{experiment_plans.SCRIPT_SEPARATOR}` between them)",
                     key=Keys.W_EXP_SCRIPTS, height=180, persist_state="session")
    if mode == "script":
        draft_panel.draft_panel(connection)
        script = st.text_area("Script", key=Keys.W_COMPOSE_SCRIPT, height=180, persist_state="session",
                              disabled=scripts_experiment,
                              help="Experiments over scripts use the variants above." if scripts_experiment else None)
        language = next((v.language for v in voice_list if v.voice_id == session[Keys.W_COMPOSE_VOICE]), None)
        stats = compose.script_stats(script, language)
        estimate = lint.estimate(script, language, cloud=connection.backend.kind != "local")
        st.caption(f"{stats.characters} characters · {stats.words} words · "
                   f"about {compose.format_duration(stats.estimated_seconds)} spoken"
                   + (f" · about {estimate.credits} credit(s)" if estimate.credits and script.strip() else ""))
        if estimate.credits and script.strip():
            st.caption(lint.CREDIT_ASSUMPTION)
        st.button("Hear it first", key=Keys.B_COMPOSE_HEAR, icon=":material/hearing:",
                  on_click=request_flag(Keys.HEAR_REQUESTED), disabled=not (script.strip() and voice_picked))
        if take_flag(Keys.HEAR_REQUESTED):
            voice = next(v for v in voice_list if v.voice_id == session[Keys.W_COMPOSE_VOICE])
            preview = speech_preview(connection, voice, script)
            if preview.audio_url:
                audio_player(preview.audio_url)
            if preview.note:
                (st.info if preview.audio_url else st.warning)(preview.note)
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
    st.number_input("Target length in seconds (optional, for a warning)", min_value=0, max_value=600, step=5,
                    key=Keys.W_COMPOSE_TARGET)
    st.text_input("Webhook URL (optional)", key=Keys.W_COMPOSE_WEBHOOK, placeholder="https://…",
                  persist_state="session")
    webhook_slot = st.container()
visuals_panel.product_visuals_section(connection, public, custom)  # before the request is built
request = compose.request_from_widgets(session)
problems = compose.problems_by_widget(request)
for widget, slot in {"avatar": avatar_slot, "voice": voice_slot, "webhook_url": webhook_slot}.items():
    with slot:
        show_problems(widget, problems)
with script_slot:
    show_problems("script" if mode == "script" else "audio", problems)
    show_problems("general", problems)

language_of = {v.voice_id: v.language for v in voice_list}
aspect_of = {(0, a.id): a.aspect_ratio_name for a in public} | {(1, a.id): None for a in custom}
variants = sending.planned_variants(request, avatars, voices, scripts_experiment=scripts_experiment, presets=(
    axis_presets(connection, session.get(Keys.W_EXP_AXIS), voices, voice_list))) if experiment_mode else []
checked = variants or [experiment_plans.Variant(0, "", request)]
with st.container(key="compose_lint"):
    remarks = [warning for variant in checked for warning in lint.lint_request(
        variant.request, voice_language=language_of.get(variant.request.voice_id),
        avatar_aspect=aspect_of.get((variant.request.avatar_type, variant.request.avatar_id)),
        target_seconds=session.get(Keys.W_COMPOSE_TARGET) or None)]
    for message in lint.distinct_messages(remarks):
        st.warning(message, icon=":material/lightbulb:")

with st.expander("Request preview", icon=":material/data_object:"):
    st.code(compose.request_json(spoken := spoken_request(request, ext=connection.capabilities.ext)), language="json")
    st.code(compose.curl_command(connection.backend.base_url, spoken), language="bash")

if experiment_mode:
    plan_problems = experiment_plans.plan_problems(variants)
    st.caption(sending.experiment_caption(variants, language_of, cloud=connection.backend.kind != "local"))
    for message in plan_problems if shown_problems else []:
        st.error(message, icon=":material/error:")
    ready = sending.preflight_box(connection, [v.request for v in variants], language_of, key=Keys.W_EXP_PREFLIGHT)
    session.setdefault(Keys.EXPERIMENT_NONCE, experiments.new_experiment_id())
    st.button(f"Create experiment ({len(variants)} videos)", key=Keys.B_EXP_SUBMIT, type="primary",
              icon=":material/compare:", disabled=not ready,
              on_click=lambda: session.update({Keys.COMPOSE_ATTEMPTED: True, Keys.EXPERIMENT_REQUESTED: True}))
    if take_flag(Keys.EXPERIMENT_REQUESTED) and not plan_problems:
        sending.send_experiment(connection, request, variants, language_of)
    st.stop()

if sending.compose_unconfirmed(connection):
    st.stop()  # a person decides about the last click before anything else is sent
st.button("Create video", key=Keys.B_COMPOSE_SUBMIT, type="primary", icon=":material/movie:",
          on_click=lambda: session.update({Keys.COMPOSE_ATTEMPTED: True, Keys.SUBMIT_REQUESTED: True}))
if take_flag(Keys.SUBMIT_REQUESTED) and not problems:
    sending.send_composed(connection, request,
                          avatar_name=compose.display_name(avatars.get(session[Keys.W_COMPOSE_AVATAR])),
                          voice_name=compose.display_name(voices.get(request.voice_id)))
