"""Reusable pieces of screen: status badge, avatar card, finished-job card, video player, banners."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

import streamlit as st

from lib.studio.backends import backend_label
from lib.studio.catalog_view import avatar_facet_value, facet_label
from lib.studio.config import load_config
from lib.studio.connection import upload_audio
from lib.studio.history import JobRecord
from lib.studio.nav import PAGE_BY_SLUG
from lib.studio.sharing import browser_media_url, is_loopback_host
from lib.studio.state import Keys, request_flag, take_flag

_BADGE_COLORS = {"pending": "gray", "processing": "blue", "completed": "green", "failed": "red"}
_BADGE_ICONS = {"pending": ":material/schedule:", "processing": ":material/autorenew:",
                "completed": ":material/check_circle:", "failed": ":material/error:"}


def status_badge(status: str) -> None:
    """A coloured badge for a job status."""
    st.badge(status.capitalize(), color=_BADGE_COLORS.get(status, "gray"), icon=_BADGE_ICONS.get(status))


def format_quota(quota: float | None) -> str:
    """``1000000.0`` -> ``1,000,000``; unknown -> an em dash."""
    if quota is None:
        return "—"
    return f"{quota:,.0f}" if float(quota).is_integer() else f"{quota:,.2f}"


def problem_banner(message: str, fix: str | None) -> None:
    """The one way the studio reports an unusable backend: what is wrong, then what to do."""
    st.error(f"**{message}**" + (f"  \n{fix}" if fix else ""), icon=":material/cloud_off:")


def favourite_button(*, starred: bool, key: str, on_toggle: Callable[..., None], args: tuple = ()) -> None:
    """A star toggle: filled when ``starred``; ``on_toggle(*args)`` flips it."""
    st.button("Starred" if starred else "Star", key=key, on_click=on_toggle, args=args,
              icon=":material/star:" if starred else ":material/star_border:",
              type="primary" if starred else "secondary",
              help="Remove from favourites" if starred else "Add to favourites")


def avatar_card(avatar, *, on_open: Callable[[int], None], key_prefix: str = "avatar",
                starred: bool | None = None, on_star: Callable[[int], None] | None = None) -> None:
    """Cover, name, facets, an Open button that calls ``on_open(avatar.id)`` and, given ``on_star``,
    a star toggle that calls ``on_star(avatar.id)``."""
    if avatar.cover_url:
        st.image(avatar.cover_url, width="stretch")
    st.markdown(f"**{avatar.name}** · #{avatar.id}" + (" · :orange[:material/star:]" if starred else ""))
    facets = [avatar_facet_value(avatar, facet) for facet in ("aspect_ratio", "gender", "age", "scene")]
    st.caption(" · ".join(facet_label(value) for value in facets if value))
    with st.container(horizontal=True, gap="small"):
        st.button("Open", key=f"{key_prefix}_open_{avatar.id}", on_click=on_open, args=(avatar.id,),
                  icon=":material/play_circle:", width="stretch")
        if on_star is not None:
            st.button("", key=f"{key_prefix}_star_{avatar.id}", on_click=on_star, args=(avatar.id,),
                      icon=":material/star:" if starred else ":material/star_border:",
                      type="primary" if starred else "secondary",
                      help="Remove from favourites" if starred else "Add to favourites")


def video_player(url: str) -> None:
    """``st.video`` with the URL only: same arguments every run, so a playing video keeps playing."""
    st.video(url)


def for_browser(url: str | None) -> str | None:
    """A media link as the browser showing this page can open it (``sharing.browser_media_url``)."""
    return browser_media_url(url, browser_url=st.context.url, public_engine_url=load_config().engine_public_url)


def browser_is_local() -> bool:
    """True when the browser reached the dashboard through a loopback address (or it is unknown)."""
    host = urlsplit(st.context.url or "").hostname
    return host is None or is_loopback_host(host)


def share_url(video_id: str) -> str:
    """An absolute link to the video page (relative when the browser URL is unknown, e.g. in tests)."""
    query = urlencode({"video_id": video_id})
    current = st.context.url or ""
    parts = urlsplit(current)
    if parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}/{PAGE_BY_SLUG['video'].slug}?{query}"
    return f"/{PAGE_BY_SLUG['video'].slug}?{query}"


def finished_job_card(job: JobRecord) -> None:
    """Inline player for a completed job with its cover, downloads and share link.

    Everything here depends only on the finished job's row, which no longer changes, so every
    refresh emits the same elements in the same places.
    """
    # A portrait video gets a narrower column so it does not tower over the page.
    widths = [3, 2] if job.request.get("aspect_ratio") == "landscape" else [2, 3]
    video_url, cover_url, caption_url = (for_browser(url) for url in (job.video_url, job.cover_url, job.caption_url))
    with st.container(border=True, key=f"finished_{job.video_id}"):
        player, details = st.columns(widths)
        with player:
            video_player(video_url or "")
        with details:
            st.markdown(f"**{job.name or '(unnamed)'}**")
            facts = [job.avatar_name, job.voice_name or job.voice_id, backend_label(job.backend),
                     f"{job.duration:.1f} s" if job.duration else ""]
            st.caption(" · ".join(fact for fact in facts if fact))
            if cover_url:
                st.image(cover_url, width=160)
            with st.container(horizontal=True):
                st.link_button("MP4", video_url or "", icon=":material/download:")
                if caption_url:
                    st.link_button("Captions", caption_url, icon=":material/subtitles:")
                st.page_link(PAGE_BY_SLUG["video"].path, label="Share", icon=":material/share:",
                             query_params={"video_id": job.video_id})


def audio_uploader(connection) -> None:
    """File picker + Upload button; the two-step upload shows a progress bar and fills the audio URL."""
    upload = st.file_uploader("Upload MP3, WAV or M4A", type=["mp3", "wav", "m4a"], key=Keys.W_COMPOSE_AUDIO_FILE)
    st.button("Upload", key=Keys.W_COMPOSE_UPLOAD, icon=":material/upload:", disabled=upload is None,
              on_click=request_flag(Keys.UPLOAD_REQUESTED))
    if take_flag(Keys.UPLOAD_REQUESTED) and upload is not None:
        bar = st.progress(0.0, text=f"Uploading {upload.name}…")
        url, error = upload_audio(connection, upload.name, upload.getvalue(), upload.type or "audio/mpeg",
                                  lambda sent, total: bar.progress(sent / max(total, 1)))
        if url:
            # Runs before the URL field is drawn, so the field shows the uploaded file's URL.
            st.session_state[Keys.W_COMPOSE_AUDIO_URL] = url
            bar.progress(1.0, text=f"Uploaded {upload.name}")
        else:
            st.error(error)
