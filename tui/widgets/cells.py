"""Table cells updated in place."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.css.scalar import Unit
from textual.widget import Widget

if TYPE_CHECKING:  # the first frame has no DataTable: its module loads with the lists
    from textual.widgets import DataTable

ContentKey: TypeAlias = tuple[str, object, tuple[object, ...], object]


def content_key(cell: object) -> ContentKey | None:
    """What decides how a Text cell looks; None for cells of any other kind."""
    if not isinstance(cell, Text):
        return None
    return (cell.plain, cell.style, tuple(cell.spans), cell.justify)


def text_segments(console: Console, cell: Text) -> list[Segment]:
    """A one-line cell's segments, as Rich renders it."""
    if cell.spans:  # the base style is one of the spans Text.render combines
        return list(cell.render(console, end=""))
    # Text.render leaves out the base style when there are no spans.
    return [Segment(cell.plain, console.get_style(cell.style, default=Style.null()))]


def same_cell(held: object, cell: Text) -> bool:
    """Rich's ``Text ==`` compares the characters and spans, not the base style: a cell
    redrawn in a new theme's colours would be taken for unchanged."""
    return isinstance(held, Text) and held == cell and held.style == cell.style


def put_cell(table: DataTable[Text], row_key: str, column_key: str, cell: Text) -> None:
    """``update_cell`` that widens a column when the new cell needs it, and otherwise leaves
    the width alone: DataTable re-measures the whole column for every cell that got narrower,
    which made refreshing a few hundred rows take seconds."""
    from textual.widgets.data_table import ColumnKey

    if same_cell(table.get_cell(row_key, column_key), cell):
        return
    grow = cell.cell_len > table.columns[ColumnKey(column_key)].content_width
    table.update_cell(row_key, column_key, cell, update_width=grow)


def kept_rows(widget: Widget) -> int:
    """The rows a widget keeps room for (its ``min-height`` in cells): below it, more lines
    need no new layout."""
    least = widget.styles.min_height
    return int(least.value) if least is not None and least.unit == Unit.CELLS else 0
