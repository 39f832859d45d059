"""Avatar Studio: router and frame — page config, state, access, the shared sidebar, navigation."""

import streamlit as st

from lib.studio import access, nav, sending
from lib.studio.config import load_config
from lib.studio.connection import current_connection
from lib.studio.state import init_state
from lib.studio.widgets import format_quota, problem_banner

st.set_page_config(page_title="Avatar Studio", page_icon=":material/smart_display:", layout="wide")
init_state()

# Who may see the studio is settled before any backend is touched (not even the sidebar's health check).
config = load_config()
studio_access = access.studio_access(config)
pages = nav.build_navigation()
show_menu = studio_access is access.Access.OPEN and not nav.is_share_request()
page = st.navigation(list(pages.values()), position="sidebar" if show_menu else "hidden")
# A bounce may only land on a studio page once the gate is passed (the page then runs as if app.py had).
if studio_access is access.Access.OPEN or st.query_params.get(nav.NEXT_PARAM) == nav.SHARE_SLUG:
    nav.route_pending(pages)
spec = nav.spec_of(page)
if spec is not None and not spec.needs_backend:  # a share link: no frame, no backend, no studio
    nav.mark_entry_ran()
    page.run()
    st.stop()
if studio_access is not access.Access.OPEN:
    access.draw_gate(studio_access, config)
    st.stop()
nav.follow_request(pages)

connection = current_connection()
sending.ensure_sender(connection)  # batches and experiments go on sending with every page closed
with st.sidebar:
    st.markdown("### :material/smart_display: Avatar Studio")
    with st.container(border=True, key="backend_status"):
        label = connection.backend.label if connection.backend else connection.kind.capitalize()
        st.markdown(f"**Backend:** {label}")
        if connection.ok:
            st.markdown(":green[:material/check_circle: healthy]")
            st.caption(f"Signed in as **{connection.health.username or '—'}**")
            st.caption(f"Remaining quota: **{format_quota(connection.health.remaining_quota)}**")
        else:
            st.markdown(":red[:material/error: not connected]")

if spec is not None:
    st.title(spec.heading)
# Always emit the banner slot, so pages keep the same element positions whether or not it shows.
with st.container(key="backend_banner"):
    if not connection.ok:
        problem_banner(connection.health.message or "The backend is not available.", connection.health.fix)

nav.mark_entry_ran()
page.run()
