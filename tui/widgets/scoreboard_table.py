"""The scoreboard's table: a header line and one line per party, drawn line by line.

A ``DataTable`` did this job with machinery the scoreboard never uses (a cursor, scrolling,
per-cell keys and metadata): its module, rules and first drawing cost 20-40 ms of CPU before
the first frame, and after every big answer it drew all its lines again (5-7 ms of the
frame). Here a declaration repaints only the lines whose cells changed, and Textual keeps the
rest. The figures are right-aligned under right-aligned headings.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from tui.widgets.cells import content_key, same_cell
from tui.widgets.drawn_lines import to_compositor
from tui.widgets.table_lines import PAD, TableLines


def _same_row(held: Sequence[Text], cells: Sequence[Text]) -> bool:
    return len(held) == len(cells) and all(map(same_cell, held, cells))


class ScoreboardTable(Widget):
    """Columns (key, heading) and rows (party, cells), shown as given, in that order.

    Each column is as wide as the widest of its heading, its cells and what it has been
    this session (with a floor per column): columns never narrow mid-night, so a figure that
    loses a digit moves nothing else.
    """

    ALLOW_SELECT = False  # as the DataTable it replaces: its lines are not a text to select
    COMPONENT_CLASSES = {"scoreboard-table--header", "scoreboard-table--even-row"}

    DEFAULT_CSS = """
    ScoreboardTable {
        height: auto;
        background: $surface;
        color: $foreground;
        & > .scoreboard-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .scoreboard-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .scoreboard-table--even-row {
            background: $surface-lighten-1 50%;
        }
        &:dark > .scoreboard-table--even-row {
            background: $surface-darken-1 40%;
        }
    }
    """

    def __init__(
        self,
        *,
        min_widths: dict[str, int] | None = None,
        id: str | None = None,  # noqa: A002
    ) -> None:
        super().__init__(id=id)
        self._min_widths = dict(min_widths or {})
        self._columns: list[tuple[str, Text]] = []
        self._rows: list[tuple[str, list[Text]]] = []
        self._widths: dict[str, int] = {}  # of the columns shown
        self._widest: dict[str, int] = {}  # of every column shown this session
        self._base: Style | None = None  # the widget's own style, asked once a frame
        # Lines and cells as drawn, kept by what decides how they look: after a declaration
        # only rows whose figures changed are drawn again.
        self._lines: LRUCache[object, Strip] = LRUCache(256)
        self._painter = TableLines(1024)

    # What the table shows.

    @property
    def parties(self) -> list[str]:
        return [party for party, _ in self._rows]

    @property
    def column_keys(self) -> list[str]:
        return [key for key, _ in self._columns]

    def row(self, party: str) -> list[Text]:
        return next(cells for shown, cells in self._rows if shown == party)

    def cell(self, party: str, column: str) -> Text:
        return self.row(party)[self.column_keys.index(column)]

    def show(
        self, columns: Sequence[tuple[str, Text]], rows: Sequence[tuple[str, Sequence[Text]]]
    ) -> None:
        """Shows these rows; only the lines that changed are drawn again, and the screen is
        laid out again only when the number of rows changes."""
        new_columns = [(key, label) for key, label in columns]
        new_rows = [(party, list(cells)) for party, cells in rows]
        widths: dict[str, int] = {}
        for index, (key, label) in enumerate(new_columns):
            widest = max((cells[index].cell_len for _, cells in new_rows), default=0)
            widths[key] = max(
                self._widest.get(key, 0), self._min_widths.get(key, 0), label.cell_len, widest
            )
        self._widest.update(widths)  # a column that goes and comes back keeps its width
        whole = widths != self._widths or not (
            len(new_columns) == len(self._columns)
            and all(
                key == held_key and same_cell(held, label)
                for (key, label), (held_key, held) in zip(new_columns, self._columns, strict=True)
            )
        )
        resized = len(new_rows) != len(self._rows)
        changed_lines: list[int] = []
        if not whole and not resized:
            for y, ((party, cells), (held_party, held)) in enumerate(
                zip(new_rows, self._rows, strict=True), 1
            ):
                if party != held_party or not _same_row(held, cells):
                    changed_lines.append(y)
        self._columns = new_columns
        self._rows = new_rows
        self._widths = widths
        if whole or resized:
            self.refresh(layout=resized)
        elif changed_lines:
            width = self.size.width
            self.refresh(*(Region(0, y, width, 1) for y in changed_lines))

    # Drawing.

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1 + len(self._rows) if self._columns else 0

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return sum(self._widths.values()) + 2 * len(PAD) * len(self._widths)

    def notify_style_update(self) -> None:
        self._painter.clear()
        self._lines.clear()
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines as drawn, straight to the compositor (a widget without border, padding
        or tint): Textual's styles cache made each refreshed line again, and the app's
        colour filter ran again on each."""
        self._base = self.rich_style  # walks up the DOM: once a frame, not once a line
        try:
            lines = [self.render_line(y) for y in crop.line_range]
        finally:
            self._base = None
        return to_compositor(self, lines, crop, self.size.width, self.background_colors[1])

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self._base or self.rich_style
        if y == 0:
            style = self.get_component_rich_style("scoreboard-table--header")
            cells = [label for _, label in self._columns]
        elif y <= len(self._rows):
            even = (y - 1) % 2 == 0
            style = (
                self.get_component_rich_style("scoreboard-table--even-row")
                if even
                else Style.null()
            )
            cells = self._rows[y - 1][1]
        else:
            return Strip.blank(width, base)
        style = base + style
        key = (tuple(map(content_key, cells)), style, width, tuple(self._widths.values()))
        line = self._lines.get(key)
        if line is None:
            widths = list(self._widths.values())
            line = self._painter.line(self.app.console, cells, widths, style, width)
            line = self._lines[key] = line.crop(0, width) if line.cell_length > width else line
        return line
