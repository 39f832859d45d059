"""Settings: backend choice, session-only API key, connection test, local engine status and log,
webhook endpoints and the local webhook inbox."""

import streamlit as st

from lib.studio import data, nav, webhook_inbox
from lib.studio.backends import BACKEND_LABELS
from lib.studio.connection import active_kind, current_connection
from lib.studio.engine_launcher import find_running_engine, stop_engine, tail_log
from lib.studio.state import Keys
from lib.studio.widgets import format_quota

nav.require_entrypoint("settings")
st.title(":material/settings: Settings")
connection = current_connection()
session = st.session_state


def apply_backend() -> None:
    session[Keys.BACKEND] = session[Keys.W_SETTINGS_BACKEND]
    session[Keys.CUSTOM_URL] = (session.get(Keys.W_SETTINGS_URL) or "").strip() or None
    typed = (session.get(Keys.W_SETTINGS_KEY) or "").strip()
    if typed:
        session[Keys.SESSION_API_KEY] = typed
    session[Keys.W_SETTINGS_KEY] = ""  # the key never sits in a widget longer than one submit
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
    st.text_input("API key (kept in this browser session only)", key=Keys.W_SETTINGS_KEY, type="password",
                  placeholder="•••• set" if session[Keys.SESSION_API_KEY] else "not set")
    st.form_submit_button("Apply", key=Keys.W_SETTINGS_APPLY, on_click=apply_backend, type="primary")
if session[Keys.SESSION_API_KEY]:
    st.button("Forget the session key", key=Keys.W_SETTINGS_FORGET_KEY, on_click=forget_key)

st.subheader("Connection")
if st.button("Test connection", key=Keys.W_SETTINGS_TEST, icon=":material/network_check:",
             on_click=data.backend_health.clear):
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
    st.button("Restart engine" if engine else "Start engine", key=Keys.W_SETTINGS_RESTART,
              on_click=restart_engine, args=(engine,))
    st.caption(f"Data dir: `{engine_dir}`")
    st.code("\n".join(tail_log(engine_dir)) or "(no log yet)", language=None, height=300)

st.subheader("Webhooks")
st.caption("Endpoints receive a signed POST when a video finishes (`X-Webhook-Signature`: HMAC-SHA256 of the "
           "body with the endpoint's secret).")
history_path = connection.config.history_path


def notice(ok: bool, message: str) -> None:
    session[Keys.WEBHOOK_NOTICE] = (ok, message)


def add_endpoint() -> None:
    created, problem = webhook_inbox.change_endpoint(
        connection, "add", url=session[Keys.W_WEBHOOK_NEW_URL], events=session[Keys.W_WEBHOOK_NEW_EVENTS])
    if created is None:
        notice(False, f"Not added: {problem}")
        return
    session[Keys.WEBHOOK_NEW_SECRET] = (created.endpoint_id, created.secret)
    session[Keys.W_WEBHOOK_NEW_URL] = ""


def fill_edit_fields(endpoints: dict) -> None:
    picked = endpoints.get(session[Keys.W_WEBHOOK_PICK])
    if picked is not None:
        session[Keys.W_WEBHOOK_EDIT_URL] = picked.url
        session[Keys.W_WEBHOOK_EDIT_EVENTS] = list(picked.events)
        session[Keys.W_WEBHOOK_EDIT_STATUS] = picked.status or "enabled"


def save_endpoint() -> None:
    endpoint_id = session[Keys.W_WEBHOOK_PICK]
    _, problem = webhook_inbox.change_endpoint(
        connection, "update", endpoint_id, url=session[Keys.W_WEBHOOK_EDIT_URL],
        events=session[Keys.W_WEBHOOK_EDIT_EVENTS], status=session[Keys.W_WEBHOOK_EDIT_STATUS])
    notice(problem is None, f"Saved {endpoint_id}." if problem is None else f"Not saved: {problem}")


def delete_endpoint() -> None:
    endpoint_id = session[Keys.W_WEBHOOK_PICK]
    _, problem = webhook_inbox.change_endpoint(connection, "delete", endpoint_id)
    notice(problem is None, f"Deleted {endpoint_id}." if problem is None else f"Not deleted: {problem}")
    if problem is None:
        session[Keys.W_WEBHOOK_PICK] = None


def start_inbox() -> None:
    _, problem = webhook_inbox.start_inbox_for(connection)
    notice(problem is None, "The inbox is listening." if problem is None else problem)


def replay_delivery() -> None:
    replayed = webhook_inbox.stored_inbox(history_path).replay(session[Keys.W_INBOX_PICK])
    notice(replayed.verdict == webhook_inbox.VALID,
           f"Delivery {replayed.id} replayed: {replayed.verdict}" + (", applied." if replayed.applied else "."))


if (shown := session.pop(Keys.WEBHOOK_NOTICE, None)) is not None:
    (st.success if shown[0] else st.error)(shown[1])
if (created := session.pop(Keys.WEBHOOK_NEW_SECRET, None)) is not None:
    with st.container(border=True, key="webhook_new_secret"):
        st.success(f"Endpoint **{created[0]}** added. Its signing secret is shown **this once**: copy it now.",
                   icon=":material/key:")
        st.code(created[1], language=None)

view = webhook_inbox.endpoints_view(connection)
inbox, inbox_problem = webhook_inbox.ensure_inbox(connection)
registration = inbox.endpoint_for(connection.backend.backend_id) if inbox and connection.backend else None
if view.problem:
    st.warning(view.problem)
elif not view.endpoints:
    st.caption("No endpoints on this backend yet.")
else:
    st.dataframe(webhook_inbox.endpoint_rows(view.endpoints, registration and registration.endpoint_id),
                 hide_index=True, key="webhook_endpoints",
                 column_config={column: st.column_config.TextColumn(title)
                                for column, title in webhook_inbox.ENDPOINT_COLUMNS.items()})

if not view.problem:
    add_tab, edit_tab = st.tabs(["Add an endpoint", "Change or delete"])
    with add_tab, st.form("webhook_add_form", border=False):
        session.setdefault(Keys.W_WEBHOOK_NEW_EVENTS, list(webhook_inbox.VIDEO_EVENTS))
        st.text_input("URL", key=Keys.W_WEBHOOK_NEW_URL, placeholder="https://example.org/hooks/joggai")
        st.multiselect("Events", view.events, key=Keys.W_WEBHOOK_NEW_EVENTS)
        st.form_submit_button("Add endpoint", key=Keys.W_WEBHOOK_ADD, on_click=add_endpoint,
                              icon=":material/add_link:")
    with edit_tab:
        by_id = {endpoint.endpoint_id: endpoint for endpoint in view.endpoints}
        if session.get(Keys.W_WEBHOOK_PICK) not in by_id:  # deleted meanwhile (e.g. from another session)
            session[Keys.W_WEBHOOK_PICK] = None
        st.selectbox("Endpoint", list(by_id), key=Keys.W_WEBHOOK_PICK, index=None, placeholder="Choose one",
                     format_func=lambda endpoint_id: f"{endpoint_id} · {by_id[endpoint_id].url}",
                     on_change=fill_edit_fields, args=(by_id,))
        if session.get(Keys.W_WEBHOOK_PICK) in by_id:
            st.text_input("URL", key=Keys.W_WEBHOOK_EDIT_URL)
            st.multiselect("Events", view.events, key=Keys.W_WEBHOOK_EDIT_EVENTS)
            st.segmented_control("Status", ["enabled", "disabled"], key=Keys.W_WEBHOOK_EDIT_STATUS, required=True)
            with st.container(horizontal=True):
                st.button("Save", key=Keys.W_WEBHOOK_SAVE, on_click=save_endpoint, type="primary")
                st.button("Delete", key=Keys.W_WEBHOOK_DELETE, on_click=delete_endpoint, icon=":material/delete:")

st.subheader("Webhook inbox")
st.caption("A receiver on this computer (127.0.0.1) that registers itself on the local engine, checks every "
           "delivery's signature and marks jobs done as soon as their event arrives.")
with st.container(horizontal=True, vertical_alignment="center", key="inbox_controls"):
    if inbox is None:
        st.markdown(":gray[:material/inbox: Off]")
        st.button("Start the inbox", key=Keys.W_INBOX_START, on_click=start_inbox, icon=":material/play_arrow:",
                  disabled=not connection.ok)
    else:
        where = f" · endpoint `{registration.endpoint_id}`" if registration else ""
        st.markdown(f":green[:material/inbox: Listening at `{inbox.url}`]{where}")
        st.button("Stop", key=Keys.W_INBOX_STOP, on_click=webhook_inbox.switch_inbox_off, args=(history_path,),
                  icon=":material/stop:")
if inbox_problem:
    st.warning(inbox_problem)
deliveries = webhook_inbox.stored_inbox(history_path).deliveries()
if deliveries:
    titles = webhook_inbox.DELIVERY_COLUMNS
    if session.get(Keys.W_INBOX_PICK) not in {d.id for d in deliveries}:
        session.pop(Keys.W_INBOX_PICK, None)
    st.dataframe(webhook_inbox.delivery_rows(deliveries), hide_index=True, key="inbox_deliveries",
                 column_config={**{column: st.column_config.TextColumn(title) for column, title in titles.items()},
                                "id": st.column_config.NumberColumn(titles["id"], width=50),
                                "applied": st.column_config.CheckboxColumn(titles["applied"]),
                                "replays": st.column_config.NumberColumn(titles["replays"], width=70)})
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.selectbox("Delivery", [d.id for d in deliveries], key=Keys.W_INBOX_PICK, width=200,
                     format_func=lambda delivery_id: f"#{delivery_id}")
        st.button("Replay", key=Keys.W_INBOX_REPLAY, on_click=replay_delivery, icon=":material/replay:",
                  help="Verify the stored body again and, if valid, apply it to the history again")
else:
    st.caption("No deliveries yet.")
