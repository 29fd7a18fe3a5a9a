"""Mayoral contests: candidates, party, first and final round votes, the winner."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable

from feeds.store import ResultsStore
from tui.formatting import status_text
from tui.night import Night, NightUpdate
from tui.parties import party_chip
from tui.widgets.cells import put_cell
from tui.widgets.shown import DrawnWhenShown, is_shown

if TYPE_CHECKING:
    from feeds.models import MayoralContest

COLUMNS = (
    ("contest", "Contest"),
    ("status", "Status"),
    ("candidate", "Candidate"),
    ("party", "Party"),
    ("first", "1st round"),
    ("final", "Final"),
    ("elected", ""),
)


EMPTY = "#none"


def _votes(value: int | None) -> Text:
    return Text(f"{value:,}" if value is not None else "—", justify="right")


class MayorsTable(DrawnWhenShown, DataTable[Text]):
    DEFAULT_CSS = """
    MayorsTable { height: 1fr; }
    """

    def __init__(self, night: Night, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.night = night
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def on_mount(self) -> None:
        self.night.changed.subscribe(self, self._changed, immediate=True)
        if is_shown(self):  # its tab was chosen before it was mounted
            self.draw_now()
            self.focus()

    def _changed(self, update: NightUpdate) -> None:
        changes = update.changes
        if changes is None or changes.mayors or changes.meta or update.reset:
            self.behind()

    def draw(self) -> None:
        night = self.night
        store = night.store
        regions = night.view.regions(store) if night.view.active else None
        contests = [m for m in store.mayors.values() if regions is None or m.region in regions]
        self.show(store, contests)

    def _rows(self, contest: MayoralContest, store: ResultsStore) -> dict[str, list[Text]]:
        tones = self.night.tones
        elected = tones.good + Style(bold=True)
        rows: dict[str, list[Text]] = {}
        candidates = contest.candidates or []
        ranked = sorted(
            candidates, key=lambda c: (not c.elected, -(c.final_round or 0), -(c.first_round or 0))
        )
        if not ranked:
            rows[f"{contest.id}#0"] = [
                Text(contest.name),
                status_text(contest.status, tones),
                Text(""),
                Text(""),
                Text(""),
                Text(""),
                Text(""),
            ]
        for index, candidate in enumerate(ranked):
            rows[f"{contest.id}#{index}"] = [
                Text(contest.name if index == 0 else ""),
                status_text(contest.status, tones) if index == 0 else Text(""),
                Text(candidate.name),
                party_chip(candidate.party, store, width=5),
                _votes(candidate.first_round),
                _votes(candidate.final_round),
                Text("✔ elected", style=elected) if candidate.elected else Text(""),
            ]
        return rows

    def show(self, store: ResultsStore, contests: list[MayoralContest]) -> None:
        wanted: dict[str, list[Text]] = {}
        for contest in sorted(contests, key=lambda c: c.name.casefold()):
            wanted.update(self._rows(contest, store))
        if not wanted:  # an empty table reads as a fault: say why it is empty
            why = "No mayoral contests in this view." if store.mayors else "No mayoral contests."
            wanted[EMPTY] = [Text(why, style="dim"), *(Text("") for _ in COLUMNS[1:])]
        order = {key: index for index, key in enumerate(wanted)}
        present = {key.value for key in self.rows if key.value is not None}
        for key in present - set(wanted):
            self.remove_row(key)
        for key, cells in wanted.items():
            cells[0] = OrderedText(order[key], cells[0].plain)
            if key not in present:
                self.add_row(*cells, key=key)
                continue
            for (column, _), cell in zip(COLUMNS, cells, strict=True):
                put_cell(self, key, column, cell)
        if [r.key.value for r in self.ordered_rows] != list(wanted):
            self.sort("contest", key=lambda cell: cell.order)


class OrderedText(Text):
    """A cell that carries its row's place, so rows sort by contest then candidate rank."""

    def __init__(self, order: int, text: str) -> None:
        super().__init__(text)
        self.order = order
