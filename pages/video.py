"""Video: one video by ``?video_id=…`` with its request details and a link to share."""

import streamlit as st

from lib.studio import nav
from lib.studio.backends import backend_label
from lib.studio.connection import current_connection, fetch_job, history
from lib.studio.tracker import format_elapsed
from lib.studio.widgets import share_url, status_badge, video_player

nav.require_entrypoint("video")
video_id = st.query_params.get("video_id", "").strip()
st.title(":material/movie: Video")
if not video_id:
    st.info("Open a video from **Jobs**, or add `?video_id=…` to the address.")
    st.stop()

connection = current_connection()
job = history(connection).get(None, video_id)  # the history answers even when no backend is reachable
if job is None or (job.status == "completed" and not job.video_url):
    remote, problem = fetch_job(connection, video_id)
    if remote is None:
        st.error(problem or f"No video {video_id!r}.")
        st.stop()
    status, video_url, cover_url, caption_url = remote.status.value, remote.video_url, remote.cover_url, remote.caption_url
    details, error = {}, remote.error_message
    st.caption("Not in this dashboard's history; shown as the backend reports it.")
else:
    status, video_url, cover_url, caption_url = job.status, job.video_url, job.cover_url, job.caption_url
    details, error = job.request, job.error_message

player, about = st.columns([3, 2] if details.get("aspect_ratio") == "landscape" else [2, 3])
with player:
    if video_url:
        video_player(video_url)
    elif error:
        st.error(f"This video failed: {error}")
    else:
        st.info("Still rendering — the **Jobs** page follows it.")
with about:
    st.subheader(job.name if job and job.name else video_id)
    status_badge(status)
    with st.container(horizontal=True):
        if video_url:
            st.link_button("Download MP4", video_url, icon=":material/download:")
        if caption_url:
            st.link_button("Captions (WebVTT)", caption_url, icon=":material/subtitles:")
        if cover_url:
            st.link_button("Cover", cover_url, icon=":material/image:")
    st.caption("Share this video")
    st.code(share_url(video_id), language=None)  # the code block has a copy button

if job is not None:
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
