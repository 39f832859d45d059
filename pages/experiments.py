"""Experiments: the list of A/B experiments, and a compare view (?experiment=<id>) that plays them side by side."""

import streamlit as st
from streamlit_autorefresh import st_autorefresh

from lib.joggai import VideoStatus
from lib.studio import experiments, nav, queue_states, sending
from lib.studio.compare_view import compare_grid
from lib.studio.connection import current_connection, experiment_store, refresh_active_jobs
from lib.studio.share_links import COMPARISON, ShareTarget
from lib.studio.share_panels import reviews_panel, share_panel
from lib.studio.state import Keys

nav.require_entrypoint("experiments")
connection = current_connection()
refresh_active_jobs(connection)  # one tracker tick, as on the Jobs page
store = experiment_store()
session = st.session_state
experiment_id = st.query_params.get("experiment")
experiment = store.get(experiment_id) if experiment_id else None

if experiment is None:
    if experiment_id:
        st.warning(f"No experiment {experiment_id!r} in this dashboard's history.")
    listed = store.list()
    if not listed:
        st.info("No experiments yet. In **Compose**, switch on *Experiment* to render one script in several "
                "voices or avatars, or several scripts in one voice.")
    for item in listed:
        cells = sending.experiment_cells(item)
        with st.container(border=True, key=f"experiment_row_{item.experiment_id}"):
            st.page_link(nav.PAGE_BY_SLUG["experiments"].path, label=item.name or item.experiment_id,
                         icon=":material/compare:", query_params={"experiment": item.experiment_id})
            st.caption(experiments.experiment_summary(cells) + (" · ⭐ winner picked" if item.winner_video_id else ""))
    st.stop()

cells = sending.experiment_cells(experiment)
st.subheader(experiment.name or experiment.experiment_id)
link = f"{(st.context.url or '').split('?')[0]}?experiment={experiment.experiment_id}"
st.caption(f"{experiments.experiment_summary(cells)} · [link to this comparison]({link})")
queued = any(cell.queue_state == queue_states.QUEUED for cell in cells)
held = experiment.state == queue_states.RUNNING and queued and sending.sender_note(
    connection, experiment.backend, experiment.account)  # why nothing goes now
if held:
    st.info(held)
    sending.take_over_button(connection, "experiment", experiment.experiment_id, experiment.backend,
                             experiment.account)
if experiment.state == queue_states.PAUSED and experiment.last_error:  # a breaker says why, loudly
    st.warning(experiment.last_error, icon=":material/pause_circle:")
if experiment.state in (queue_states.RUNNING, queue_states.PAUSED) and queued:
    paused = experiment.state == queue_states.PAUSED
    st.button("Resume" if paused else "Pause", key=Keys.B_EXP_PAUSE,
              icon=":material/play_arrow:" if paused else ":material/pause:",
              on_click=sending.set_experiment_running, args=(connection, experiment.experiment_id, paused))


def star(video_id: str | None) -> None:
    store.set_winner(experiment.experiment_id, video_id)


def star_button(cell: experiments.CompareCell) -> None:
    if cell.video_id:
        st.button("Winner" if cell.winner else "Star as winner", key=f"star_{cell.video_id}",
                  icon=":material/star:", type="primary" if cell.winner else "secondary",
                  on_click=star, args=(None if cell.winner else cell.video_id,),
                  disabled=not (cell.job and cell.job.video_status is VideoStatus.COMPLETED))


compare_grid(cells, key="experiment_grid", footer=star_button,
             unconfirmed=lambda cell: sending.variant_unconfirmed(connection, experiment, cell),
             not_sent=lambda cell: sending.variant_note(experiment, cell, held=bool(held)))

if session.get(Keys.EXPERIMENT_NOTES_OF) != experiment.experiment_id:
    session[Keys.W_EXP_NOTES] = experiment.notes
    session[Keys.EXPERIMENT_NOTES_OF] = experiment.experiment_id
comparison = ShareTarget(COMPARISON, "", experiment.experiment_id)
share_panel(comparison, what="this comparison")
reviews_panel(comparison)
st.text_area("Notes", key=Keys.W_EXP_NOTES, placeholder="What stood out? Which one and why?")
st.button("Save notes", key=Keys.B_EXP_SAVE_NOTES, icon=":material/save:",
          on_click=lambda: store.set_notes(experiment.experiment_id, session[Keys.W_EXP_NOTES]))
st.page_link(nav.PAGE_BY_SLUG["experiments"].path, label="All experiments", icon=":material/arrow_back:")

running = any(cell.job is not None and not cell.job.is_terminal for cell in cells)
if connection.ok and (running or (experiment.state == queue_states.RUNNING and queued)):
    st_autorefresh(interval=connection.config.autorefresh_ms, key="experiment_autorefresh")
