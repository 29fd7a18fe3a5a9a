"""Every council with an election, updated by key so the cursor and scroll stay put."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey

from feeds.aggregate import is_gain, result_phrase
from feeds.news import changed_hands
from feeds.store import ResultsStore
from tui.formatting import status_text, uk_time
from tui.night import Night, NightUpdate
from tui.parties import party_chip, party_list
from tui.widgets.cached_table import CachedTable
from tui.widgets.cells import put_cell
from tui.widgets.shown import is_shown

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


class CouncilTable(CachedTable):
    """Every council with an election."""

    # The scrollbar's room kept when not needed: a filter that makes the list fit the screen
    # (or not) would otherwise change every line's width and draw each afresh.
    DEFAULT_CSS = """
    CouncilTable { height: 1fr; scrollbar-gutter: stable; }
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
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.sort_by = "name"
        self.narrow = False
        self._pending: set[str] | None = set()  # drawn in full when first shown
        self.highlighted_ids: set[str] = set()
        self._rows_made: dict[str, tuple[Council, Tones, tuple[bool, bool, bool], list[Text]]] = {}
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
        if update.reset or (update.changes is not None and update.changes.meta):
            self._rows_made.clear()  # parties' colours, regions' names
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

    def _cells(self, council: Council, store: ResultsStore) -> list[Text]:
        """A row's cells, kept while the record and its look are the same: a filter that
        brings rows back (a region key, then all) need not build them again."""
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
        coming = [
            (council_id, self._cells(council, store))
            for council_id, council in wanted.items()
            if council_id not in present
        ]
        if coming:
            self.add_keyed_rows(coming)
            touched = True
        if gone or coming:  # new rows' widths and the list's length, in this frame
            self.measure_now()
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
        self.forget_rows(doomed)
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
