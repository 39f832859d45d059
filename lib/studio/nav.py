"""The page registry and the guard that keeps ``pages/`` from bypassing ``app.py``.

With a folder named ``pages/`` next to ``app.py`` Streamlit's legacy router runs a page script
without the entrypoint on the first deep link after a start (and on AppTest reruns). Each page calls
``require_entrypoint(slug)`` first; when ``app.py`` did not run, it bounces through ``app.py``, which
routes back to the page with the original query parameters (``route_pending``).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lib.studio.state import STASHED_WIDGETS, Keys, confirmation_keys, translation_keys

NEXT_PARAM = "_next"


@dataclass(frozen=True)
class PageSpec:
    """One page of the studio."""

    slug: str  # also its url_path
    path: str
    title: str
    icon: str
    visible: bool = True
    # False: the page is drawn without the studio's frame (no sidebar, backend status or title) and
    # makes no backend call; anyone holding a share link may open it.
    needs_backend: bool = True

    @property
    def heading(self) -> str:
        """The page title as ``app.py`` draws it."""
        return f"{self.icon} {self.title}"


PAGES: tuple[PageSpec, ...] = (
    PageSpec("avatars", "pages/avatars.py", "Avatars", ":material/face:"),
    PageSpec("voices", "pages/voices.py", "Voices", ":material/record_voice_over:"),
    PageSpec("compose", "pages/compose.py", "Compose", ":material/edit_note:"),
    PageSpec("jobs", "pages/jobs.py", "Jobs", ":material/pending_actions:"),
    PageSpec("experiments", "pages/experiments.py", "Experiments", ":material/compare:"),
    PageSpec("batch", "pages/batch.py", "Batch", ":material/table_view:"),
    PageSpec("video", "pages/video.py", "Video", ":material/movie:", visible=False),
    PageSpec("settings", "pages/settings.py", "Settings", ":material/settings:"),
    PageSpec("share", "pages/share.py", "Shared video", ":material/share:", visible=False, needs_backend=False),
)
PAGE_BY_SLUG = {spec.slug: spec for spec in PAGES}


HOME_SLUG = "avatars"  # where "/" leads
SHARE_SLUG = "share"
SHARE_TOKEN_PARAM = "t"


def _open_home() -> None:
    # Streamlit serves its default page at "/" only, so a default page would answer its own deep link
    # (/avatars) with "Page not found". A hidden forwarder is the default; every real page keeps its URL.
    st.switch_page(PAGE_BY_SLUG[HOME_SLUG].path, query_params=st.query_params.to_dict() or None)


def build_navigation() -> dict[str, st.Page]:
    """``st.Page`` objects by slug, in menu order, plus the hidden default page that opens the home page."""
    pages = {spec.slug: st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.slug,
                                visibility="visible" if spec.visible else "hidden")
             for spec in PAGES}
    pages["_home"] = st.Page(_open_home, title="Avatar Studio", url_path="home", default=True,
                             visibility="hidden")
    return pages


def spec_of(page: st.Page) -> PageSpec | None:
    """The registry entry of the page ``st.navigation`` chose (None for the home forwarder)."""
    return PAGE_BY_SLUG.get(page.url_path)


def is_share_request() -> bool:
    """Before ``st.navigation``: the request is a share link (or its bounce through ``app.py``)."""
    params = st.query_params
    return SHARE_TOKEN_PARAM in params or params.get(NEXT_PARAM) == SHARE_SLUG


def route_pending(pages: dict[str, st.Page]) -> None:
    """In ``app.py`` after ``st.navigation``: finish a bounce started by ``require_entrypoint``."""
    slug = st.query_params.get(NEXT_PARAM)
    if slug is None:
        return
    params = {key: value for key, value in st.query_params.to_dict().items() if key != NEXT_PARAM}
    del st.query_params[NEXT_PARAM]
    if slug in pages:
        mark_entry_ran()
        st.switch_page(pages[slug], query_params=params)


def mark_entry_ran() -> None:
    """Called by ``app.py`` on every run, just before ``pg.run()``."""
    st.session_state[Keys.ENTRY_RAN] = True


def require_entrypoint(slug: str) -> None:
    """First line of every page: bounce through ``app.py`` if the legacy router skipped it.

    A run cut short by ``switch_page`` drops the values of widgets it did not draw, so the values
    just sent by the browser are stashed before the bounce and put back when the page really runs.
    """
    state = st.session_state
    if not state.pop(Keys.ENTRY_RAN, False):
        kept = (*STASHED_WIDGETS, *confirmation_keys(state), *translation_keys(state))
        state[Keys.WIDGET_STASH] = {key: state[key] for key in kept if key in state}
        st.switch_page("app.py", query_params={**st.query_params.to_dict(), NEXT_PARAM: slug})
    for key, value in (state.pop(Keys.WIDGET_STASH, None) or {}).items():
        state[key] = value


def follow_request(pages: dict[str, st.Page]) -> None:
    """In ``app.py``: switch to a page a button callback asked for (``state.request_page``)."""
    request = st.session_state.pop(Keys.NAV_REQUEST, None)
    if request is not None:
        slug, params = request
        st.switch_page(pages[slug], query_params=params or None)


def go_to(slug: str, **query_params: str) -> None:
    """Switch to a studio page (raises Streamlit's rerun exception, like ``st.switch_page``)."""
    st.switch_page(PAGE_BY_SLUG[slug].path, query_params=query_params or None)
