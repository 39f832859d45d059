"""The Video page's *Finish* panel: uploads for a logo, a music bed and an end card, *Make finished copy*
with a progress bar, and the finished copy's player and download. The work is ``lib.studio.finishing``'s."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lib.media.pictures import LOGO_CORNERS
from lib.studio import finishing, kept_copies
from lib.studio.connection import copy_keeper, copy_policy, history
from lib.studio.finishing import FinishChoices, Upload
from lib.studio.history import JobRecord
from lib.studio.kept_copies import Download
from lib.studio.state import Keys, request_flag, take_flag
from lib.studio.widgets import video_player

_VIDEO = "video_id"  # which video the chosen files belong to


def _chosen(video_id: str) -> dict[str, Upload]:
    """The files chosen in this panel for ``video_id`` (forgotten when another video's panel opens)."""
    chosen = st.session_state.get(Keys.FINISH_UPLOADS)
    if not chosen or chosen.get(_VIDEO) != video_id:
        chosen = st.session_state[Keys.FINISH_UPLOADS] = {_VIDEO: video_id}
    return chosen


def _keep_upload(key: str, video_id: str) -> None:
    # An uploader's callback runs before the script, so a file chosen during a run that the page guard
    # bounces (lib.studio.nav) is kept; the uploader's own value is dropped by such a run.
    uploaded = st.session_state.get(key)
    chosen = _chosen(video_id)
    if uploaded is None:
        chosen.pop(key, None)
    else:
        chosen[key] = Upload(uploaded.name, uploaded.getvalue())


def _uploader(label: str, types: tuple[str, ...], key: str, video_id: str) -> None:
    st.file_uploader(label, type=list(types), key=key, on_change=_keep_upload, args=(key, video_id))
    if (upload := _chosen(video_id).get(key)) is not None:
        st.caption(f"Using {upload.name} ({kept_copies.format_bytes(len(upload.content))})")


def _choices(video_id: str) -> FinishChoices:
    session, chosen = st.session_state, _chosen(video_id)
    return FinishChoices(logo=chosen.get(Keys.U_FINISH_LOGO), logo_corner=session.get(Keys.W_FINISH_CORNER) or LOGO_CORNERS[0],
                         music=chosen.get(Keys.U_FINISH_MUSIC), card_text=session.get(Keys.W_FINISH_CARD_TEXT) or "",
                         card_image=chosen.get(Keys.U_FINISH_CARD_IMAGE),
                         card_seconds=float(session.get(Keys.W_FINISH_CARD_SECONDS) or 3))


def _make(connection, job: JobRecord, download: Download | None) -> None:
    bar = st.progress(0.0, text="Finishing… (this can take a while for a long video)")
    keeper = copy_keeper()
    outcome = finishing.make_finished_copy(
        history(connection), job, _choices(job.video_id), copies_dir=keeper.copies_dir, download=download,
        budget_bytes=copy_policy().budget_bytes,
        progress=lambda done: bar.progress(done, text=f"Finishing… {done:.0%}"))
    bar.empty()
    st.session_state[Keys.FINISH_NOTICE] = (outcome.problem is None, outcome.problem or "The finished copy is ready.")
    st.rerun()  # the whole page again, so the bundle and the player above see the new copy


def finish_panel(connection, job: JobRecord) -> None:
    """Everything of the Finish step for one completed video (``connection`` fetches a copy when needed)."""
    if not finishing.can_finish(job):
        return
    download = connection.client.download if connection.ok else None
    finished = kept_copies.finished_copy(job)
    with st.expander("Finish: logo, music bed, end card", icon=":material/auto_awesome:", expanded=bool(finished)):
        st.caption("Makes a finished copy on this computer, from the studio's own copy of the video; the "
                   "original stays as it is and nothing is sent to the backend. The music is ducked under "
                   "the speech and fades out at the end.")
        logo_column, card_column = st.columns(2)
        with logo_column:
            _uploader("Logo (PNG with transparency)", finishing.LOGO_TYPES, Keys.U_FINISH_LOGO, job.video_id)
            st.selectbox("Logo corner", LOGO_CORNERS, key=Keys.W_FINISH_CORNER)
            _uploader("Music bed", finishing.MUSIC_TYPES, Keys.U_FINISH_MUSIC, job.video_id)
        with card_column:
            st.text_input("End card text", key=Keys.W_FINISH_CARD_TEXT, max_chars=finishing.MAX_CARD_TEXT,
                          placeholder="Optional, e.g. the product's name and where to get it")
            _uploader("End card product image", finishing.IMAGE_TYPES, Keys.U_FINISH_CARD_IMAGE, job.video_id)
            low, high = finishing.END_CARD_SECONDS
            st.session_state.setdefault(Keys.W_FINISH_CARD_SECONDS, 3.0)  # via the state: it is stashed (W_)
            st.slider("End card seconds", low, high, step=0.5, key=Keys.W_FINISH_CARD_SECONDS)
        # A flag raised by the click's callback, not the button's value: a callback's effect survives the
        # page guard's bounce (lib.studio.nav), a button's value does not.
        st.button("Make finished copy", key=Keys.B_FINISH_MAKE, icon=":material/movie_edit:", type="primary",
                  help="Replaces the previous finished copy of this video", on_click=request_flag(Keys.FINISH_REQUESTED))
        if take_flag(Keys.FINISH_REQUESTED):
            _make(connection, job, download)
        if (notice := st.session_state.pop(Keys.FINISH_NOTICE, None)) is not None:
            (st.success if notice[0] else st.warning)(notice[1])
        if finished:
            st.caption(finishing.finished_status(job) + " · in the bundle, and what share links of this video play")
            player, _ = st.columns([2, 3] if job.request.get("aspect_ratio") not in ("landscape", "square") else [3, 2])
            with player:
                video_player(Path(finished))
            st.download_button("Download finished MP4", lambda: Path(finished).read_bytes(),
                               file_name=f"{job.video_id}-finished.mp4", mime="video/mp4", key=Keys.B_FINISH_DOWNLOAD,
                               icon=":material/download:", on_click="ignore")
