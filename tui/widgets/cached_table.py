"""A DataTable whose lines are drawn once and kept, keyed by what is in them.

DataTable keys all its render caches on one change counter, so any ``update_cell``, added
row or sort makes it draw every visible line again, through Rich, cell by cell: about 0.5 ms
a line (about 20 ms for the scoreboard after any declaration, 25-50 ms for the council
list). Here a line is kept under what decides how it looks: the row's cells, its index (the
zebra stripe and the mouse's row metadata), the cursor and hover on it, the column widths,
the crop and the base style. The segments are DataTable's own, so the screen is the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Self

from rich.segment import Segment
from rich.style import Style
from rich.text import Text, TextType
from textual.cache import LRUCache
from textual.color import Color
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.render import measure
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, Row, RowKey

from tui.widgets.cells import ContentKey, content_key, text_segments


def right_aligned(cell: Text, width: int) -> Text | None:
    """A right-justified one-line cell that fits its column, aligned exactly as Rich's
    wrapping aligns it (about 9 µs a cell against Rich's 160 µs); None for any other cell."""
    if cell.justify != "right" or "\n" in cell.plain or "\t" in cell.plain:
        return None
    line = cell.copy()
    line.rstrip()
    room = width - line.cell_len
    if room < 0:
        return None
    line.pad_left(room)
    return line


class CachedTable(DataTable[Text]):
    """DataTable with cached cells and lines; rows of one line of Text cells."""

    def __init__(self, **kwargs: object) -> None:
        # Each distinct cell text rendered once, then padded to its column.
        self._cell_content: LRUCache[object, list[Segment]] = LRUCache(20_000)
        self._cell_meta: dict[tuple[int, int], Style] = {}
        self._row_content: dict[RowKey, tuple[ContentKey | None, ...]] = {}
        self._lines: LRUCache[tuple[object, ...], Strip] = LRUCache(4_000)
        self._looks: LRUCache[tuple[object, ...], tuple[Strip, int]] = LRUCache(4_000)
        self._styled_cells: LRUCache[tuple[object, ...], list[Segment]] = LRUCache(20_000)
        self._measured: LRUCache[ContentKey, int] = LRUCache(20_000)
        self._frame_style: Style | None = None
        self._frame_backgrounds: tuple[Color, Color] | None = None
        self._frame_size: Size | None = None
        self._frame_widths: tuple[int, ...] | None = None
        self._frame_columns: list[ColumnKey] | None = None
        super().__init__(**kwargs)  # type: ignore[arg-type]

    # What a row holds, noted when it changes.

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: Text,
        *,
        update_width: bool = False,
    ) -> None:
        self._row_content.pop(RowKey(row_key) if isinstance(row_key, str) else row_key, None)
        super().update_cell(row_key, column_key, value, update_width=update_width)

    def add_row(
        self,
        *cells: Text,
        height: int | None = 1,
        key: str | None = None,
        label: TextType | None = None,
    ) -> RowKey:
        if key is not None:
            self._row_content.pop(RowKey(key), None)
        return super().add_row(*cells, height=height, key=key, label=label)

    def add_keyed_rows(self, rows: Iterable[tuple[str, list[Text]]]) -> None:
        """``add_row`` for many rows at once: DataTable's bookkeeping for each row, and the
        cursor, the change counter and the idle check once (a filter back to every council
        adds hundreds of rows; one at a time cost about 0.1 ms a row in those alone)."""
        columns = [column.key for column in self.ordered_columns]
        was_empty = not self.rows
        added = False
        for key, cells in rows:
            row_key = RowKey(key)
            if row_key in self._row_locations:
                raise ValueError(f"The row key {key!r} already exists.")
            self._row_content.pop(row_key, None)
            self._row_locations[row_key] = len(self.rows)
            self._data[row_key] = dict(zip(columns, cells, strict=True))
            self.rows[row_key] = Row(row_key, 1, None, False)
            self._new_rows.add(row_key)
            added = True
        if not added:
            return
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if was_empty and self.columns and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()
        self._update_count += 1
        self.check_idle()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """DataTable's, with each distinct cell text measured once: it measured every cell of
        every new row through Rich (asking the terminal its size each time)."""
        console = self.app.console
        columns = self.ordered_columns
        others: list[RowKey] = []
        for row_key in new_rows:
            row = self.rows.get(row_key)
            data = self._data.get(row_key)
            if row is None or data is None or row_key not in self._row_locations:
                continue
            if row.label is not None or row.auto_height or row.height != 1:
                others.append(row_key)
                continue
            for column in columns:
                cell = data.get(column.key)
                key = content_key(cell)
                if key is None:
                    others.append(row_key)
                    break
                width = self._measured.get(key)
                if width is None:
                    assert isinstance(cell, Text)
                    width = self._measured[key] = measure(console, cell, 1)
                if width > column.content_width:
                    column.content_width = width
        super()._update_dimensions(others)

    def measure_now(self) -> None:
        """What DataTable does on idle (column widths, the scrollable size), done now: the
        first frame after a change then has its final layout, instead of a frame drawn at
        the old sizes and a second, laid out, after idle."""
        if self._updated_cells:
            updated, self._updated_cells = self._updated_cells, set()
            self._update_column_widths(updated)
        if self._require_update_dimensions:
            self._require_update_dimensions = False
            new_rows, self._new_rows = self._new_rows, set()
            self._update_dimensions(new_rows)
        # Whether the scrollbar shows, decided now for the new length: decided during the
        # layout, it asked for another layout, one frame later.
        self._refresh_scrollbars()

    def remove_row(self, row_key: RowKey | str) -> None:
        self._row_content.pop(RowKey(row_key) if isinstance(row_key, str) else row_key, None)
        super().remove_row(row_key)

    def forget_rows(self, keys: Iterable[RowKey]) -> None:
        """For a subclass that removes rows itself."""
        for row_key in keys:
            self._row_content.pop(row_key, None)

    def clear(self, columns: bool = False) -> Self:
        self._row_content.clear()
        return super().clear(columns)

    def _row_key_content(self, row_key: RowKey) -> tuple[object, ...] | None:
        if row_key is self._header_row_key:
            return ("header", *(content_key(c.label) for c in self.ordered_columns))
        held = self._row_content.get(row_key)
        if held is None:
            row = self._data.get(row_key)
            if row is None:
                return None
            held = tuple(content_key(row.get(column)) for column in self._column_locations)
            self._row_content[row_key] = held
        return held

    # Lines.

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        if self._labelled_row_exists or self.cursor_type not in ("row", "none"):
            return super()._render_line(y, x1, x2, base_style)
        try:
            row_key, line_no = self._get_offsets(y)
        except LookupError:
            return super()._render_line(y, x1, x2, base_style)
        content = self._row_key_content(row_key)
        if content is None or None in content:
            return super()._render_line(y, x1, x2, base_style)
        header = row_key is self._header_row_key
        located = -1 if header else self._row_locations.get(row_key)
        if located is None:
            return super()._render_line(y, x1, x2, base_style)
        row_index: int = located
        cursor_row = self.cursor_coordinate.row
        hover_row = self.hover_coordinate.row
        look = (
            content,
            # A row's index shows only in its stripe and in the mouse's row metadata, which
            # is put right below: a filter moves rows without drawing them again.
            -1 if header else row_index % 2,
            line_no,
            x1,
            x2,
            self.size.width,
            base_style,
            self._frame_widths or self._column_widths(),
            row_index == cursor_row,
            row_index == hover_row,
            self.cursor_type,
            self.show_cursor,
            self._show_hover_cursor,
            self._pseudo_class_state,
            self.zebra_stripes,
            self.fixed_columns,
            self.fixed_rows,
            self.show_header,
        )
        key = (look, row_index)
        strip = self._lines.get(key)
        if strip is not None:
            return strip
        drawn = self._looks.get(look)
        if drawn is None:
            # DataTable's own line and row caches leave the column widths out of their keys
            # (a width changed on idle, after a cell update, would come back stale).
            self._line_cache.clear()
            self._row_render_cache.clear()
            drawn = (super()._render_line(y, x1, x2, base_style), row_index)
            self._looks[look] = drawn
        strip, drawn_index = drawn
        if drawn_index != row_index:
            meta = Style.from_meta({"row": row_index})
            strip = Strip(Segment.apply_style(list(strip), None, meta), strip.cell_length)
        self._lines[key] = strip
        return strip

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[list[list[Segment]], list[list[Segment]]]:
        """DataTable's row rendering for the usual case here (a row cursor, no row labels,
        no fixed columns, a data row): the same segments, without the styles it looks up
        for every row and uses only for headers, labels and fixed columns (about half of a
        row's cost)."""
        if (
            row_key is self._header_row_key
            or self._labelled_row_exists
            or self.fixed_columns
            or self.cursor_type != "row"
            or row_key not in self._row_locations
        ):
            return super()._render_line_in_row(
                row_key, line_no, base_style, cursor_location, hover_location
            )
        row_index = self._row_locations.get(row_key)
        assert row_index is not None
        cursor = row_index == cursor_location.row
        hover = row_index == hover_location.row
        row_style = self._get_row_style(row_index, base_style)
        widths = self._frame_widths or self._column_widths()
        component_style, post_style = self._cursor_styles(hover, cursor, css_priority=True)
        pre_style = row_style + component_style
        row = self._data[row_key]
        padding = Segment(" " * self.cell_padding)
        scrollable: list[list[Segment]] = []
        columns = self._frame_columns or [column.key for column in self.ordered_columns]
        for column_index, (column_key, width) in enumerate(zip(columns, widths, strict=True)):
            cell = row.get(column_key)
            key = content_key(cell)
            if key is None or line_no or self.rows[row_key].height != 1:
                scrollable.append(
                    self._render_cell(
                        row_index, column_index, row_style, width, cursor=cursor, hover=hover
                    )[line_no]
                )
                continue
            styled_key = (key, width, pre_style, post_style)
            styled = self._styled_cells.get(styled_key)
            if styled is None:
                assert isinstance(cell, Text)
                line = [
                    padding,
                    *Segment.adjust_line_length(
                        self._content_segments(cell, width - 2 * self.cell_padding),
                        width - 2 * self.cell_padding,
                    ),
                    padding,
                ]
                styled = list(Segment.apply_style(line, pre_style, post_style))
                self._styled_cells[styled_key] = styled
            # The mouse's row and column last: the same styles as DataTable's
            # base + meta + component (the metadata carries no colours).
            meta = self._meta(row_index, column_index)
            scrollable.append(
                [Segment(text, style + meta if style else meta) for text, style, _ in styled]
            )
        remaining = max(0, self.size.width - (sum(widths) + self._row_label_column_width))
        extend_style, _ = self._cursor_styles(hover, cursor, css_priority=False)
        extend_style = (
            row_style
            + extend_style
            + Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        )
        scrollable.append([Segment(" " * remaining, extend_style)])
        return [], scrollable

    def _column_widths(self) -> tuple[int, ...]:
        return tuple(column.get_render_width(self) for column in self.ordered_columns)

    def _cursor_styles(
        self, hover: bool, cursor: bool, *, css_priority: bool
    ) -> tuple[Style, Style]:
        """The cursor's and hover's styles for a data cell (DataTable's own, cached)."""
        return self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            css_priority and self.cursor_foreground_priority == "css",
            css_priority and self.cursor_background_priority == "css",
        )

    def _content_segments(self, cell: Text, inner: int) -> list[Segment]:
        """A cell's text as Rich renders it, once per distinct text (and width, when
        justified)."""
        justified = cell.justify not in (None, "left", "default")
        key = content_key(cell)
        cache_key = (key, inner) if justified else key
        segments = self._cell_content.get(cache_key)
        if segments is None:
            segments = self._text_segments(cell, inner if justified else None)
            self._cell_content[cache_key] = segments
        return segments

    def _meta(self, row_index: int, column_index: int) -> Style:
        """One metadata style per position, so that Rich's style sums are cached."""
        meta = self._cell_meta.get((row_index, column_index))
        if meta is None:
            meta = Style.from_meta({"row": row_index, "column": column_index})
            self._cell_meta[(row_index, column_index)] = meta
        return meta

    def _text_segments(self, cell: Text, width: int | None) -> list[Segment]:
        console = self.app.console
        if width is not None:
            aligned = right_aligned(cell, width)  # the scoreboard's figures: the usual case
            if aligned is None:  # laid out by Rich at the column's width, as Padding does
                return console.render_lines(cell, console.options.update_width(width), pad=True)[0]
            cell = aligned
        return text_segments(console, cell)

    # The widget's style, backgrounds, size and column widths each walk up the DOM or over
    # the columns, and DataTable asks for them on every line and row: answered once a frame.

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame_style = super().rich_style
        self._frame_backgrounds = super().background_colors
        self._frame_size = super().size
        self._frame_widths = self._column_widths()
        self._frame_columns = [column.key for column in self.ordered_columns]
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = self._frame_backgrounds = self._frame_size = None
            self._frame_widths = self._frame_columns = None

    @property
    def size(self) -> Size:
        return self._frame_size if self._frame_size is not None else super().size

    @property
    def rich_style(self) -> Style:
        return self._frame_style if self._frame_style is not None else super().rich_style

    @property
    def background_colors(self) -> tuple[Color, Color]:
        if self._frame_backgrounds is not None:
            return self._frame_backgrounds
        return super().background_colors

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        if row_index >= self.fixed_rows and self.zebra_stripes:  # cached until a refresh
            return self.get_component_rich_style(
                "datatable--odd-row" if row_index % 2 else "datatable--even-row"
            )
        return super()._get_row_style(row_index, base_style)

    def _clear_caches(self) -> None:
        super()._clear_caches()
        self._cell_content.clear()
        self._lines.clear()
        self._looks.clear()
        self._styled_cells.clear()
        self._row_content.clear()

    def notify_style_update(self) -> None:
        self._cell_content.clear()
        self._lines.clear()
        self._looks.clear()
        self._styled_cells.clear()
        super().notify_style_update()
