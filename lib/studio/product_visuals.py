"""Product visuals: the studio's side of the request field ``ext`` (content, background, logo, music,
resolution, caption style), which only a backend listing ``CAPABILITY_EXT`` reads.

Owns which composer widget holds which ``ext`` key, the ``ext`` object those values describe, and taking it
off a request for any other backend (its values are checked by ``CreateVideoRequest.problems``). No Streamlit here: the
section on Compose is ``lib.studio.visuals_panel``; the still preview is ``lib.studio.layout_preview``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from lib.joggai import CreateVideoRequest, contract
from lib.studio.state import Keys


@dataclass(frozen=True)
class UploadSlot:
    """One ``ext`` URL the composer can fill by uploading a file: its widgets and what it accepts."""

    field: str  # the ext key (contract.EXT_*_URL)
    label: str
    file_types: tuple[str, ...]  # extensions the file picker offers
    url_key: str  # W_ key of the URL field the upload fills
    file_key: str  # U_ key of the file picker
    button_key: str  # B_ key of its Upload button
    default_mime: str  # when the browser names no type


UPLOAD_SLOTS: tuple[UploadSlot, ...] = (
    UploadSlot(contract.EXT_CONTENT_URL, "Product image or short video", ("png", "jpg", "jpeg", "webp", "mp4"),
               Keys.W_EXT_CONTENT_URL, Keys.U_EXT_CONTENT_FILE, Keys.B_EXT_CONTENT_UPLOAD, "image/png"),
    UploadSlot(contract.EXT_BACKGROUND_URL, "Background image (full screen)", ("png", "jpg", "jpeg", "webp"),
               Keys.W_EXT_BACKGROUND_URL, Keys.U_EXT_BACKGROUND_FILE, Keys.B_EXT_BACKGROUND_UPLOAD, "image/png"),
    UploadSlot(contract.EXT_LOGO_URL, "Logo (PNG with transparency)", ("png",),
               Keys.W_EXT_LOGO_URL, Keys.U_EXT_LOGO_FILE, Keys.B_EXT_LOGO_UPLOAD, "image/png"),
    UploadSlot(contract.EXT_MUSIC_URL, "Music bed (ducked under the speech)", ("mp3", "wav", "m4a"),
               Keys.W_EXT_MUSIC_URL, Keys.U_EXT_MUSIC_FILE, Keys.B_EXT_MUSIC_UPLOAD, "audio/mpeg"),
)
SLOT_BY_FIELD = {slot.field: slot for slot in UPLOAD_SLOTS}
# The ext key each composer widget holds (URL fields, then the two choices).
WIDGET_OF_FIELD: dict[str, str] = {**{slot.field: slot.url_key for slot in UPLOAD_SLOTS},
                                   contract.EXT_RESOLUTION: Keys.W_EXT_RESOLUTION,
                                   contract.EXT_CAPTION_STYLE: Keys.W_EXT_CAPTION_STYLE}
# A choice left at the engine's default is not sent: the request carries ``ext`` only when it changes something.
_DEFAULTS = {contract.EXT_RESOLUTION: contract.DEFAULT_RESOLUTION,
             contract.EXT_CAPTION_STYLE: contract.DEFAULT_CAPTION_STYLE}

CLOUD_NOTE = ("Product visuals (content, background, logo, music, 1080p, caption styles) are a local-engine "
              "extension: this backend takes no `ext`. Once the video is done, use *Finish* on the Video page "
              "to add a logo and music to it.")


def ext_from_values(values: Mapping[str, Any]) -> dict[str, str]:
    """The ``ext`` object the composer's product-visual widgets describe; empty when nothing is chosen."""
    ext: dict[str, str] = {}
    for field, key in WIDGET_OF_FIELD.items():
        value = str(values.get(key) or "").strip()
        if value and value != _DEFAULTS.get(field):
            ext[field] = value
    return ext


def widget_values(ext: Mapping[str, Any]) -> dict[str, str]:
    """The product-visual widgets' values that describe ``ext`` (every widget: an unset key is its default)."""
    return {key: str(ext.get(field) or _DEFAULTS.get(field, "")) for field, key in WIDGET_OF_FIELD.items()}


def ext_allowed(values: Mapping[str, Any]) -> bool:
    """Whether the composer's backend takes ``ext`` (written into the session by the Compose section)."""
    return bool(values.get(Keys.EXT_ALLOWED))


def on_backend(url: str, base_url: str) -> bool:
    """Whether ``url`` is a file of the backend at ``base_url`` (the only files the studio fetches to preview)."""
    here, there = urlsplit(url or ""), urlsplit(base_url or "")
    return bool(here.netloc) and (here.scheme, here.netloc) == (there.scheme, there.netloc)


def without_ext(request: CreateVideoRequest) -> CreateVideoRequest:
    """``request`` as a backend without CAPABILITY_EXT may receive it: no ``ext`` at all."""
    return replace(request, ext=None) if request.ext else request


def with_ext(request: CreateVideoRequest, ext: Mapping[str, str]) -> CreateVideoRequest:
    """``request`` carrying ``ext`` (none when ``ext`` is empty); ``request.problems()`` checks its values."""
    return replace(request, ext=dict(ext) or None)
