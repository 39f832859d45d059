"""The request's own pictures (`ext` content, background and logo): read and checked from their real bytes,
then fitted to the frame once per render.

The engine calls the readers when a video is created (so an unusable file is a 40000 at once) and the
render worker calls them again on the stored copy. A short video given as content is decoded with PyAV
and one still of it is shown: the panel does not play video (it would make every frame dirty).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from lib.joggai.contract import (
    DEFAULT_CAPTION_STYLE,
    DEFAULT_RESOLUTION,
    EXT_BACKGROUND_URL,
    EXT_CAPTION_STYLE,
    EXT_CONTENT_URL,
    EXT_IMAGE_FORMATS,
    EXT_LOGO_FORMATS,
    EXT_LOGO_URL,
    EXT_REQUEST_FIELD,
    EXT_RESOLUTION,
    MAX_CONTENT_VIDEO_SECONDS,
    MAX_EXT_IMAGE_SIDE,
)

# The still of a content video is taken this far in (or half way through a shorter clip).
CONTENT_STILL_AT_S = 1.0


class VisualRejected(ValueError):
    """A picture that cannot be used; the message names the field and is shown to the user."""


@dataclass(frozen=True)
class Visuals:
    """What `ext` adds to a render: pictures as RGBA arrays (straight alpha), resolution, caption preset."""

    content: np.ndarray | None = field(default=None, compare=False)
    background: np.ndarray | None = field(default=None, compare=False)
    logo: np.ndarray | None = field(default=None, compare=False)
    resolution: str = DEFAULT_RESOLUTION
    caption_style: str = DEFAULT_CAPTION_STYLE


def _checked_size(image: Image.Image, name: str) -> None:
    if max(image.size) > MAX_EXT_IMAGE_SIDE:
        raise VisualRejected(f"{name} is {image.width}x{image.height}: at most {MAX_EXT_IMAGE_SIDE} pixels a side")
    if min(image.size) < 1:
        raise VisualRejected(f"{name} is empty")


def read_image(path: Path, name: str, formats: tuple[str, ...] = EXT_IMAGE_FORMATS) -> np.ndarray:
    """The picture at `path` as RGBA (EXIF rotation applied); VisualRejected unless one of `formats`."""
    try:
        with Image.open(path) as image:
            if image.format not in formats:
                raise VisualRejected(f"{name} must be a {' or '.join(formats)} image (got {image.format or 'unknown'})")
            _checked_size(image, name)
            image.load()
            return np.asarray(ImageOps.exif_transpose(image).convert("RGBA"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise VisualRejected(f"{name} must be a {' or '.join(formats)} image: the file does not decode") from None


def read_video_still(path: Path, name: str) -> np.ndarray:
    """One frame of a short video as RGBA (about CONTENT_STILL_AT_S in); VisualRejected when unusable."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise VisualRejected(f"{name} must be a PNG, JPEG or WebP image or a short video")
            stream = container.streams.video[0]
            if stream.width > MAX_EXT_IMAGE_SIDE or stream.height > MAX_EXT_IMAGE_SIDE:
                raise VisualRejected(f"{name} is {stream.width}x{stream.height}: at most "
                                     f"{MAX_EXT_IMAGE_SIDE} pixels a side")
            duration = float(container.duration or 0) / av.time_base
            if duration > MAX_CONTENT_VIDEO_SECONDS:
                raise VisualRejected(f"{name} is a {duration:.0f} s video: at most "
                                     f"{MAX_CONTENT_VIDEO_SECONDS:.0f} s")
            wanted = min(CONTENT_STILL_AT_S, duration / 2)
            still = None
            for frame in container.decode(video=0):
                still = frame
                if frame.time is not None and frame.time >= wanted:
                    break
            if still is None:
                raise VisualRejected(f"{name}: the video has no frames")
            return np.asarray(still.to_image().convert("RGBA"))
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        if isinstance(exc, VisualRejected):
            raise
        raise VisualRejected(f"{name} must be a PNG, JPEG or WebP image or a short video: "
                             "the file does not decode") from None


def read_content(path: Path, name: str) -> np.ndarray:
    """Content is an image, or else a short video (one still of it)."""
    try:
        with Image.open(path) as image:
            is_image = image.format is not None
    except (UnidentifiedImageError, OSError):
        is_image = False
    return read_image(path, name) if is_image else read_video_still(path, name)


def load_visuals(ext: dict[str, str], files: dict[str, str]) -> Visuals:
    """A job's stored `ext` (validated values) and its taken-in files (key -> path) as a render's Visuals."""

    def picture(key: str, read: Callable[[Path, str], np.ndarray]) -> np.ndarray | None:
        return read(Path(files[key]), f"{EXT_REQUEST_FIELD}.{key}") if key in files else None

    return Visuals(
        content=picture(EXT_CONTENT_URL, read_content),
        background=picture(EXT_BACKGROUND_URL, read_image),
        logo=picture(EXT_LOGO_URL, lambda path, name: read_image(path, name, EXT_LOGO_FORMATS)),
        resolution=ext.get(EXT_RESOLUTION, DEFAULT_RESOLUTION),
        caption_style=ext.get(EXT_CAPTION_STYLE, DEFAULT_CAPTION_STYLE),
    )


def cover_fit(rgba: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale and centre-crop to exactly width x height (no letterbox)."""
    image = Image.fromarray(rgba)
    return np.asarray(ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS))


def contain_fit(rgba: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale to fit inside width x height keeping the aspect ratio (alpha kept)."""
    image = Image.fromarray(rgba)
    return np.asarray(ImageOps.contain(image, (width, height), Image.Resampling.LANCZOS))
