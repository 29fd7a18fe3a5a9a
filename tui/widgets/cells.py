"""Table cells updated in place."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey


def same_cell(held: object, cell: Text) -> bool:
    """Rich's ``Text ==`` compares the characters and spans, not the base style: a cell
    redrawn in a new theme's colours would be taken for unchanged."""
    return isinstance(held, Text) and held == cell and held.style == cell.style


def put_cell(table: DataTable[Text], row_key: str, column_key: str, cell: Text) -> None:
    """``update_cell`` that widens a column when the new cell needs it, and otherwise leaves
    the width alone: DataTable re-measures the whole column for every cell that got narrower,
    which made refreshing a few hundred rows take seconds."""
    if same_cell(table.get_cell(row_key, column_key), cell):
        return
    grow = cell.cell_len > table.columns[ColumnKey(column_key)].content_width
    table.update_cell(row_key, column_key, cell, update_width=grow)
