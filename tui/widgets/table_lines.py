"""Table rows drawn as one Strip each, for the tables that draw their own lines.

DataTable draws a line through Rich cell by cell, with a style sum per segment and mouse
metadata per cell, and keeps its caches under one change counter that any update resets
(about 0.3 ms a line even when cached). A table here keeps each line it drew under what
decides how it looks, and draws a new one from cells rendered once per text and style.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.strip import Strip

from tui.widgets.cells import content_key, text_segments

PAD = " "  # each side of every cell, as DataTable's


class TableLines:
    """Draws rows of one-line Text cells padded to their columns; right-justified cells are
    aligned right in theirs."""

    def __init__(self, cells_kept: int = 4096) -> None:
        self._cells: LRUCache[object, list[Segment]] = LRUCache(cells_kept)

    def clear(self) -> None:
        """The theme changed: a text's style names ("dim") may mean new colours."""
        self._cells.clear()

    def line(
        self,
        console: Console,
        cells: Sequence[Text],
        widths: Sequence[int],
        style: Style,
        width: int,
        post: Style | None = None,
    ) -> Strip:
        """One Strip at least ``width`` cells wide (each Strip Textual makes costs ~20 µs):
        the cells over the row's ``style`` (and under ``post``, e.g. a cursor's colour),
        the row's style to the edge."""
        segments: list[Segment] = []
        used = 0
        padding = style + post if post else style  # as DataTable pads a cell
        for room, cell in zip(widths, cells, strict=True):
            gap = " " * max(0, room - cell.cell_len)
            drawn = self._cell(console, cell, style, post)
            if cell.justify == "right":
                segments.append(Segment(PAD + gap, padding))
                segments.extend(drawn)
                segments.append(Segment(PAD, padding))
            else:
                segments.append(Segment(PAD, padding))
                segments.extend(drawn)
                segments.append(Segment(gap + PAD, padding))
            used += room + 2 * len(PAD)
        if used < width:
            segments.append(Segment(" " * (width - used), style))
            used = width
        return Strip(segments, used)

    def _cell(
        self, console: Console, cell: Text, style: Style, post: Style | None
    ) -> list[Segment]:
        key = (content_key(cell), style, post)
        segments = self._cells.get(key)
        if segments is None:
            drawn = text_segments(console, cell)
            segments = self._cells[key] = list(Segment.apply_style(drawn, style, post))
        return segments
