"""Batch: a CSV of videos, every row checked before anything is sent, then a paced, resumable submission."""

import time

import streamlit as st
from streamlit_autorefresh import st_autorefresh

from lib.joggai import VideoStatus
from lib.studio import batch, batch_run, lint, nav, pacing, persona_panels, queue_states, sending
from lib.studio.connection import batches, current_connection, history, load_catalog, refresh_active_jobs
from lib.studio.personas import by_name
from lib.studio.state import Keys, request_flag, take_flag

PACE_CHOICES = {0: "As fast as the backend allows", 60: "One a second", 20: "One every 3 s", 6: "One every 10 s"}

nav.require_entrypoint("batch")
connection = current_connection()
jobs_store = history(connection)
store = batches()
session = st.session_state
batch_id = st.query_params.get("batch")
current = store.get(batch_id) if batch_id else None

if current is None:
    if batch_id:
        st.warning(f"No batch {batch_id!r} in this dashboard's history.")
    for item in store.list(limit=10):
        counts = store.progress(item.batch_id)
        st.page_link(nav.PAGE_BY_SLUG["batch"].path, label=f"{item.name or item.batch_id} — {item.state}, "
                     f"{batch_run.sending_summary(counts)}", icon=":material/table_view:",
                     query_params={"batch": item.batch_id})
    if not connection.ok:
        st.info("Checking a batch needs a connected backend (rows are validated against its catalog).")
        st.stop()
    catalogs = [
        load_catalog(connection, name) for name in ("public_avatars", "custom_avatars", "voices")]
    if problems := [catalog.problem for catalog in catalogs if catalog.problem]:
        st.warning(problems[0])
    public, custom, voices = (catalog.value for catalog in catalogs)
    st.download_button("Download the CSV template", key=Keys.B_BATCH_TEMPLATE, icon=":material/download:",
                       data=batch.template_csv(public[0].id if public else None,
                                               voices[0].voice_id if voices else None,
                                               with_ext=connection.capabilities.ext),
                       file_name="avatar-studio-batch.csv", mime="text/csv")
    upload = st.file_uploader("Batch CSV", type=["csv"], key=Keys.U_BATCH_FILE)
    with st.expander("…or paste the CSV", expanded=bool(session.get(Keys.W_BATCH_TEXT))):
        st.text_area("CSV text", key=Keys.W_BATCH_TEXT, height=150, placeholder=",".join(batch.TEMPLATE_COLUMNS))
    data = upload.getvalue() if upload is not None else (session.get(Keys.W_BATCH_TEXT) or "").encode()
    if not data.strip():
        st.stop()
    rows, problem = batch.parse_csv(data)
    if problem:
        st.error(problem)
        st.stop()
    if refusal := batch.ext_refusal(rows, connection.capabilities.ext):
        st.error(refusal, icon=":material/block:")
    plans = batch.validate_rows(rows, [*public, *custom], voices, ext_allowed=connection.capabilities.ext,
                                personas=by_name(persona_panels.backend_personas(connection)))
    valid = [plan for plan in plans if plan.valid]
    st.caption(f"{len(plans)} rows · {len(valid)} valid · {len(plans) - len(valid)} with errors")
    st.dataframe(batch.plans_frame(plans), key="batch_plan", hide_index=True,
                 column_config={"ok": st.column_config.CheckboxColumn("OK", width=40),
                                "errors": st.column_config.TextColumn("Errors", width="large")})
    with st.container(key="batch_errors"):
        for plan in plans:
            if not plan.valid:
                st.error(f"Row {plan.row_number}: " + "; ".join(plan.errors), icon=":material/error:")
    backend_limit = sending.batch_backend_limit(connection)
    pace = st.radio("Pace", list(PACE_CHOICES), format_func=PACE_CHOICES.get, key=Keys.W_BATCH_PACE,
                    horizontal=True)
    notes = [lint.pacing_warning(len(valid), backend_limit),
             lint.pacing_warning(len(valid), pace or None, even=True)]
    for message in [note.message for note in notes if note] + lint.distinct_messages(
            lint.LintWarning("row", warning) for plan in valid for warning in plan.warnings):
        st.warning(message, icon=":material/info:")
    if backend_limit is None:
        st.caption("The local engine has no request limit unless it answers 429; then the batch waits as told.")
    st.text_input("Batch name", key=Keys.W_BATCH_NAME, placeholder="e.g. November promos")
    language_of = {voice.voice_id: voice.language for voice in voices}
    ready = sending.preflight_box(connection, [plan.request for plan in valid], language_of, key=Keys.W_BATCH_PREFLIGHT)
    st.button(f"Submit {len(valid)} valid rows", key=Keys.B_BATCH_SUBMIT, type="primary",
              disabled=not (valid and ready), icon=":material/send:", on_click=request_flag(Keys.BATCH_SUBMIT_REQUESTED))
    # One id per click-to-success: a double click stores the same batch once; None when the preflight refuses.
    if take_flag(Keys.BATCH_SUBMIT_REQUESTED) and valid and (
            stored := sending.store_batch(connection, plans, posts_per_minute=pace or None, language_of=language_of)):
        nav.go_to("batch", batch=stored)
    st.stop()

# A stored batch: the background sender sends it (also with this page closed); this shows where it stands.
can_send = sending.can_send_batch(connection, current)
backend_limit = sending.batch_backend_limit(connection) if can_send else None
progress = sending.batch_progress(current)
refresh_active_jobs(connection)
jobs = jobs_store.list_jobs(batch=current.batch_id)
results = batch.results_rows(store, current.batch_id, jobs)
completed = sum(result["status"] == VideoStatus.COMPLETED.value for result in results)
failed = sum(result["status"] == VideoStatus.FAILED.value for result in results)

st.subheader(current.name or f"Batch {current.batch_id}")
running = current.state == queue_states.RUNNING
held = running and sending.sender_note(connection, current.backend, current.account)  # why nothing goes now
if held:
    st.info(held)
    sending.take_over_button(connection, "batch", current.batch_id, current.backend, current.account)
wait = max(0.0, (progress.wait_until or 0) - time.time())
eta = pacing.eta_seconds(progress.unsent, pacing.effective_limit(backend_limit, current.posts_per_minute),
                         wait_now=wait)
st.progress(progress.sent / max(progress.total, 1), text=batch_run.sending_summary(progress)
            + (f" · done sending in {pacing.format_eta(eta)}" if progress.unsent and running and not held else ""))
st.progress(completed / max(progress.total, 1), text=f"{completed} of {progress.total} rendered"
            + (f" · {failed} failed" if failed else ""))
if progress.message:  # a pause by a breaker (no credit, key rejected) says why, loudly
    (st.warning if current.state == queue_states.PAUSED else st.caption)(progress.message)
if current.state in (queue_states.RUNNING, queue_states.PAUSED) and progress.unsent:
    paused = current.state == queue_states.PAUSED
    st.button("Resume" if paused else "Pause", key=Keys.B_BATCH_PAUSE,
              icon=":material/play_arrow:" if paused else ":material/pause:",
              on_click=sending.set_batch_running, args=(connection, current.batch_id, paused))
sending.batch_unconfirmed_rows(connection, current)
st.dataframe(results, key="batch_results", hide_index=True,
             column_config={"video_url": st.column_config.LinkColumn("video_url")})
st.download_button("Download results (CSV)", batch.results_csv(results), key=Keys.B_BATCH_RESULTS_CSV,
                   file_name=f"batch-{current.batch_id}-results.csv", mime="text/csv", icon=":material/download:")
st.page_link(nav.PAGE_BY_SLUG["batch"].path, label="New batch", icon=":material/add:")

if connection.ok and ((current.state == queue_states.RUNNING and progress.unsent) or any(not job.is_terminal for job in jobs)):
    st_autorefresh(interval=connection.config.autorefresh_ms, key="batch_autorefresh")
