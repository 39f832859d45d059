"""Files a create request points at, taken in when the video is created: the custom voice audio and the
`ext` pictures and music. Each is this engine's own upload (read in place) or an http(s) URL downloaded
under the SSRF rules of `remote_fetch`, then checked on its real bytes, so a bad file is a 40000 at once.
Downloads land in `DATA_DIR/inputs/<video_id>/`, which the render queue removes once the job is terminal.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lib.engine.envelope import parameter_error
from lib.engine.media import ASSET_KIND, media_path
from lib.engine.runtime import EngineRuntime
from lib.joggai.contract import (
    EXT_BACKGROUND_URL,
    EXT_CONTENT_URL,
    EXT_LOGO_FORMATS,
    EXT_LOGO_URL,
    EXT_MUSIC_URL,
    EXT_REQUEST_FIELD,
    EXT_URL_FIELDS,
    MAX_AUDIO_BYTES,
    UPLOAD_LIMITS_BYTES,
)

_ASSET_PATH = re.compile(rf"^/media/{ASSET_KIND}/([A-Za-z0-9_-]{{24,64}})/[^/]+$")
# The most a download for each ext field may be (content may be a short video).
_EXT_MAX_BYTES = {EXT_CONTENT_URL: UPLOAD_LIMITS_BYTES["video"], EXT_BACKGROUND_URL: UPLOAD_LIMITS_BYTES["image"],
                  EXT_LOGO_URL: UPLOAD_LIMITS_BYTES["image"], EXT_MUSIC_URL: MAX_AUDIO_BYTES}


def own_asset_path(engine: EngineRuntime, url: str) -> Path | None:
    """When `url` is one of this engine's uploaded assets, its file on disk (read directly, not fetched)."""
    match = _ASSET_PATH.match(urlsplit(url).path)
    if not match:
        return None
    row = engine.db.conn.execute(
        "SELECT filename FROM assets WHERE media_token = ? AND status = 'uploaded'", (match.group(1),)
    ).fetchone()
    if row is None:
        return None
    path = media_path(engine.settings.media_dir, ASSET_KIND, match.group(1), row["filename"])
    return path if path.is_file() else None


def _inputs_dir(engine: EngineRuntime, video_id: str) -> Path:
    return engine.settings.data_dir / "inputs" / video_id


def _take_in(engine: EngineRuntime, url: str, video_id: str, *, field: str, dest_name: str, max_bytes: int,
             check: Callable[[Path], Any]) -> Path:
    """Find or fetch `url`, then `check(path)` (raising ValueError with the user's message)."""
    from lib.engine.remote_fetch import FetchRejected, fetch_to_file

    path = own_asset_path(engine, url)
    if path is None and not engine.settings.remote_fetch:
        raise parameter_error(f"{field} must be a file uploaded to this engine (upload/asset): "
                              "this engine does not download from other hosts")
    if path is None:
        inputs = _inputs_dir(engine, video_id)
        inputs.mkdir(parents=True, exist_ok=True)
        try:
            path = fetch_to_file(url, inputs / dest_name, max_bytes=max_bytes,
                                 timeout=engine.settings.audio_fetch_timeout, field=field).path
        except FetchRejected as exc:
            raise parameter_error(str(exc)) from None
    try:
        check(path)
    except ValueError as exc:
        raise parameter_error(str(exc)) from None
    return path


def take_in_audio(engine: EngineRuntime, url: str, video_id: str) -> Path:
    """Fetch (or find) the custom audio and probe the real bytes; 40000 with the reason when unusable."""
    from lib.engine.render.audio_input import probe_audio

    try:
        return _take_in(engine, url, video_id, field="voice.audio_url", dest_name="audio",
                        max_bytes=MAX_AUDIO_BYTES, check=probe_audio)
    except Exception:
        discard_inputs(engine, video_id)
        raise


def _ext_check(key: str, name: str) -> Callable[[Path], Any]:
    from lib.engine.render.audio_input import probe_audio
    from lib.engine.render.visuals import read_content, read_image

    if key == EXT_CONTENT_URL:
        return lambda path: read_content(path, name)
    if key == EXT_LOGO_URL:
        return lambda path: read_image(path, name, EXT_LOGO_FORMATS)
    if key == EXT_MUSIC_URL:
        return lambda path: probe_audio(path, name)
    return lambda path: read_image(path, name)


def take_in_ext(engine: EngineRuntime, ext: dict[str, str], video_id: str) -> dict[str, str]:
    """Each URL field of `ext` taken in and checked: {key: local path}. On any 40000 nothing is left behind."""
    files: dict[str, str] = {}
    try:
        for key in EXT_URL_FIELDS:
            if key in ext:
                name = f"{EXT_REQUEST_FIELD}.{key}"
                files[key] = str(_take_in(engine, ext[key], video_id, field=name, dest_name=f"ext-{key}",
                                          max_bytes=_EXT_MAX_BYTES[key], check=_ext_check(key, name)))
    except Exception:
        discard_inputs(engine, video_id)
        raise
    return files


def discard_inputs(engine: EngineRuntime, video_id: str) -> None:
    """Remove what was downloaded for a video that will not be created."""
    shutil.rmtree(_inputs_dir(engine, video_id), ignore_errors=True)
