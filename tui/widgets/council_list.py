"""Every council with an election, updated by key so the cursor and scroll stay put.

A council's cells are made again only when its record (or its look: watched, new) changes;
its line is drawn once per look and kept (``DrawnTable``): a filter or a sort only puts the
kept lines in a new order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from feeds.aggregate import is_gain, result_phrase
from feeds.news import changed_hands
from feeds.store import ResultsStore
from tui.formatting import status_text, uk_time
from tui.night import Night, NightUpdate
from tui.parties import party_chip, party_list
from tui.widgets.drawn_table import DrawnTable
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
COLUMN_KEYS = [key for key, _ in COLUMNS]
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


class CouncilTable(DrawnTable):
    """Every council with an election, one line each under a header that stays put."""

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
        super().__init__([label for _, label in COLUMNS], id=id)
        self.night = night
        self.sort_by = "name"
        self.narrow = False
        self.highlighted_ids: set[str] = set()
        self._pending: set[str] | None = set()  # drawn in full when first shown
        # Cells by council, kept while the record and its look are the same: a filter that
        # brings rows back (a region key, then all) need not build them again.
        self._rows_made: dict[str, tuple[Council, Tones, tuple[bool, bool, bool], list[Text]]] = {}

    # What the list shows.

    @property
    def council_ids(self) -> list[str]:
        """The councils shown, in order."""
        return self.keys

    def get_cell(self, council_id: str, column: str) -> Text:
        return self.rows[council_id][COLUMN_KEYS.index(column)]

    def selected_id(self) -> str | None:
        return self.selected_key()

    def chosen(self, key: str) -> None:
        self.post_message(self.Selected(key))

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
        self.reset_widths()
        self.rows.clear()
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
        rows = self.rows
        first_fill = not self.row_count
        for council_id in [held for held in rows if held not in wanted]:
            del rows[council_id]
        rewritten: list[str] = []
        for council_id in changed:
            council = wanted.get(council_id)
            if council is not None and council_id in rows:
                cells = self._cells(council, store)
                if cells is not rows[council_id]:
                    rows[council_id] = cells
                    rewritten.append(council_id)
        added = [council_id for council_id in wanted if council_id not in rows]
        for council_id in added:
            rows[council_id] = self._cells(wanted[council_id], store)
        self.measure(rows[council_id] for council_id in rewritten + added)
        self.put_order(self._sorted(store), keep_cursor=not first_fill, changed=rewritten)

    def _sorted(self, store: ResultsStore) -> list[str]:
        sort_key = SORTS[self.sort_by]
        councils = store.councils
        return sorted(self.rows, key=lambda council_id: sort_key(councils[council_id], store))

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
            if council is not None and council_id in self.rows:
                self.rows[council_id] = self._cells(council, store)
                rewritten.append(council_id)
        self.rows_changed(rewritten)

    # Sorting and watching.

    def action_cycle_sort(self) -> None:
        order = list(SORTS)
        self.sort_by = order[(order.index(self.sort_by) + 1) % len(order)]
        self.put_order(self._sorted(self.night.store), keep_cursor=True, changed=())
        self.notify(f"Councils sorted by {self.sort_by}", timeout=2)

    def action_toggle_watch(self) -> None:
        council_id = self.selected_id()
        if council_id:
            self.post_message(self.WatchToggled(council_id))
