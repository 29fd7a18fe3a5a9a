"""Every council with an election, updated by key so the cursor and scroll stay put."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.binding import Binding
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey

from feeds.aggregate import is_gain, result_phrase
from feeds.news import changed_hands
from feeds.store import ResultsStore
from tui.formatting import status_text, uk_time
from tui.night import Night, NightUpdate
from tui.parties import party_chip, party_list
from tui.widgets.cells import put_cell
from tui.widgets.shown import is_shown

HIGHLIGHT_SECONDS = 6.0

if TYPE_CHECKING:
    from feeds.models import Council

# The result first after the name: at 80 columns it is what must stay on screen.
COLUMNS = (
    ("name", "Council"),
    ("control", "Ctrl"),
    ("result", "Result"),
    ("change", "Change"),
    ("status", "Status"),
    ("seats", "Seats won"),
    ("time", "Decl"),
    ("region", "Region"),
)
#: Below this width the list is narrow: names shortened, two parties' changes, so that the
#: change column ends on screen at 80 columns instead of being cut mid-token.
NARROW = 100
NARROW_NAME = 22

SORTS: dict[str, Callable[[Council, ResultsStore], object]] = {
    "name": lambda c, s: c.name.casefold(),
    "declared": lambda c, s: (
        c.declared_at is None,
        c.declared_at.timestamp() if c.declared_at else 0,
        c.name.casefold(),
    ),
    "region": lambda c, s: (s.region_name(c.region), c.name.casefold()),
    # Most seats changing hands first (a council without figures after those with them).
    "seats changed": lambda c, s: (
        c.seats_change is None,
        -sum(v for v in (c.seats_change or {}).values() if v > 0),
        c.name.casefold(),
    ),
    # Gains, then losses to NOC, then holds, then councils still to declare.
    "control": lambda c, s: (
        (0 if is_gain(c) else 1 if changed_hands(c) else 2) if c.has_result else 3,
        -(c.declared_at.timestamp() if c.declared_at else 0),
        c.name.casefold(),
    ),
}


def _change(council: Council, limit: int = 4) -> Text:
    """Seat changes, marked ``≈`` when approximate (new wards or council size); "n/a" where
    there is nothing to compare with."""
    text = party_list(council.seats_change, signed=True, limit=limit)
    if council.seats_change is not None and council.seats_change_basis == "approximate":
        return Text.assemble(("≈", "dim"), text)
    return text


class CouncilLabel(Text):
    """The name cell, which also carries the council's id for sorting by key."""

    def __init__(self, council_id: str, text: str) -> None:
        super().__init__(text)
        self.council_id = council_id


class CouncilTable(DataTable[Text]):
    """Every council with an election."""

    DEFAULT_CSS = """
    CouncilTable { height: 1fr; }
    """
    BINDINGS = [
        Binding(
            "s",
            "cycle_sort",
            "Sort",
            tooltip="sort by name, declaration time, region, seats changed or change in control",
        ),
        Binding(
            "w",
            "toggle_watch",
            "Watch",
            tooltip="watch or unwatch the selected council (kept between runs)",
        ),
    ]

    class Selected(Message):
        def __init__(self, council_id: str) -> None:
            self.council_id = council_id
            super().__init__()

    class WatchToggled(Message):
        def __init__(self, council_id: str) -> None:
            self.council_id = council_id
            super().__init__()

    def __init__(self, night: Night, *, id: str | None = None) -> None:  # noqa: A002
        self.night = night
        # Each distinct cell text rendered once, then padded to its column. DataTable renders
        # every visible cell through Rich again after any change to the table (its caches are
        # keyed on a change counter), which made a region filter cost ~80 ms of cell rendering.
        self._cell_content: LRUCache[tuple[object, ...], list[Segment]]
        self._cell_content = LRUCache(20_000)
        self._cell_meta: dict[tuple[int, int], Style] = {}
        self._frame_style: Style | None = None
        self._frame_backgrounds: tuple[Color, Color] | None = None
        self._frame_size: Size | None = None
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.sort_by = "name"
        self.narrow = False
        self._pending: set[str] | None = set()  # drawn in full when first shown
        self.highlighted_ids: set[str] = set()
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def on_mount(self) -> None:
        self.night.changed.subscribe(self, self._changed, immediate=True)
        if is_shown(self):  # its tab was chosen before it was mounted
            self.catch_up()
            self.focus()

    def _changed(self, update: NightUpdate) -> None:
        store = self.night.store
        fresh = {
            item.council_id
            for item in update.news
            if item.council_id is not None and item.kind in ("declared", "corrected", "redeclared")
        }
        changed = set(store.councils) if update.reset or update.view_changed else update.councils
        if fresh and not update.whole:  # a late joiner's whole state is not "new"
            self.highlight(fresh, HIGHLIGHT_SECONDS)
        # A fast replay can change hundreds of rows in one poll: work nobody would see
        # while the table is on a hidden tab.
        self._pending = (self._pending or set()) | set(changed)
        if is_shown(self):
            self.catch_up()

    def on_show(self) -> None:
        self.catch_up()

    def on_resize(self) -> None:
        narrow = self.app.size.width < NARROW
        if narrow == self.narrow:
            return
        self.narrow = narrow
        # Every row again, columns measured afresh (a column never shrinks by itself).
        cursor = self.selected_id()
        self.clear()
        for column in self.columns.values():
            column.content_width = column.label.cell_len
        self._pending = set(self.night.store.councils)
        self.catch_up()
        if cursor is not None and cursor in {k.value for k in self.rows}:
            self.move_cursor(row=self.get_row_index(cursor), animate=False)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """DataTable's cell rendering, with the Rich render of the text reused: the same
        segments as ``Styled(Padding(cell), pre, post)``, since styling maps each segment."""
        row_key = self._row_locations.get_key(row_index) if row_index >= 0 else None
        column_key = self._column_locations.get_key(column_index) if column_index >= 0 else None
        cell = (
            self._data[row_key].get(column_key)
            if row_key is not None and column_key is not None
            else None
        )
        if row_key is None or not isinstance(cell, Text) or self.rows[row_key].height != 1:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        # By content: a filter removes and re-adds rows, with new but equal cells.
        content_key = (cell.plain, cell.style, tuple(cell.spans))
        segments = self._cell_content.get(content_key)
        if segments is None:
            segments = self._cell_content[content_key] = self._text_segments(cell)
        padding = Segment(" " * self.cell_padding)
        line = [
            padding,
            *Segment.adjust_line_length(segments, width - 2 * self.cell_padding),
            padding,
        ]
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            row_index < self.fixed_rows or column_index < self.fixed_columns,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        meta = self._cell_meta.get((row_index, column_index))
        if meta is None:  # one meta style per position, so that Rich's style sums are cached
            meta = Style.from_meta({"row": row_index, "column": column_index})
            self._cell_meta[(row_index, column_index)] = meta
        pre_style = base_style + meta + component_style
        return [list(Segment.apply_style(line, pre_style, post_style))]

    # The widget's style, backgrounds and size each walk up the DOM, and DataTable asks for
    # them on every line and row: answered once per frame instead.

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame_style = super().rich_style
        self._frame_backgrounds = super().background_colors
        self._frame_size = super().size
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = self._frame_backgrounds = self._frame_size = None

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

    def _text_segments(self, cell: Text) -> list[Segment]:
        console = self.app.console
        if cell.spans:  # the base style is one of the spans Text.render combines
            return list(cell.render(console, end=""))
        # Text.render leaves out the base style when there are no spans.
        return [Segment(cell.plain, console.get_style(cell.style, default=Style.null()))]

    def _clear_caches(self) -> None:
        super()._clear_caches()
        self._cell_content.clear()

    def _cells(self, council: Council, store: ResultsStore) -> list[Text]:
        watched = council.id in self.night.watchlist.ids
        label = council.name
        if self.narrow and len(label) > NARROW_NAME:
            label = label[: NARROW_NAME - 1] + "…"
        name = CouncilLabel(council.id, ("★ " if watched else "") + label)
        if council.id in self.highlighted_ids:
            name.stylize("bold reverse")
        # Before a result the status column says it all; "—" keeps the result column quiet.
        result = Text(result_phrase(council)) if council.has_result else Text("—", style="dim")
        if is_gain(council):
            result.stylize("bold")
        control = council.control_after if council.has_result else council.control_before
        chip = party_chip(control, store)
        if not council.has_result:
            chip.stylize("dim")
        change = _change(council, 2 if self.narrow else 4) if council.has_result else Text("")
        return [
            name,
            chip,
            result,
            change,
            status_text(council.status, self.night.tones, council.recount),
            party_list(council.seats_won) if council.has_result else Text(""),
            Text(uk_time(council.declared_at)),
            Text(store.region_name(council.region)),
        ]

    def catch_up(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            store = self.night.store
            self.sync(store, self.night.view.councils(store), pending)

    def sync(self, store: ResultsStore, visible: Iterable[Council], changed: Iterable[str]) -> None:
        """Bring the rows in line with ``visible``: remove, add, and rewrite only ``changed``."""
        wanted = {c.id: c for c in visible}
        present = {key.value for key in self.rows if key.value is not None}
        first_fill = not present
        touched = False
        gone = present - set(wanted)
        if gone:
            self._remove_rows(gone)
            touched = True
        for council_id, council in wanted.items():
            if council_id not in present:
                self.add_row(*self._cells(council, store), key=council_id)
                touched = True
        for council_id in changed:
            if council_id in wanted and council_id in present:
                self._rewrite(council_id, self._cells(wanted[council_id], store))
                touched = True
        if touched:
            self._resort(store)
        if first_fill and self.row_count:  # the first row in order, not the first added
            self.move_cursor(row=0, animate=False, scroll=True)

    def _remove_rows(self, keys: set[str]) -> None:
        """``remove_row`` for many rows at once. DataTable re-indexes every row on each
        removal, which made a region filter (hundreds of removals) take hundreds of ms."""
        if len(keys) == 1:
            self.remove_row(next(iter(keys)))
            return
        doomed = [row_key for row_key in self.rows if row_key.value in keys]
        self._require_update_dimensions = True
        self.check_idle()
        kept = sorted(
            (self._row_locations.get(row_key), row_key)
            for row_key in self._row_locations
            if row_key.value not in keys
        )
        self._row_locations = TwoWayDict({row_key: i for i, (_, row_key) in enumerate(kept)})
        for row_key in doomed:
            for column_key in self._data.get(row_key, {}):
                self._updated_cells.discard(CellKey(row_key, column_key))
            del self.rows[row_key]
            del self._data[row_key]
        self.cursor_coordinate = self.cursor_coordinate
        self.hover_coordinate = self.hover_coordinate
        self._update_count += 1
        self.refresh(layout=True)

    def _rewrite(self, council_id: str, cells: list[Text]) -> None:
        for (column, _), cell in zip(COLUMNS, cells, strict=True):
            put_cell(self, council_id, column, cell)

    def highlight(self, ids: set[str], seconds: float) -> None:
        """Mark new declarations for a moment."""
        self.highlighted_ids |= ids

        def fade() -> None:
            self.highlighted_ids -= ids
            self.refresh_rows(ids)

        self.set_timer(seconds, fade)

    def refresh_rows(self, ids: Iterable[str]) -> None:
        store = self.night.store
        present = {key.value for key in self.rows}
        for council_id in ids:
            council = store.councils.get(council_id)
            if council is not None and council_id in present:
                self._rewrite(council_id, self._cells(council, store))

    def _resort(self, store: ResultsStore) -> None:
        sort_key = SORTS[self.sort_by]
        councils = store.councils
        cursor_key = self.selected_id()
        self.sort("name", key=lambda cell: sort_key(councils[cell.council_id], store))
        if cursor_key is not None:
            # Keep the cursor on the council the user was on, not on whatever moved there.
            self.move_cursor(row=self.get_row_index(cursor_key), animate=False, scroll=False)

    def action_cycle_sort(self) -> None:
        order = list(SORTS)
        self.sort_by = order[(order.index(self.sort_by) + 1) % len(order)]
        self._resort(self.night.store)
        self.notify(f"Councils sorted by {self.sort_by}", timeout=2)

    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def action_toggle_watch(self) -> None:
        council_id = self.selected_id()
        if council_id:
            self.post_message(self.WatchToggled(council_id))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(self.Selected(event.row_key.value))
