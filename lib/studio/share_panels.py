"""Screens of sharing: the owner's Share panel and review list, and the share page a colleague opens.

The share page (``/share?t=…``) draws only what its token names: the video (or the comparison), its
captions, a download when the sharer allowed it, and an approve/comment form. It never resolves a
backend or touches a key: media come from ``share_media`` (files served by Streamlit itself) and
everything else from the studio's SQLite.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from urllib.parse import urlsplit

import streamlit as st

from lib.joggai import VideoStatus
from lib.studio import data, experiments
from lib.studio.attempts import WindowLimit
from lib.studio.config import load_config
from lib.studio.history import JobHistory, JobRecord
from lib.studio.reviews import (
    APPROVE,
    COMMENT,
    MAX_COMMENT,
    MAX_NAME,
    PER_LINK_PER_MINUTE,
    PER_SESSION_PER_MINUTE,
    ReviewStore,
)
from lib.studio.share_links import (
    DEFAULT_EXPIRY,
    EXPIRY_CHOICES,
    LINK_PROBLEMS,
    VIDEO,
    LinkState,
    ShareLink,
    ShareLinks,
    ShareTarget,
    share_link_url,
)
from lib.studio.share_media import SharedMedia, share_media_path
from lib.studio.state import Keys
from lib.studio.widgets import video_player

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")


def escape_markdown(text: str) -> str:
    """``text`` shown literally inside Markdown (no links, emphasis, HTML or ``:colour[...]``)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text or "")


def share_links_store() -> ShareLinks:
    """This studio's share links (same database as the history)."""
    config = load_config()
    return data.share_links(str(config.history_path), str(config.share_secret_path))


def review_store() -> ReviewStore:
    """Approvals and comments left on share pages (same database as the history)."""
    return data.review_store(str(load_config().history_path))


def _history() -> JobHistory:
    return data.job_history(str(load_config().history_path))


def _fetch(url: str, max_bytes: int) -> bytes:
    parts = urlsplit(url)
    return data.media_client(f"{parts.scheme}://{parts.netloc}").download(url, max_bytes=max_bytes)


def shared_media(job: JobRecord) -> SharedMedia:
    """The local files that play ``job`` on a share page (fetched once into the share cache)."""
    return share_media_path(job, load_config().share_cache_dir, _fetch)


def _jobs_of(target: ShareTarget) -> list[JobRecord]:
    if target.kind == VIDEO:
        job = _history().get(target.backend or None, target.target_id)
        return [job] if job else []
    return _history().list_jobs(experiment=target.target_id)


def _when(timestamp: float | None) -> str:
    return "never" if timestamp is None else datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------- the owner's side

def _create_link(target: ShareTarget) -> None:
    session = st.session_state
    link = share_links_store().create(target, lifetime=EXPIRY_CHOICES[session[Keys.W_SHARE_EXPIRY]],
                                      allow_download=bool(session.get(Keys.W_SHARE_DOWNLOAD)))
    session[Keys.SHARE_NEW_LINK] = link.link_id
    for job in _jobs_of(target):  # fetch now, so the colleague's first view does not wait
        if job.video_status is VideoStatus.COMPLETED:
            shared_media(job)


def share_panel(target: ShareTarget, *, what: str = "this video") -> None:
    """Expiry, "allow download", *Create link*, then the active links (copyable) with *Revoke*."""
    store = share_links_store()
    session = st.session_state
    with st.container(border=True, key="share_panel"):
        st.markdown(":material/share: **Share**")
        st.caption(f"Anyone holding a link can watch {what} and approve or comment — nothing else of the "
                   "studio. The media come from this studio's own address.")
        with st.container(horizontal=True, vertical_alignment="bottom"):
            st.selectbox("Expires after", list(EXPIRY_CHOICES), index=list(EXPIRY_CHOICES).index(DEFAULT_EXPIRY),
                         key=Keys.W_SHARE_EXPIRY, width=150)
            st.checkbox("Allow download", key=Keys.W_SHARE_DOWNLOAD)
            st.button("Create link", key=Keys.B_SHARE_CREATE, icon=":material/add_link:", type="primary",
                      on_click=_create_link, args=(target,))
        links = store.for_target(target)
        if not links:
            st.caption("No active links.")
        for link in links:
            with st.container(key=f"share_link_{link.link_id}"):
                new = " · :green[new]" if session.get(Keys.SHARE_NEW_LINK) == link.link_id else ""
                st.caption(f"Expires {_when(link.expires_at)} · download "
                           f"{'allowed' if link.allow_download else 'off'}{new}")
                with st.container(horizontal=True, vertical_alignment="center"):
                    st.code(share_link_url(st.context.url, link.token), language=None)  # has a copy button
                    st.button("Revoke", key=f"share_revoke_{link.link_id}", icon=":material/link_off:",
                              on_click=store.revoke, args=(link.link_id,))


def reviews_panel(target: ShareTarget) -> None:
    """Approvals and comments colleagues left through share links (their text shown literally)."""
    reviews = review_store().for_target(target.kind, target.backend, target.target_id)
    approvals = sum(review.verdict == APPROVE for review in reviews)
    with st.container(border=True, key="reviews_panel"):
        st.markdown(f":material/rate_review: **Reviews** · {approvals} approval{'s' * (approvals != 1)} · "
                    f"{len(reviews) - approvals} comment{'s' * (len(reviews) - approvals != 1)}")
        if not reviews:
            st.caption("Nothing yet. Colleagues approve or comment on the share page.")
        for review in reviews:
            icon = ":green[:material/check_circle:] Approved" if review.verdict == APPROVE else ":material/comment:"
            with st.container(key=f"review_{review.id}"):
                st.markdown(f"{icon} · {escape_markdown(review.name or 'Someone')} · {_when(review.created_at)}")
                if review.body:
                    st.text(review.body)


# ---------------------------------------------------------------- the colleague's side

def _send_review(link: ShareLink, verdict: str) -> None:
    session = st.session_state
    limit = session.setdefault(Keys.REVIEW_LIMIT, WindowLimit(PER_SESSION_PER_MINUTE))
    if not limit.allow(time.monotonic()):
        message = f"At most {PER_SESSION_PER_MINUTE} reviews a minute from one browser. Try again shortly."
        session[Keys.REVIEW_NOTICE] = (False, message)
        return
    problem = review_store().add(link_id=link.link_id, kind=link.kind, backend=link.backend,
                                 target_id=link.target_id, verdict=verdict,
                                 name=session.get(Keys.U_REVIEW_NAME) or "",
                                 body=session.get(Keys.U_REVIEW_COMMENT) or "")
    if problem is None:
        session[Keys.U_REVIEW_COMMENT] = ""
    session[Keys.REVIEW_NOTICE] = (problem is None, problem or (
        "Thanks — your approval was sent." if verdict == APPROVE else "Thanks — your comment was sent."))


def _review_form(link: ShareLink) -> None:
    with st.form("review_form", border=True, enter_to_submit=False):
        st.markdown("**Your review**")
        st.text_input("Your name (optional)", key=Keys.U_REVIEW_NAME, max_chars=MAX_NAME)
        st.text_area("Comment", key=Keys.U_REVIEW_COMMENT, max_chars=MAX_COMMENT, height=100)
        with st.container(horizontal=True):
            st.form_submit_button("Approve", key=Keys.B_REVIEW_APPROVE, icon=":material/thumb_up:",
                                  type="primary", on_click=_send_review, args=(link, APPROVE))
            st.form_submit_button("Send comment", key=Keys.B_REVIEW_SEND, icon=":material/send:",
                                  on_click=_send_review, args=(link, COMMENT))
        st.caption(f"At most {PER_SESSION_PER_MINUTE} reviews a minute from one browser and "
                   f"{PER_LINK_PER_MINUTE} a minute per link.")
    if (notice := st.session_state.pop(Keys.REVIEW_NOTICE, None)) is not None:
        (st.success if notice[0] else st.warning)(notice[1])


def _play(job: JobRecord, *, allow_download: bool, key: str) -> None:
    media = shared_media(job)
    if media.video is None:
        st.warning(media.problem)
        return
    video_player(media.video, subtitles=media.captions)
    if allow_download:
        path = media.video
        st.download_button("Download MP4", lambda: path.read_bytes(), file_name=f"{job.video_id}.mp4",
                           mime="video/mp4", key=key, icon=":material/download:", on_click="ignore")


def _shared_video(link: ShareLink) -> None:
    [job] = _jobs_of(link.target) or [None]
    if job is None:
        st.error("This video is no longer in the studio that shared it.")
        return
    st.title(f":material/smart_display: {escape_markdown(job.name or 'Shared video')}")
    if job.duration:
        st.caption(f"{job.duration:.1f} s")
    portrait = job.request.get("aspect_ratio") not in ("landscape", "square")
    player, _ = st.columns([2, 3] if portrait else [3, 1])
    with player:
        _play(job, allow_download=link.allow_download, key="share_download")


def _shared_comparison(link: ShareLink) -> None:
    store = data.experiment_store(str(load_config().history_path))
    experiment = store.get(link.target_id)
    if experiment is None:
        st.error("This comparison is no longer in the studio that shared it.")
        return
    st.title(f":material/compare: {escape_markdown(experiment.name or 'Shared comparison')}")
    cells = experiments.compare_cells(experiment, store.variants(experiment.experiment_id), _jobs_of(link.target))
    columns = st.columns(min(3, max(1, len(cells))))
    for index, cell in enumerate(cells):
        with columns[index % len(columns)], st.container(border=True, key=f"shared_variant_{index}"):
            st.markdown(f"**{escape_markdown(cell.label)}**")
            if cell.job is not None and cell.job.video_status is VideoStatus.COMPLETED:
                _play(cell.job, allow_download=link.allow_download, key=f"share_download_{index}")
            else:
                st.caption("Not rendered.")


def share_page(token: str) -> None:
    """Everything a share link shows; a tampered, expired or revoked token shows only why."""
    verdict = share_links_store().verify(token or "")
    if verdict.state is not LinkState.VALID or verdict.link is None:
        st.title(":material/link_off: Share link")
        st.error(LINK_PROBLEMS[verdict.state], icon=":material/block:")
        return
    link = verdict.link
    (_shared_video if link.kind == VIDEO else _shared_comparison)(link)
    _review_form(link)

