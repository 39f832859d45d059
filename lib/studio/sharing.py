"""Sharing a video: links a colleague's browser can open, a download bundle, and the request as code.

Pure functions, no Streamlit. The local engine writes absolute media links with the address the
dashboard used to reach it (usually 127.0.0.1), which a colleague's browser cannot open; the rule in
``browser_media_url`` points such links at the host the browser itself used. The engine must then
listen on that interface (``python -m lib.engine --host 0.0.0.0``), or the links are pinned with
AVATAR_STUDIO_ENGINE_PUBLIC_URL (and the engine's own ``--public-url``).

Nothing here ever embeds an API key: code snippets read it from ``$JOGGAI_API_KEY``.
"""

from __future__ import annotations

import io
import ipaddress
import json
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from lib.joggai import CreateVideoRequest
from lib.joggai.contract import EXT_REQUEST_FIELD
from lib.studio.compose import api_root
from lib.studio.history import scrub_request

API_KEY_ENV = "JOGGAI_API_KEY"


def is_loopback_host(host: str | None) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _with_host(parts, hostname: str):
    host = f"[{hostname}]" if ":" in hostname else hostname
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc)


def browser_media_url(url: str | None, *, browser_url: str | None = None,
                      public_engine_url: str | None = None) -> str | None:
    """The media link as a browser that opened the dashboard at ``browser_url`` can fetch it.

    Only loopback links (the local engine's) change; cloud links pass through untouched.
    1. ``public_engine_url`` set: the link's origin becomes that URL's origin.
    2. The browser reached the dashboard through a non-loopback host: the link keeps its scheme and
       port (the engine's) and takes the browser's host name.
    3. Otherwise (the browser is on this machine, or unknown): unchanged.
    """
    if not url:
        return url
    parts = urlsplit(url)
    if not is_loopback_host(parts.hostname):
        return url
    if public_engine_url:
        public = urlsplit(public_engine_url.strip())
        if public.scheme in ("http", "https") and public.netloc:
            return urlunsplit(parts._replace(scheme=public.scheme, netloc=public.netloc))
    browser_host = urlsplit(browser_url or "").hostname
    if browser_host and not is_loopback_host(browser_host):
        return urlunsplit(_with_host(parts, browser_host))
    return url


# ---------------------------------------------------------------- request as code

def request_arguments(request: Mapping[str, Any]) -> dict[str, Any]:
    """``CreateVideoRequest`` keyword arguments that rebuild a stored create-video body (key scrubbed)."""
    body = scrub_request(request)
    avatar, voice = body.get("avatar") or {}, body.get("voice") or {}
    arguments: dict[str, Any] = {"avatar_id": avatar.get("avatar_id"), "voice_id": voice.get("voice_id")}
    if voice.get("type") == "audio":
        arguments["audio_url"] = voice.get("audio_url")
    else:
        arguments["script"] = voice.get("script")
    if int(avatar.get("avatar_type") or 0):
        arguments["avatar_type"] = int(avatar["avatar_type"])
    for name in ("aspect_ratio", "screen_style", "caption", "video_name", "webhook_url", EXT_REQUEST_FIELD):
        if body.get(name) not in (None, "", {}):
            arguments[name] = body[name]
    return arguments


def request_from_payload(request: Mapping[str, Any]) -> CreateVideoRequest:
    """The request object whose ``to_payload()`` is the stored body (for ``compose.curl_command``)."""
    return CreateVideoRequest(**request_arguments(request))


def python_snippet(base_url: str, request: Mapping[str, Any]) -> str:
    """A runnable script that sends ``request`` (a create-video body) with ``lib.joggai``.

    The key comes from the environment; the script waits for the video and prints its link.
    """
    lines = ",\n".join(f"    {name}={value!r}" for name, value in request_arguments(request).items())
    return (
        "import os\n\n"
        "from lib.joggai import CreateVideoRequest, JoggAIClient\n\n"
        f"client = JoggAIClient({api_root(base_url)!r}, os.environ[{API_KEY_ENV!r}])\n"
        f"request = CreateVideoRequest(\n{lines},\n)\n"
        "video_id = client.create_avatar_video(request)\n"
        "print(\"video_id:\", video_id)\n"
        "job = client.wait_for_video(video_id, poll_interval=5)\n"
        "print(job.status.value, job.video_url or job.error_message)\n"
    )


# ---------------------------------------------------------------- download bundle

@dataclass(frozen=True)
class BundleSource:
    """What goes into a bundle: the finished video's links and the request as sent."""

    video_id: str
    name: str
    request: Mapping[str, Any]
    video_url: str
    caption_url: str | None = None
    cover_url: str | None = None
    backend_label: str = ""
    finished_video: str | None = None  # the finished copy's file (lib.studio.finishing), when there is one


def _extension(url: str, default: str) -> str:
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return suffix if suffix and len(suffix) <= 5 else default


def _media_entries(source: BundleSource) -> dict[str, str]:
    media = {"video.mp4": source.video_url}
    if source.finished_video:
        media["video-finished.mp4"] = source.finished_video
    if source.caption_url:
        media["captions" + _extension(source.caption_url, ".vtt")] = source.caption_url
    if source.cover_url:
        media["cover" + _extension(source.cover_url, ".jpg")] = source.cover_url
    return media


def bundle_entries(source: BundleSource) -> list[str]:
    """The file names a bundle of ``source`` holds, in order."""
    return [*_media_entries(source), "request.json", "README.txt"]


def _readme(source: BundleSource, names: list[str]) -> str:
    lines = [
        f"Avatar Studio bundle: {source.name or source.video_id}",
        "",
        f"Video id: {source.video_id}",
        f"Made with: {source.backend_label or 'a JoggAI v2 backend'}",
        "",
        "Files:",
        "  video.mp4          the video as the backend made it (H.264 video, AAC audio)",
    ]
    described = {"video-finished": "the finished copy (logo, music bed, end card)",
                 "captions": "the captions, as the backend produced them",
                 "cover": "the cover image",
                 "request.json": "the create-video request exactly as sent, without any API key",
                 "README.txt": "this file"}
    for name in names[1:]:
        label = next(text for prefix, text in described.items() if name.startswith(prefix))
        lines.append(f"  {name:<18} {label}")
    lines += ["", "To make it again: POST request.json to /v2/create_video_from_avatar with your own",
              "key in the x-api-key header.", ""]
    return "\n".join(lines)


def build_bundle(source: BundleSource, fetch: Callable[[str], bytes]) -> bytes:
    """A ZIP (built in memory) with the MP4, captions and cover when there are some, the request
    without any key and a README; ``fetch`` downloads a media link (e.g. ``JoggAIClient.download``)."""
    names = bundle_entries(source)
    media = _media_entries(source)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name in names:
            if name == "request.json":
                text = json.dumps(scrub_request(source.request), indent=2, ensure_ascii=False, sort_keys=True)
                bundle.writestr(name, text + "\n", compress_type=zipfile.ZIP_DEFLATED)
            elif name == "README.txt":
                bundle.writestr(name, _readme(source, names), compress_type=zipfile.ZIP_DEFLATED)
            else:
                # MP4 and JPEG are compressed already; captions are text.
                compression = zipfile.ZIP_DEFLATED if name.startswith("captions") else zipfile.ZIP_STORED
                bundle.writestr(name, fetch(media[name]), compress_type=compression)
    return buffer.getvalue()


def bundle_file_name(source: BundleSource) -> str:
    """``my-video-<id>.zip``: readable, and unique per video."""
    stem = "".join(ch if ch.isalnum() else "-" for ch in (source.name or "video").lower()).strip("-")[:40]
    return f"{stem or 'video'}-{source.video_id}.zip"
