"""Jobs: the tracker — polls unfinished jobs while any exist, and plays finished videos inline."""

import streamlit as st
from streamlit_autorefresh import st_autorefresh

from lib.studio import nav, tracker
from lib.studio.backends import backend_label
from lib.studio.connection import current_connection, ensure_inbox, history, refresh_active_jobs
from lib.studio.state import Keys
from lib.studio.widgets import finished_job_card, new_version_button

nav.require_entrypoint("jobs")
connection = current_connection()
# A switched-on inbox marks jobs done as their events arrive; after a dashboard restart it starts here too.
inbox = ensure_inbox(connection).value
updates = refresh_active_jobs(connection)  # one tick: only due, unfinished jobs of the active backend
session = st.session_state
view = tracker.jobs_view(history(), connection.backend.backend_id if connection.ok else None,
                         statuses=session.get(Keys.W_JOBS_STATUS) or (), backends=session.get(Keys.W_JOBS_BACKEND) or (),
                         search=session.get(Keys.W_JOBS_SEARCH) or "", page=session.get(Keys.JOBS_PAGE) or 1)
active = view.followed
highlight = st.query_params.get("job")
if not view.total:
    with st.container(border=True, key="jobs_empty"):
        st.markdown("#### :material/movie: No videos yet")
        st.caption("Videos you create appear here while they render, then play inline.")
        st.page_link(nav.PAGE_BY_SLUG["compose"].path, label="Compose your first video",
                     icon=":material/edit_note:")
    st.stop()

# The controls are drawn every run (disabled when idle) so the elements below never move. Fixed widths
# let the row wrap whole controls at narrow widths instead of squeezing (and clipping) the Pause toggle.
# The view above was read with these widgets' values; a change reruns the page at once.
with st.container(horizontal=True, vertical_alignment="bottom", key="jobs_controls"):
    st.multiselect("Status", list(tracker.STATUSES), key=Keys.W_JOBS_STATUS, placeholder="Any", width=180)
    st.multiselect("Backend", view.backends, key=Keys.W_JOBS_BACKEND, format_func=backend_label,
                   placeholder="Any", width=180)
    st.text_input("Search", key=Keys.W_JOBS_SEARCH, placeholder="name, id, avatar, voice", width=220)
    interval = st.selectbox("Refresh every", tracker.REFRESH_CHOICES_MS, key=Keys.W_JOBS_INTERVAL,
                            index=None, placeholder=f"{connection.config.autorefresh_ms / 1000:g} s",
                            format_func=lambda ms: f"{ms / 1000:g} s", disabled=not active, width=120)
    paused = st.toggle("Pause", key=Keys.W_JOBS_PAUSED, disabled=not active, width="content")

st.caption(f"{len(active)} running · {view.total} in history"
           + (f" · {view.matching} match" if view.matching != view.total else "")
           + (f" · {sum(u.status is not None for u in updates)} updated just now" if updates else "")
           + (f" · {view.waiting} waiting for their backend (switch it in Settings)" if view.waiting else "")
           + (" · webhook inbox on: jobs finish as their events arrive" if inbox is not None else ""))
st.dataframe(
    tracker.jobs_frame(view.rows, highlight=highlight), key="jobs_table", hide_index=True,
    column_config={
        **{column: st.column_config.TextColumn(title) for column, title in tracker.JOB_COLUMNS.items()},
        "": st.column_config.TextColumn("", width=36, help="The job you just submitted"),
        "status": st.column_config.TextColumn(tracker.JOB_COLUMNS["status"], width=100),
        "progress": st.column_config.ProgressColumn(tracker.JOB_COLUMNS["progress"], min_value=0, max_value=100,
                                                    format="%d%%"),
    })
if view.pages > 1:
    # The page lives in a plain key, set by the callback: a widget's own value does not survive the page
    # guard's bounce through app.py, and st.pagination may not be set through session state.
    st.pagination(view.pages, default=view.page, key=Keys.U_JOBS_PAGE,
                  on_change=lambda: session.update({Keys.JOBS_PAGE: session[Keys.U_JOBS_PAGE]}))

with st.expander(f"Failed jobs ({view.failed_count})", icon=":material/error:"):
    for job in view.failed:
        st.error(f"**{job.name or job.video_id}** — {job.error_message or 'no reason given'}")
        new_version_button(job)
    if view.failed_count > len(view.failed):
        st.caption(f"The newest {len(view.failed)}; filter the table by status to page through the rest.")

st.subheader("Finished videos")
with st.container(key="finished_videos"):
    if not view.players:
        st.caption("Finished videos play here.")
    for job in view.players:
        finished_job_card(job)

# Last element on the page, and only while something is running: when it goes, nothing above moves.
if active and not paused:
    st_autorefresh(interval=interval or connection.config.autorefresh_ms, key=Keys.U_JOBS_AUTOREFRESH)
