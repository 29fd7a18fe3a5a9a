"""Every council with an election: a list drawn line by line, updated by key so the cursor
and scroll stay put.

A DataTable did this job at 0.3 ms a line even with its lines cached: a region key at
national scale moved ~45 lines and spent 13 ms of its frame on them. Here each council's
line is drawn once and kept while its cells and look are the same (the cells themselves are
kept while the council's record is); a filter or sort only puts the kept lines in a new order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from feeds.aggregate import is_gain, result_phrase
from feeds.news import changed_hands
from feeds.store import ResultsStore
from tui.formatting import status_text, uk_time
from tui.night import Night, NightUpdate
from tui.parties import party_chip, party_list
from tui.widgets.drawn_lines import to_compositor
from tui.widgets.shown import is_shown
from tui.widgets.table_lines import PAD, TableLines

HIGHLIGHT_SECONDS = 6.0

if TYPE_CHECKING:
    from feeds.models import Council
    from tui.tones import Tones

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
COLUMN_KEYS = [key for key, _ in COLUMNS]
HEADINGS = [Text(label) for _, label in COLUMNS]
#: Below this width the list is narrow: names shortened, two parties' changes, so that the
#: change column ends on screen at 80 columns instead of being cut mid-token.
NARROW = 100
NARROW_NAME = 22

SORTS: dict[str, Callable[[Council, ResultsStore], Any]] = {
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


class CouncilTable(ScrollView, can_focus=True):
    """Every council with an election, one line each under a header that stays put."""

    ALLOW_SELECT = False  # a list to move through, as DataTable's was, not a text to select
    COMPONENT_CLASSES = {
        "council-table--header",
        "council-table--even-row",
        "council-table--odd-row",
        "council-table--cursor",
        "council-table--hover",
    }
    # DataTable's look. The scrollbar's room kept when not needed: a filter that makes the
    # list fit the screen (or not) would otherwise change every line's width.
    DEFAULT_CSS = """
    CouncilTable {
        height: 1fr;
        scrollbar-gutter: stable;
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .council-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .council-table--header {
                background-tint: $foreground 5%;
            }
        }
        & > .council-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .council-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .council-table--even-row {
            background: $surface-lighten-1 50%;
        }
        &:dark > .council-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .council-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .council-table--hover {
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
        super().__init__(id=id)
        self.night = night
        self.sort_by = "name"
        self.narrow = False
        self.cursor_row = 0
        self.hover_row: int | None = None  # under the mouse, until a key moves the cursor
        self.highlighted_ids: set[str] = set()
        self._pending: set[str] | None = set()  # drawn in full when first shown
        # Cells by council, kept while the record and its look are the same: a filter that
        # brings rows back (a region key, then all) need not build them again.
        self._rows_made: dict[str, tuple[Council, Tones, tuple[bool, bool, bool], list[Text]]] = {}
        self._order: list[str] = []  # the councils shown, in order
        self._index: dict[str, int] = {}
        self._shown: dict[str, list[Text]] = {}  # their cells
        self._widths = [heading.cell_len for heading in HEADINGS]  # never narrower
        self._painter = TableLines()
        # Each council's lines as drawn, by look (stripe, cursor, widths): a filter moves a
        # row to a new stripe, and back. Bounded: only councils seen on screen are drawn.
        self._drawn: LRUCache[str, tuple[list[Text], dict[tuple[object, ...], Strip]]]
        self._drawn = LRUCache(4096)
        self._header: tuple[tuple[object, ...], Strip] | None = None
        self._frame: _Frame | None = None

    # What the list shows.

    @property
    def council_ids(self) -> list[str]:
        """The councils shown, in order."""
        return list(self._order)

    @property
    def row_count(self) -> int:
        return len(self._order)

    def get_cell(self, council_id: str, column: str) -> Text:
        return self._shown[council_id][COLUMN_KEYS.index(column)]

    def column_widths(self) -> list[int]:
        """Each column's width on screen, its padding included."""
        return [width + 2 * len(PAD) for width in self._widths]

    def selected_id(self) -> str | None:
        return self._order[self.cursor_row] if self._order else None

    # Following the night.

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
        if update.reset or (update.changes is not None and update.changes.meta):
            self._rows_made.clear()  # parties' colours, regions' names
        if fresh and not update.whole:  # a late joiner's whole state is not "new"
            self.highlight(fresh, HIGHLIGHT_SECONDS)
        # A fast replay can change hundreds of rows in one poll: work nobody would see
        # while the list is on a hidden tab.
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
        # Every row again, columns measured afresh (a column never narrows by itself).
        self._widths = [heading.cell_len for heading in HEADINGS]
        self._shown.clear()
        self._pending = set(self.night.store.councils)
        self.catch_up()
        self.refresh()  # every line at the new widths

    def _cells(self, council: Council, store: ResultsStore) -> list[Text]:
        watched = council.id in self.night.watchlist.ids
        look = (watched, council.id in self.highlighted_ids, self.narrow)
        held = self._rows_made.get(council.id)
        if held is not None and held[0] is council and held[1] is self.night.tones:
            if held[2] == look:
                return held[3]
        cells = self._make_cells(council, store, watched)
        self._rows_made[council.id] = (council, self.night.tones, look, cells)
        return cells

    def _make_cells(self, council: Council, store: ResultsStore, watched: bool) -> list[Text]:
        label = council.name
        if self.narrow and len(label) > NARROW_NAME:
            label = label[: NARROW_NAME - 1] + "…"
        name = Text(("★ " if watched else "") + label)
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
        """Show ``visible`` in the sort's order; only ``changed`` councils' cells are made
        again, and only the lines that changed are drawn again."""
        wanted = {c.id: c for c in visible}
        shown = self._shown
        first_fill = not self._order
        for council_id in [held for held in shown if held not in wanted]:
            del shown[council_id]
        rewritten: list[str] = []
        for council_id in changed:
            council = wanted.get(council_id)
            if council is not None and council_id in shown:
                cells = self._cells(council, store)
                if cells is not shown[council_id]:
                    shown[council_id] = cells
                    rewritten.append(council_id)
        added = [council_id for council_id in wanted if council_id not in shown]
        for council_id in added:
            shown[council_id] = self._cells(wanted[council_id], store)
        self._measure(shown[council_id] for council_id in rewritten + added)
        self._arrange(store, keep_cursor=not first_fill, changed=rewritten)

    def _measure(self, rows: Iterable[list[Text]]) -> None:
        widths = self._widths
        for cells in rows:
            for column, cell in enumerate(cells):
                if cell.cell_len > widths[column]:
                    widths[column] = cell.cell_len

    def _arrange(self, store: ResultsStore, *, keep_cursor: bool, changed: Iterable[str]) -> None:
        """The shown councils in the sort's order; the cursor stays on its council."""
        selected = self.selected_id() if keep_cursor else None
        sort_key = SORTS[self.sort_by]
        councils = store.councils
        order = sorted(self._shown, key=lambda council_id: sort_key(councils[council_id], store))
        if order == self._order and not self._resized():
            self._repaint(changed)
            return
        self._order = order
        self._index = {council_id: index for index, council_id in enumerate(order)}
        row = self._index.get(selected, min(self.cursor_row, len(order) - 1)) if selected else 0
        self.cursor_row = max(0, row)
        self._resized()
        if self.scroll_y > self.max_scroll_y:
            self.scroll_to(y=self.max_scroll_y, animate=False)
        if not keep_cursor:
            self.scroll_to(y=0, animate=False)
        self.refresh()

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

    def _repaint(self, council_ids: Iterable[str]) -> None:
        top = round(self.scroll_y)
        width = self.size.width
        for council_id in council_ids:
            index = self._index.get(council_id)
            if index is not None:
                self.refresh(Region(0, index - top + 1, width, 1))

    def highlight(self, ids: set[str], seconds: float) -> None:
        """Mark new declarations for a moment."""
        self.highlighted_ids |= ids

        def fade() -> None:
            self.highlighted_ids -= ids
            self.refresh_rows(ids)

        self.set_timer(seconds, fade)

    def refresh_rows(self, ids: Iterable[str]) -> None:
        """Make these councils' cells again (their look changed: watched, highlighted)."""
        store = self.night.store
        rewritten = []
        for council_id in ids:
            council = store.councils.get(council_id)
            if council is not None and council_id in self._shown:
                self._shown[council_id] = self._cells(council, store)
                rewritten.append(council_id)
        self._measure(self._shown[council_id] for council_id in rewritten)
        if self._resized():  # a column grew: every line
            self.refresh()
        else:
            self._repaint(rewritten)

    # Drawing.

    def notify_style_update(self) -> None:
        self._painter.clear()
        self._drawn.clear()
        self._header = None
        super().notify_style_update()

    def _styles(self) -> _Frame:
        base = self.rich_style
        cursor = self.get_component_rich_style("council-table--cursor")
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        return _Frame(
            base,
            base + self.get_component_rich_style("council-table--header"),
            base + self.get_component_rich_style("council-table--even-row"),
            base + self.get_component_rich_style("council-table--odd-row"),
            cursor,
            Style.from_color(cursor.color),
            self.get_component_rich_style("council-table--hover"),
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
                line = self._painter.line(self.app.console, HEADINGS, widths, frame.header, full)
                self._header = (look, line)
            line = self._header[1]
        else:
            index = y - 1 + scroll_y
            if index >= len(self._order):
                return Strip.blank(width, frame.base)
            council_id = self._order[index]
            cells = self._shown[council_id]
            style = frame.odd if index % 2 else frame.even
            post = None
            if index == self.hover_row:
                style += frame.hover
            if index == self.cursor_row:
                style, post = style + frame.cursor, frame.cursor_colour
            look = (style, post, widths, full)
            held = self._drawn.get(council_id)
            if held is None or held[0] is not cells or len(held[1]) > 8:
                held = self._drawn[council_id] = (cells, {})
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
        council_id = self.selected_id()
        if council_id is not None:
            self.post_message(self.Selected(council_id))

    async def _on_click(self, event: events.Click) -> None:
        """A click moves the cursor to the council under the pointer; a click on the
        council already under the cursor opens it, as DataTable's row cursor did."""
        index = self._row_at(event)
        if index is None:
            return
        event.stop()
        again = index == self.cursor_row
        self.move_cursor(index)
        if again:
            self.action_select_cursor()

    # Sorting and watching.

    def action_cycle_sort(self) -> None:
        order = list(SORTS)
        self.sort_by = order[(order.index(self.sort_by) + 1) % len(order)]
        self._arrange(self.night.store, keep_cursor=True, changed=())
        self.notify(f"Councils sorted by {self.sort_by}", timeout=2)

    def action_toggle_watch(self) -> None:
        council_id = self.selected_id()
        if council_id:
            self.post_message(self.WatchToggled(council_id))
