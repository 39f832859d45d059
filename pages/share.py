"""Share: what one signed link (``?t=…``) shows a colleague — a video or a comparison, and a review form.

Drawn without the studio's frame: no menu, no sidebar, no backend (see ``lib.studio.share_panels``)."""

import streamlit as st

from lib.studio import nav
from lib.studio.share_panels import share_page

nav.require_entrypoint(nav.SHARE_SLUG)
share_page(st.query_params.get(nav.SHARE_TOKEN_PARAM, ""))
