"""Avatar Studio: router and frame — page config, state, the shared sidebar, navigation."""

import streamlit as st

from lib.studio import nav
from lib.studio.connection import current_connection
from lib.studio.state import init_state
from lib.studio.widgets import format_quota, problem_banner

st.set_page_config(page_title="Avatar Studio", page_icon=":material/smart_display:", layout="wide")
init_state()

pages = nav.build_navigation()
page = st.navigation(list(pages.values()), position="sidebar")
nav.route_pending(pages)
nav.follow_request(pages)

connection = current_connection()
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

# Always emit the banner slot, so pages keep the same element positions whether or not it shows.
with st.container(key="backend_banner"):
    if not connection.ok:
        problem_banner(connection.health.message or "The backend is not available.", connection.health.fix)

nav.mark_entry_ran()
page.run()
