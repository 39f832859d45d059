"""Shared checks for tests that render real videos through the engine."""

from __future__ import annotations

import io
import time

import av
import requests


def wait_for_video(engine, video_id: str, timeout: float = 240) -> tuple[dict, list[tuple[str, int]]]:
    """Poll until the job is terminal; returns the last answer and every (status, progress) seen."""
    seen: list[tuple[str, int]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = requests.get(engine.v2 + f"/avatar_video/{video_id}", headers=engine.headers(), timeout=10).json()
        assert answer["code"] == 0, answer
        data = answer["data"]
        seen.append((data["status"], data["progress"]))
        if data["status"] in ("completed", "failed"):
            return data, seen
        time.sleep(0.2)
    raise AssertionError(f"video {video_id} not finished after {timeout} s; last {seen[-1:]}")


def probe_mp4(content: bytes) -> dict:
    """Codecs and duration of an MP4 held in memory."""
    with av.open(io.BytesIO(content)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        return {
            "video_codec": video.codec_context.name,
            "audio_codec": audio.codec_context.name,
            "width": video.codec_context.width,
            "height": video.codec_context.height,
            "duration": float(container.duration) / av.time_base if container.duration else 0.0,
        }


def check_completed_media(job: dict, *, caption: bool) -> dict:
    """The finished job's links work without a key and carry real media; returns the MP4's probe."""
    assert job["status"] == "completed" and job["progress"] == 100
    video = requests.get(job["video_url"], timeout=60)
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    info = probe_mp4(video.content)
    assert info["video_codec"] == "h264" and info["audio_codec"] == "aac"
    assert abs(info["duration"] - job["duration"]) < 0.5
    # faststart: the index (moov) comes before the media data (mdat).
    assert video.content.find(b"moov") < video.content.find(b"mdat")
    part = requests.get(job["video_url"], headers={"Range": "bytes=100-199"}, timeout=30)
    assert part.status_code == 206 and part.content == video.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(video.content)}"
    head = requests.head(job["video_url"], timeout=30)
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(video.content)
    cover = requests.get(job["cover_url"], timeout=30)
    assert cover.headers["content-type"] == "image/jpeg" and cover.content[:3] == b"\xff\xd8\xff"
    if caption:
        vtt = requests.get(job["caption_url"], timeout=30)
        assert vtt.headers["content-type"].startswith("text/vtt") and vtt.text.startswith("WEBVTT")
    else:
        assert "caption_url" not in job
    return info
