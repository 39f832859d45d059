"""Versions: a new video made from an earlier one's request, and the family of versions it belongs to.

*New version* (every history item on Jobs, and the Video page) hands the earlier request to Compose, every
field at once (``Keys.COMPOSE_FILL``, applied by ``state.prime_compose_widgets`` before the composer
draws), and remembers it as the parent (``Keys.COMPOSE_PARENT``). The video Compose then creates records
that parent in the history (``JobHistory.set_parent``). A family is the first video and every version
made from it or from its versions; the Video page lists it newest first and compares it side by side
in the experiments' compare view (``lib.studio.compare_view``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from lib.joggai import VideoStatus
from lib.studio import product_visuals
from lib.studio.experiment_plans import MAX_VARIANTS
from lib.studio.experiments import CompareCell
from lib.studio.history import JobHistory, JobRecord
from lib.studio.sharing import request_from_payload
from lib.studio.state import Keys, request_page

MAX_GENERATIONS = 100  # a walk up or down a family stops here (guards a hand-edited cycle)
THIS, PARENT, CHILD = "this video", "parent", "new version of this"


def composer_values(job: JobRecord) -> dict[str, Any]:
    """The composer's widget values that describe ``job``'s request (a single video, not an experiment)."""
    request = request_from_payload(job.request)
    return {
        Keys.W_COMPOSE_AVATAR: (int(request.avatar_type), int(request.avatar_id)),
        Keys.W_COMPOSE_VOICE: request.voice_id or None,
        Keys.W_COMPOSE_MODE: request.voice_type,
        Keys.W_COMPOSE_SCRIPT: request.script or "",
        Keys.W_COMPOSE_AUDIO_URL: request.audio_url or "",
        Keys.W_COMPOSE_ASPECT: request.aspect_ratio,
        Keys.W_COMPOSE_SCREEN: int(request.screen_style),
        Keys.W_COMPOSE_CAPTION: bool(request.caption),
        Keys.W_COMPOSE_NAME: request.video_name or "",
        Keys.W_COMPOSE_WEBHOOK: request.webhook_url or "",
        Keys.W_COMPOSE_EXPERIMENT: False,
        **product_visuals.widget_values(request.ext or {}),  # its product visuals, or none
    }


def family(history: JobHistory, video_id: str) -> list[JobRecord]:
    """Every version related to ``video_id`` (its first video and all versions made from it), newest first."""
    root = history.get(None, video_id)
    if root is None:
        return []
    seen = {root.video_id}
    for _ in range(MAX_GENERATIONS):
        parent = history.get(None, root.parent_video_id) if root.parent_video_id else None
        if parent is None or parent.video_id in seen:
            break
        root = parent
        seen.add(root.video_id)
    members, frontier = {root.video_id: root}, [root.video_id]
    for _ in range(MAX_GENERATIONS):
        children = [child for child in history.children_of(frontier) if child.video_id not in members]
        if not children:
            break
        members.update((child.video_id, child) for child in children)
        frontier = [child.video_id for child in children]
    return sorted(members.values(), key=lambda job: (job.created_at, job.video_id), reverse=True)


@dataclass(frozen=True)
class Version:
    """One member of a family as the Video page lists it: ``number`` 1 is the first video."""

    job: JobRecord
    number: int
    relation: str  # THIS, PARENT, CHILD or "" (further away)

    @property
    def label(self) -> str:
        name = self.job.name or self.job.video_id
        return f"v{self.number} · {name}" + (f" ({self.relation})" if self.relation else "")


def versions_of(history: JobHistory, job: JobRecord) -> list[Version]:
    """``job``'s family, newest first, numbered from the oldest and marked relative to ``job``."""
    members = family(history, job.video_id)
    count = len(members)

    def relation(member: JobRecord) -> str:
        if member.video_id == job.video_id:
            return THIS
        if member.video_id == job.parent_video_id:
            return PARENT
        return CHILD if member.parent_video_id == job.video_id else ""

    return [Version(member, count - position, relation(member)) for position, member in enumerate(members)]


def compare_cells(versions: Sequence[Version]) -> list[CompareCell]:
    """The newest versions (at most an experiment's size) as compare cells, oldest first (left to right)."""
    chosen = list(versions[:MAX_VARIANTS])[::-1]
    return [CompareCell(label=version.label, video_id=version.job.video_id, job=version.job,
                        error=version.job.error_message if version.job.video_status is VideoStatus.FAILED else None,
                        winner=False, index=index) for index, version in enumerate(chosen)]


# ---------------------------------------------------------------- callbacks (buttons on Jobs, Video, Compose)


def start_new_version(job: JobRecord) -> None:
    """Button callback: open Compose filled with ``job``'s request; the next video made is its new version."""
    st.session_state[Keys.COMPOSE_FILL] = composer_values(job)
    st.session_state[Keys.COMPOSE_PARENT] = job.video_id
    st.session_state[Keys.COMPOSE_ATTEMPTED] = False
    request_page("compose")


def forget_parent() -> None:
    """Button callback: what Compose makes next is not a version of anything."""
    st.session_state.pop(Keys.COMPOSE_PARENT, None)


def record_parent(history: JobHistory, backend: str, video_id: str) -> None:
    """After Compose's video was accepted: record the parent it was made from, then forget it."""
    parent = st.session_state.pop(Keys.COMPOSE_PARENT, None)
    if parent and parent != video_id:
        history.set_parent(backend, video_id, parent)
