"""The compare view: videos side by side in a grid of cells, for experiments and for a video's versions.

Each cell shows its label, its status, then the video once it is done (or why it is not). What only one
caller has (an experiment's unconfirmed variants, its winner star; a version's link) comes in as hooks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from lib.joggai import VideoStatus
from lib.studio.experiments import CompareCell
from lib.studio.queue_states import REJECTED
from lib.studio.submission import SKIPPED
from lib.studio.widgets import status_badge, video_player


def columns_for(count: int) -> int:
    """Cells per row: three for three or more than four videos, else two."""
    return 3 if count > 4 or count == 3 else 2


def compare_grid(cells: Sequence[CompareCell], *, key: str, cell_key: str = "variant",
                 unconfirmed: Callable[[CompareCell], None] | None = None,
                 not_sent: Callable[[CompareCell], str | None] | None = None,
                 footer: Callable[[CompareCell], None] | None = None) -> None:
    """The grid in container ``key``; cell ``n`` in container ``<cell_key>_<n>``.

    ``unconfirmed`` draws a cell whose answer never came (its warning and actions); ``not_sent`` says
    why a cell was not sent (yet) and what to do; ``footer`` draws under each cell's video (a star, a link).
    """
    per_row = columns_for(len(cells))
    with st.container(key=key):
        for start in range(0, len(cells), per_row):
            row = zip(cells[start:start + per_row], st.columns(per_row), strict=False)
            for offset, (cell, column) in enumerate(row):
                with column, st.container(border=True, key=f"{cell_key}_{start + offset}"):
                    _cell(cell, unconfirmed, not_sent)
                    if footer is not None:
                        footer(cell)


def _cell(cell: CompareCell, unconfirmed: Callable[[CompareCell], None] | None,
          not_sent: Callable[[CompareCell], str | None] | None) -> None:
    st.markdown(("⭐ " if cell.winner else "") + f"**{cell.label}**")
    status_badge(cell.status)
    if cell.unconfirmed and unconfirmed is not None:
        unconfirmed(cell)
    elif cell.status == SKIPPED:
        st.caption("Skipped after an unconfirmed send: it will not be sent again.")
    elif not_sent is not None and (note := not_sent(cell)):
        (st.error if cell.queue_state == REJECTED else st.caption)(note)
    elif cell.job and cell.job.video_status is VideoStatus.COMPLETED and cell.job.video_url:
        video_player(cell.job.video_url)
    elif (cell.job and cell.job.video_status is VideoStatus.FAILED) or cell.error:
        st.error((cell.job.error_message if cell.job else None) or cell.error or VideoStatus.FAILED.value)
    else:
        st.progress((cell.job.progress or 0) / 100 if cell.job else 0.0)
