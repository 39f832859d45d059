"""Reusable pieces of screen: status badge, avatar card, finished-job card, video player, banners,
star toggles and the webhook panels of Settings."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import streamlit as st

from lib.joggai import contract
from lib.studio import webhook_endpoints
from lib.studio.backends import backend_label
from lib.studio.catalog_view import avatar_facet_value, facet_label
from lib.studio.config import load_config
from lib.studio.connection import (
    change_copy_policy,
    copy_policy,
    copy_usage,
    inbox_store,
    replay_delivery,
    start_inbox_for,
    switch_inbox_off,
    upload_file,
)
from lib.studio.history import JobRecord
from lib.studio.inbox_store import VALID, Delivery
from lib.studio.kept_copies import CopyPolicy, MediaSource, format_bytes, playable_cover, playable_video
from lib.studio.nav import PAGE_BY_SLUG
from lib.studio.sharing import browser_media_url, is_loopback_host
from lib.studio.state import Keys
from lib.studio.versions import start_new_version

# A backend link, a local file (share cache), bytes, or a job's playable media (kept copy first).
PlayerSource = str | Path | bytes | MediaSource | None

_BADGE_COLORS = {contract.VideoStatus.PENDING.value: "gray", contract.VideoStatus.PROCESSING.value: "blue",
                 contract.VideoStatus.COMPLETED.value: "green", contract.VideoStatus.FAILED.value: "red"}
_BADGE_ICONS = {contract.VideoStatus.PENDING.value: ":material/schedule:",
                contract.VideoStatus.PROCESSING.value: ":material/autorenew:",
                contract.VideoStatus.COMPLETED.value: ":material/check_circle:",
                contract.VideoStatus.FAILED.value: ":material/error:"}


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
        image_view(avatar.cover_url, width="stretch")
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


def for_browser(url: str | None) -> str | None:
    """A media link as the browser showing this page can open it (``sharing.browser_media_url``)."""
    return browser_media_url(url, browser_url=st.context.url, public_engine_url=load_config().engine_public_url)


def _playable(source: PlayerSource) -> str | Path | bytes | None:
    # Links go through for_browser; files (kept copies, the share cache) and bytes are served by
    # Streamlit itself from its own port.
    if isinstance(source, MediaSource):
        return Path(source.location) if source.is_copy else for_browser(source.location)
    return for_browser(source) if isinstance(source, str) else source


# The only calls of st.video / st.audio / st.image in the studio (tests/app/test_media_players.py):
# every player rewrites backend links for the browser's host itself, so no page can forget to.
def video_player(source: PlayerSource, *, subtitles: Path | str | None = None) -> None:
    """``st.video`` of a backend link or a local file, with a caption track when given. Same
    arguments every run, so a playing video keeps playing."""
    st.video(_playable(source), subtitles=subtitles)


def audio_player(source: PlayerSource) -> None:
    """``st.audio`` of a backend link (voice sample, speech preview) or a local file."""
    st.audio(_playable(source))


def image_view(source: PlayerSource, **options) -> None:
    """``st.image`` of a backend link (cover) or a local file; ``options`` go to ``st.image``."""
    st.image(_playable(source), **options)


def browser_is_local() -> bool:
    """True when the browser reached the dashboard through a loopback address (or it is unknown)."""
    host = urlsplit(st.context.url or "").hostname
    return host is None or is_loopback_host(host)


def finished_job_card(job: JobRecord) -> None:
    """Inline player for a completed job with its cover, downloads and share link.

    Everything here depends only on the finished job's row, which no longer changes, so every
    refresh emits the same elements in the same places.
    """
    # A portrait video gets a narrower column so it does not tower over the page.
    widths = [3, 2] if job.request.get("aspect_ratio") == "landscape" else [2, 3]
    video_url, caption_url = for_browser(job.video_url), for_browser(job.caption_url)
    cover = playable_cover(job)
    with st.container(border=True, key=f"finished_{job.video_id}"):
        player, details = st.columns(widths)
        with player:
            video_player(playable_video(job) or "")
        with details:
            st.markdown(f"**{job.name or '(unnamed)'}**")
            facts = [job.avatar_name, job.voice_name or job.voice_id, backend_label(job.backend),
                     f"{job.duration:.1f} s" if job.duration else ""]
            st.caption(" · ".join(fact for fact in facts if fact))
            if cover:
                image_view(cover, width=160)
            with st.container(horizontal=True):
                st.link_button("MP4", video_url or "", icon=":material/download:")
                if caption_url:
                    st.link_button("Captions", caption_url, icon=":material/subtitles:")
                st.page_link(PAGE_BY_SLUG["video"].path, label="Share", icon=":material/share:",
                             query_params={"video_id": job.video_id})
                new_version_button(job)


def new_version_button(job: JobRecord) -> None:
    """*New version* of ``job``: Compose filled with its request (one per video: the key holds its id)."""
    st.button("New version", key=f"{Keys.B_NEW_VERSION}_{job.video_id}", icon=":material/difference:",
              on_click=start_new_version, args=(job,),
              help="Open Compose filled with this video's request; the video you make there is its new version.")


def asset_uploader(connection, *, label: str, file_types: tuple[str, ...] | list[str], file_key: str,
                   button_key: str, url_key: str, default_mime: str) -> None:
    """File picker + Upload button: the two-step upload (``client.assets``) shows a progress bar and puts the
    file's URL into the widget ``url_key``, which must be drawn after this."""
    upload = st.file_uploader(label, type=list(file_types), key=file_key)
    # Not "Upload": Streamlit's file picker already has a button of that name.
    where = connection.backend.label if connection.backend else "the backend"
    clicked = st.button(f"Send to {where}", key=button_key, icon=":material/cloud_upload:", disabled=upload is None)
    if clicked and upload is not None:
        bar = st.progress(0.0, text=f"Uploading {upload.name}…")
        uploaded = upload_file(connection, upload.name, upload.getvalue(), upload.type or default_mime,
                               lambda sent, total: bar.progress(sent / max(total, 1)))
        if uploaded.ok:
            # Runs before the URL field is drawn, so the field shows the uploaded file's URL.
            st.session_state[url_key] = uploaded.value
            bar.progress(1.0, text=f"Uploaded {upload.name}")
        else:
            st.error(uploaded.problem)


def audio_uploader(connection) -> None:
    """The voice's audio file: uploaded with progress into the audio URL field."""
    asset_uploader(connection, label="Upload MP3, WAV or M4A", file_types=("mp3", "wav", "m4a"),
                   file_key=Keys.U_COMPOSE_AUDIO_FILE, button_key=Keys.B_COMPOSE_UPLOAD,
                   url_key=Keys.W_COMPOSE_AUDIO_URL, default_mime="audio/mpeg")


# ---------------------------------------------------------------- kept copies (Settings)

_GB = 1024**3


def _save_copy_policy() -> None:
    session = st.session_state
    evicted = change_copy_policy(CopyPolicy(keep=bool(session[Keys.W_SETTINGS_KEEP_COPIES]),
                                            budget_bytes=int(float(session[Keys.W_SETTINGS_COPY_BUDGET]) * _GB)))
    if evicted:
        st.toast(f"{evicted} oldest {'copy' if evicted == 1 else 'copies'} evicted to fit the new budget.")


def kept_copies_panel(connection) -> None:
    """Keep copies on/off and the storage budget, with what the copies take now."""
    session, policy = st.session_state, copy_policy()
    session.setdefault(Keys.W_SETTINGS_KEEP_COPIES, policy.keep)
    session.setdefault(Keys.W_SETTINGS_COPY_BUDGET, round(policy.budget_bytes / _GB, 2))
    with st.container(horizontal=True, vertical_alignment="bottom", key="kept_copies_controls"):
        st.toggle("Keep copies", key=Keys.W_SETTINGS_KEEP_COPIES, on_change=_save_copy_policy,
                  help="Download each finished video and its cover from a billed backend into the studio's data dir")
        st.number_input("Storage budget (GB)", min_value=0.0, step=0.5, key=Keys.W_SETTINGS_COPY_BUDGET,
                        on_change=_save_copy_policy, width=200)
    count, used = copy_usage()
    st.caption(f"{count} {'copy' if count == 1 else 'copies'} · {format_bytes(used)} of "
               f"{format_bytes(policy.budget_bytes)} in `{connection.config.data_dir / 'copies'}`; the oldest go "
               "first when the budget is full. The local engine keeps its own files, so its videos are not copied.")


# ---------------------------------------------------------------- webhooks (Settings)

# Table titles on the Settings page, in sentence case like every other table of the studio.
DELIVERY_COLUMNS = {"id": "#", "received": "Received", "verdict": "Verdict", "event": "Event",
                    "video_id": "Video ID", "applied": "Applied to history", "replays": "Replays"}
ENDPOINT_COLUMNS = {"endpoint_id": "Endpoint ID", "url": "URL", "status": "Status", "events": "Events",
                    "created": "Created", "note": "Note"}


def delivery_rows(deliveries: Iterable[Delivery]) -> list[dict[str, Any]]:
    """Rows of the deliveries table (no bodies, no secrets)."""
    return [{"id": d.id, "received": time.strftime("%b %d %H:%M:%S", time.localtime(d.received_at)),
             "verdict": d.verdict, "event": d.event or "", "video_id": d.video_id or "",
             "applied": d.applied, "replays": d.replays} for d in deliveries]


def endpoint_rows(endpoints: Iterable[Any], inbox_endpoint_id: str | None = None) -> list[dict[str, Any]]:
    """Rows of the endpoints table (never the secret)."""
    return [{"endpoint_id": e.endpoint_id, "url": e.url, "status": e.status or "",
             "events": ", ".join(e.events),
             "created": time.strftime("%Y-%m-%d %H:%M", time.localtime(e.created_at)) if e.created_at else "",
             "note": "this dashboard's inbox" if e.endpoint_id == inbox_endpoint_id else ""}
            for e in endpoints]


def _notice(ok: bool, message: str) -> None:
    st.session_state[Keys.WEBHOOK_NOTICE] = (ok, message)


def _add_endpoint(connection) -> None:
    session = st.session_state
    added = webhook_endpoints.change_endpoint(
        connection, "add", url=session[Keys.W_WEBHOOK_NEW_URL], events=session[Keys.W_WEBHOOK_NEW_EVENTS])
    if not added.ok:
        _notice(False, f"Not added: {added.problem}")
        return
    session[Keys.WEBHOOK_NEW_SECRET] = (added.value.endpoint_id, added.value.secret)
    session[Keys.W_WEBHOOK_NEW_URL] = ""


def _fill_edit_fields(endpoints: dict) -> None:
    session = st.session_state
    picked = endpoints.get(session[Keys.W_WEBHOOK_PICK])
    if picked is not None:
        session[Keys.W_WEBHOOK_EDIT_URL] = picked.url
        session[Keys.W_WEBHOOK_EDIT_EVENTS] = list(picked.events)
        session[Keys.W_WEBHOOK_EDIT_STATUS] = picked.status or "enabled"


def _save_endpoint(connection) -> None:
    session = st.session_state
    endpoint_id = session[Keys.W_WEBHOOK_PICK]
    saved = webhook_endpoints.change_endpoint(
        connection, "update", endpoint_id, url=session[Keys.W_WEBHOOK_EDIT_URL],
        events=session[Keys.W_WEBHOOK_EDIT_EVENTS], status=session[Keys.W_WEBHOOK_EDIT_STATUS])
    _notice(saved.ok, f"Saved {endpoint_id}." if saved.ok else f"Not saved: {saved.problem}")


def _delete_endpoint(connection) -> None:
    endpoint_id = st.session_state[Keys.W_WEBHOOK_PICK]
    deleted = webhook_endpoints.change_endpoint(connection, "delete", endpoint_id)
    _notice(deleted.ok, f"Deleted {endpoint_id}." if deleted.ok else f"Not deleted: {deleted.problem}")
    if deleted.ok:
        st.session_state[Keys.W_WEBHOOK_PICK] = None


def _start_inbox(connection) -> None:
    started = start_inbox_for(connection)
    _notice(started.ok, "The inbox is listening." if started.ok else started.problem)


def _replay_delivery(history_path) -> None:
    replayed = replay_delivery(history_path, st.session_state[Keys.W_INBOX_PICK])
    _notice(replayed.verdict == VALID,
            f"Delivery {replayed.id} replayed: {replayed.verdict}" + (", applied." if replayed.applied else "."))


def webhook_notices() -> None:
    """The outcome of the last endpoint or inbox action, and a new endpoint's secret (shown this once)."""
    session = st.session_state
    if (shown := session.pop(Keys.WEBHOOK_NOTICE, None)) is not None:
        (st.success if shown[0] else st.error)(shown[1])
    if (created := session.pop(Keys.WEBHOOK_NEW_SECRET, None)) is not None:
        with st.container(border=True, key="webhook_new_secret"):
            st.success(f"Endpoint **{created[0]}** added. Its signing secret is shown **this once**: copy it now.",
                       icon=":material/key:")
            st.code(created[1], language=None)


def webhook_endpoints_panel(connection, view: webhook_endpoints.EndpointsView, inbox_endpoint_id: str | None) -> None:
    """The backend's endpoints (never their secrets), an add form with an event picker, and edit/delete."""
    session = st.session_state
    if view.problem:
        st.warning(view.problem)
        return
    if not view.endpoints:
        st.caption("No endpoints on this backend yet.")
    else:
        st.dataframe(endpoint_rows(view.endpoints, inbox_endpoint_id), hide_index=True,
                     key="webhook_endpoints",
                     column_config={column: st.column_config.TextColumn(title)
                                    for column, title in ENDPOINT_COLUMNS.items()})
    add_tab, edit_tab = st.tabs(["Add an endpoint", "Change or delete"])
    with add_tab, st.form("webhook_add_form", border=False):
        session.setdefault(Keys.W_WEBHOOK_NEW_EVENTS, list(contract.AVATAR_VIDEO_EVENTS))
        st.text_input("URL", key=Keys.W_WEBHOOK_NEW_URL, placeholder="https://example.org/hooks/joggai")
        st.multiselect("Events", view.events, key=Keys.W_WEBHOOK_NEW_EVENTS)
        st.form_submit_button("Add endpoint", key=Keys.B_WEBHOOK_ADD, on_click=_add_endpoint, args=(connection,),
                              icon=":material/add_link:")
    with edit_tab:
        by_id = {endpoint.endpoint_id: endpoint for endpoint in view.endpoints}
        if session.get(Keys.W_WEBHOOK_PICK) not in by_id:  # deleted meanwhile (e.g. from another session)
            session[Keys.W_WEBHOOK_PICK] = None
        st.selectbox("Endpoint", list(by_id), key=Keys.W_WEBHOOK_PICK, index=None, placeholder="Choose one",
                     format_func=lambda endpoint_id: f"{endpoint_id} · {by_id[endpoint_id].url}",
                     on_change=_fill_edit_fields, args=(by_id,))
        if session.get(Keys.W_WEBHOOK_PICK) in by_id:
            st.text_input("URL", key=Keys.W_WEBHOOK_EDIT_URL)
            st.multiselect("Events", view.events, key=Keys.W_WEBHOOK_EDIT_EVENTS)
            st.segmented_control("Status", ["enabled", "disabled"], key=Keys.W_WEBHOOK_EDIT_STATUS, required=True)
            with st.container(horizontal=True):
                st.button("Save", key=Keys.B_WEBHOOK_SAVE, on_click=_save_endpoint, args=(connection,),
                          type="primary")
                st.button("Delete", key=Keys.B_WEBHOOK_DELETE, on_click=_delete_endpoint, args=(connection,),
                          icon=":material/delete:")


def webhook_inbox_panel(connection, inbox, registration, problem: str | None) -> None:
    """Inbox on/off with its address, then every delivery with its verdict and a Replay button."""
    session = st.session_state
    history_path = connection.config.history_path
    with st.container(horizontal=True, vertical_alignment="center", key="inbox_controls"):
        if inbox is None:
            st.markdown(":gray[:material/inbox: Off]")
            st.button("Start the inbox", key=Keys.B_INBOX_START, on_click=_start_inbox, args=(connection,),
                      icon=":material/play_arrow:", disabled=not connection.ok)
        else:
            where = f" · endpoint `{registration.endpoint_id}`" if registration else ""
            st.markdown(f":green[:material/inbox: Listening at `{inbox.url}`]{where}")
            st.button("Stop", key=Keys.B_INBOX_STOP, on_click=switch_inbox_off,
                      args=(history_path,), icon=":material/stop:")
    if problem:
        st.warning(problem)
    deliveries = inbox_store().deliveries()
    if not deliveries:
        st.caption("No deliveries yet.")
        return
    titles = DELIVERY_COLUMNS
    if session.get(Keys.W_INBOX_PICK) not in {d.id for d in deliveries}:
        session.pop(Keys.W_INBOX_PICK, None)
    st.dataframe(delivery_rows(deliveries), hide_index=True, key="inbox_deliveries",
                 column_config={**{column: st.column_config.TextColumn(title) for column, title in titles.items()},
                                "id": st.column_config.NumberColumn(titles["id"], width=50),
                                "applied": st.column_config.CheckboxColumn(titles["applied"]),
                                "replays": st.column_config.NumberColumn(titles["replays"], width=70)})
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.selectbox("Delivery", [d.id for d in deliveries], key=Keys.W_INBOX_PICK, width=200,
                     format_func=lambda delivery_id: f"#{delivery_id}")
        st.button("Replay", key=Keys.B_INBOX_REPLAY, on_click=_replay_delivery, args=(history_path,),
                  icon=":material/replay:",
                  help="Verify the stored body again and, if valid, apply it to the history again")
