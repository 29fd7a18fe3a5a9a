"""A table of keyed rows of Text cells, drawn line by line under a header that stays put.

A DataTable drew a line at 0.3 ms even with its lines cached: a region key at national
scale moved ~45 lines of the council list and spent 13 ms of its frame on them. Here each
row's line is drawn once for each look it takes (its stripe, the cursor, the mouse) and kept
while its cells are the same; new rows or a new order only put the kept lines in a new
place. The lines go straight to the compositor: Textual's styles cache made each line again
as a new Strip, and so ran the app's colour filter again on every line of every frame. The
keys and the mouse are DataTable's (a row cursor).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size, Spacing
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.widgets.drawn_lines import to_compositor
from tui.widgets.table_lines import PAD, TableLines


class _Frame(NamedTuple):
    """What every line of one frame is drawn with, asked once a frame (each walks the DOM
    or the styles)."""

    base: Style
    header: Style
    even: Style
    odd: Style
    cursor: Style  # added over the row's style
    cursor_colour: Style  # over the cells' own colours, as DataTable's cursor
    hover: Style  # the row under the mouse
    width: int
    scroll_x: int
    scroll_y: int
    widths: tuple[int, ...]
    full: int  # the width of a whole line: the table's, or the screen's when it is wider


class DrawnTable(ScrollView, can_focus=True):
    """Rows (key, cells) in an order the subclass gives (``put_order``), under headings.

    Each column is as wide as the widest of its heading and every cell it has held (a column
    never narrows by itself; ``reset_widths`` starts again)."""

    ALLOW_SELECT = False  # a list to move through, as DataTable's was, not a text to select
    COMPONENT_CLASSES = {
        "drawn-table--header",
        "drawn-table--even-row",
        "drawn-table--odd-row",
        "drawn-table--cursor",
        "drawn-table--hover",
    }
    # DataTable's look. The scrollbar's room kept when not needed: a filter that makes the
    # list fit the screen (or not) would otherwise change every line's width.
    DEFAULT_CSS = """
    DrawnTable {
        height: 1fr;
        scrollbar-gutter: stable;
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .drawn-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .drawn-table--header {
                background-tint: $foreground 5%;
            }
        }
        & > .drawn-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .drawn-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .drawn-table--even-row {
            background: $surface-lighten-1 50%;
        }
        &:dark > .drawn-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .drawn-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .drawn-table--hover {
            background: $block-hover-background;
        }
    }
    """
    BINDINGS = [
        Binding("enter", "select_cursor", show=False),
        Binding("up", "cursor_up", show=False),
        Binding("down", "cursor_down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("home,ctrl+home", "first", show=False),
        Binding("end,ctrl+end", "last", show=False),
    ]

    def __init__(self, headings: Sequence[str], *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._headings = [Text(heading) for heading in headings]
        self.rows: dict[str, list[Text]] = {}  # the cells of the rows shown, by key
        self.cursor_row = 0
        self.hover_row: int | None = None  # under the mouse, until a key moves the cursor
        self._order: list[str] = []  # the keys shown, in order
        self._index: dict[str, int] = {}
        self._widths = [heading.cell_len for heading in self._headings]
        self._painter = TableLines()
        # Each row's lines as drawn, by look (stripe, cursor, widths): a filter moves a row to
        # a new stripe, and back. Bounded: only rows seen on screen are drawn.
        self._drawn: LRUCache[str, tuple[list[Text], dict[tuple[object, ...], Strip]]]
        self._drawn = LRUCache(4096)
        self._header: tuple[tuple[object, ...], Strip] | None = None
        self._frame: _Frame | None = None

    # What the table shows.

    @property
    def keys(self) -> list[str]:
        """The rows shown, in order."""
        return list(self._order)

    @property
    def row_count(self) -> int:
        return len(self._order)

    def selected_key(self) -> str | None:
        return self._order[self.cursor_row] if self._order else None

    def column_widths(self) -> list[int]:
        """Each column's width on screen, its padding included."""
        return [width + 2 * len(PAD) for width in self._widths]

    def measure(self, rows: Iterable[list[Text]]) -> None:
        """Columns widened for these rows' cells."""
        widths = self._widths
        for cells in rows:
            for column, cell in enumerate(cells):
                if cell.cell_len > widths[column]:
                    widths[column] = cell.cell_len

    def reset_widths(self) -> None:
        self._widths = [heading.cell_len for heading in self._headings]

    def put_order(self, order: list[str], *, keep_cursor: bool, changed: Iterable[str]) -> None:
        """Show the rows of ``order`` (keys of ``rows``), in that order; the cursor stays on
        its row if it is still there. Only the ``changed`` rows' lines are drawn again when
        the order and the columns are the same."""
        if order == self._order and not self._resized():
            self._repaint(changed)
            return
        selected = self.selected_key() if keep_cursor else None
        self._order = order
        self._index = {key: index for index, key in enumerate(order)}
        row = self._index.get(selected, min(self.cursor_row, len(order) - 1)) if selected else 0
        self.cursor_row = max(0, row)
        self._resized()
        if self.scroll_y > self.max_scroll_y:
            self.scroll_to(y=self.max_scroll_y, animate=False)
        if not keep_cursor:
            self.scroll_to(y=0, animate=False)
        self.refresh()

    def rows_changed(self, keys: Iterable[str]) -> None:
        """These rows' cells were replaced in ``rows``: their lines again (every line, if a
        column grew)."""
        keys = list(keys)
        self.measure(self.rows[key] for key in keys)
        if self._resized():
            self.refresh()
        else:
            self._repaint(keys)

    def _resized(self) -> bool:
        """The scrollable size brought in line with the rows and columns; whether it changed."""
        size = Size(sum(self.column_widths()), len(self._order) + 1)
        if size == self.virtual_size:
            return False
        self.virtual_size = size
        # Whether the scrollbars show, decided now: decided during the layout, it asked for
        # another layout, one frame later.
        self._refresh_scrollbars()
        return True

    def _repaint(self, keys: Iterable[str]) -> None:
        top = round(self.scroll_y)
        width = self.size.width
        for key in keys:
            index = self._index.get(key)
            if index is not None:
                self.refresh(Region(0, index - top + 1, width, 1))

    # Drawing.

    def notify_style_update(self) -> None:
        self._painter.clear()
        self._drawn.clear()
        self._header = None
        super().notify_style_update()

    def _styles(self) -> _Frame:
        base = self.rich_style
        cursor = self.get_component_rich_style("drawn-table--cursor")
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        return _Frame(
            base,
            base + self.get_component_rich_style("drawn-table--header"),
            base + self.get_component_rich_style("drawn-table--even-row"),
            base + self.get_component_rich_style("drawn-table--odd-row"),
            cursor,
            Style.from_color(cursor.color),
            self.get_component_rich_style("drawn-table--hover"),
            width,
            scroll_x,
            scroll_y,
            tuple(self._widths),
            max(width + scroll_x, self.virtual_size.width),
        )

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines as drawn, straight to the compositor: Textual's styles cache would make
        each line again (a new Strip, so the app's colour filter ran again on every line),
        for a widget without border, padding or tint."""
        self._frame = frame = self._styles()
        try:
            lines = [self.render_line(y) for y in crop.line_range]
        finally:
            self._frame = None
        return to_compositor(self, lines, crop, frame.width, self.background_colors[1])

    def render_line(self, y: int) -> Strip:
        frame = self._frame or self._styles()  # or drawn outside a frame (a test)
        width, scroll_x, scroll_y, widths, full = frame[-5:]
        if y == 0:
            look: tuple[object, ...] = (frame.header, widths, full)
            if self._header is None or self._header[0] != look:
                line = self._painter.line(
                    self.app.console, self._headings, widths, frame.header, full
                )
                self._header = (look, line)
            line = self._header[1]
        else:
            index = y - 1 + scroll_y
            if index >= len(self._order):
                return Strip.blank(width, frame.base)
            key = self._order[index]
            cells = self.rows[key]
            style = frame.odd if index % 2 else frame.even
            post = None
            if index == self.hover_row:
                style += frame.hover
            if index == self.cursor_row:
                style, post = style + frame.cursor, frame.cursor_colour
            look = (style, post, widths, full)
            held = self._drawn.get(key)
            if held is None or held[0] is not cells or len(held[1]) > 8:
                held = self._drawn[key] = (cells, {})
            kept = held[1].get(look)
            if kept is None:
                kept = self._painter.line(self.app.console, cells, widths, style, full, post)
                held[1][look] = kept
            line = kept
        if scroll_x or line.cell_length != width:
            return line.crop(scroll_x, scroll_x + width)
        return line

    # The cursor.

    def move_cursor(self, row: int, *, scroll: bool = True) -> None:
        row = max(0, min(row, len(self._order) - 1))
        if row != self.cursor_row:
            self._repaint(self._order[i] for i in (self.cursor_row, row) if i < len(self._order))
            self.cursor_row = row
        if scroll:
            self.scroll_to_region(
                Region(0, row + 1, 1, 1),
                spacing=Spacing(1, 0, 0, 0),  # under the header
                x_axis=False,
                animate=False,
                force=True,
                immediate=True,
            )

    def _hover(self, row: int | None) -> None:
        if row != self.hover_row:
            rows = [i for i in (self.hover_row, row) if i is not None and i < len(self._order)]
            self.hover_row = row
            self._repaint(self._order[i] for i in rows)

    def _row_at(self, event: events.MouseEvent) -> int | None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:  # outside, or the header
            return None
        index = offset.y - 1 + self.scroll_offset.y
        return index if 0 <= index < len(self._order) else None

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        self._hover(self._row_at(event))

    def _on_leave(self, event: events.Leave) -> None:
        self._hover(None)

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _key_move(self, row: int) -> None:
        self._hover(None)  # the keyboard's turn: the mouse's row is no longer shown
        self.move_cursor(row)

    def action_cursor_up(self) -> None:
        self._key_move(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self._key_move(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.scroll_relative(y=-self._page(), animate=False, force=True, immediate=True)
        self._key_move(self.cursor_row - self._page())

    def action_page_down(self) -> None:
        self.scroll_relative(y=self._page(), animate=False, force=True, immediate=True)
        self._key_move(self.cursor_row + self._page())

    def action_first(self) -> None:
        self._key_move(0)

    def action_last(self) -> None:
        self._key_move(len(self._order) - 1)

    def action_select_cursor(self) -> None:
        key = self.selected_key()
        if key is not None:
            self.chosen(key)

    def chosen(self, key: str) -> None:
        """Enter, or a second click, on this row."""

    async def _on_click(self, event: events.Click) -> None:
        """A click moves the cursor to the row under the pointer; a click on the row
        already under the cursor chooses it, as DataTable's row cursor did."""
        index = self._row_at(event)
        if index is None:
            return
        event.stop()
        again = index == self.cursor_row
        self.move_cursor(index)
        if again:
            self.action_select_cursor()
