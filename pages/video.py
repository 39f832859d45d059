"""Video: one video by ``?video_id=…`` with its request details, share links and reviews, a download
bundle, the Finish step (logo, music bed, end card) and the request as curl or Python."""

import streamlit as st

from lib.joggai import VideoStatus
from lib.studio import kept_copies, nav, sharing, version_panels
from lib.studio.backends import backend_label
from lib.studio.compose import curl_command
from lib.studio.connection import current_connection, fetch_job, history
from lib.studio.finish_panel import finish_panel
from lib.studio.share_links import VIDEO, ShareTarget
from lib.studio.share_panels import reviews_panel, share_panel
from lib.studio.state import Keys
from lib.studio.tracker import format_elapsed
from lib.studio.widgets import for_browser, new_version_button, status_badge, video_player

nav.require_entrypoint("video")
video_id = st.query_params.get("video_id", "").strip()
if not video_id:
    st.info("Open a video from **Jobs**, or add `?video_id=…` to the address.")
    st.stop()

connection = current_connection()
job = history(connection).get(None, video_id)  # the history answers even when no backend is reachable
if job is None or (job.video_status is VideoStatus.COMPLETED and not job.video_url):
    fetched = fetch_job(connection, video_id)
    remote = fetched.value
    if remote is None:
        st.error(fetched.problem or f"No video {video_id!r}.")
        st.stop()
    status, video_url, cover_url, caption_url = remote.status.value, remote.video_url, remote.cover_url, remote.caption_url
    details, error = {}, remote.error_message
    st.caption("Not in this dashboard's history; shown as the backend reports it.")
else:
    status, video_url, cover_url, caption_url = job.status, job.video_url, job.cover_url, job.caption_url
    details, error = job.request, job.error_message

# Portrait gets ~40% of the width, square half, landscape 60%: the player never towers over the page.
aspect = details.get("aspect_ratio")
player, about = st.columns({"landscape": [3, 2], "square": [1, 1]}.get(aspect, [2, 3]))
with player:
    if video_url:  # the kept copy first, so the video still plays once its link has expired
        video_player((kept_copies.playable_video(job) if job else None) or video_url)
    elif error:
        st.error(f"This video failed: {error}")
    else:
        st.info("Still rendering — the **Jobs** page follows it.")
with about:
    st.subheader(job.name if job and job.name else video_id)
    status_badge(status)
    if job is not None and details.get("avatar") and details.get("voice"):
        new_version_button(job)
    if job is not None and (copy_line := kept_copies.copy_status(job)):
        st.caption(f":material/inventory_2: {copy_line[0].upper()}{copy_line[1:]}")
    with st.container(horizontal=True):
        if video_url:
            st.link_button("Download MP4", for_browser(video_url), icon=":material/download:")
        if caption_url:
            st.link_button("Captions (WebVTT)", for_browser(caption_url), icon=":material/subtitles:")
        if cover_url:
            st.link_button("Cover", for_browser(cover_url), icon=":material/image:")
    if video_url and job is not None and connection.ok:
        source = sharing.BundleSource(video_id=video_id, name=job.name, request=details, video_url=video_url,
                                      caption_url=caption_url, cover_url=cover_url,
                                      backend_label=backend_label(job.backend),
                                      finished_video=kept_copies.finished_copy(job))
        client = connection.client
        # Built only when clicked (callable data); the server fetches the engine's own links.
        st.download_button("Download bundle (ZIP)", lambda: sharing.build_bundle(source, kept_copies.bundle_fetch(job, client.download)),
                           file_name=sharing.bundle_file_name(source), mime="application/zip",
                           key=Keys.B_VIDEO_BUNDLE, icon=":material/folder_zip:", on_click="ignore",
                           help="MP4, captions, cover, request.json (no API key) and a README")
    if job is not None and status == VideoStatus.COMPLETED.value:
        share_panel(ShareTarget(VIDEO, job.backend, video_id))
        reviews_panel(ShareTarget(VIDEO, job.backend, video_id))
    if job is not None and details.get("avatar") and details.get("voice"):
        with st.expander("Make it again from a terminal or a script", icon=":material/terminal:"):
            st.caption("The API key is read from `$JOGGAI_API_KEY`; it is never part of what you copy.")
            as_curl, as_python = st.tabs(["curl", "Python (lib.joggai)"])
            with as_curl:
                request = sharing.request_from_payload(details)
                st.code(curl_command(for_browser(job.base_url), request), language="bash", wrap_lines=True)
            with as_python:
                st.code(sharing.python_snippet(for_browser(job.base_url), details), language="python")

if job is not None and status == VideoStatus.COMPLETED.value:
    finish_panel(connection, job)  # a finished copy with a logo, music and an end card, made here

if job is not None:
    version_panels.versions_panel(job)
    voice = details.get("voice", {})
    st.markdown("#### Request")
    st.table({
        "Avatar": f"{job.avatar_name} (#{job.avatar_id})",
        "Voice": f"{job.voice_name} ({job.voice_id})",
        "Source": "audio: " + voice.get("audio_url", "") if voice.get("type") == "audio" else "script",
        "Aspect ratio": details.get("aspect_ratio", ""),
        "Screen style": str(details.get("screen_style", "")),
        "Captions": "yes" if details.get("caption") else "no",
        "Backend": backend_label(job.backend),
        "Render time": format_elapsed(job.elapsed()) if job.is_terminal else "running",
    })
    if voice.get("type") != "audio":
        st.markdown("**Script**")
        st.text(voice.get("script", ""))
    with st.expander("Request JSON"):
        st.json(details)
