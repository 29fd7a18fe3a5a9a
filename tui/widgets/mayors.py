"""Mayoral contests: candidates, party, first and final round votes, the winner."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import DataTable

from feeds.store import ResultsStore
from tui.view import party_chip, put_cell, status_text

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


def _votes(value: int | None) -> Text:
    return Text(f"{value:,}" if value is not None else "—", justify="right")


class MayorsTable(DataTable[Text]):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def _rows(self, contest: MayoralContest, store: ResultsStore) -> dict[str, list[Text]]:
        rows: dict[str, list[Text]] = {}
        candidates = contest.candidates or []
        ranked = sorted(
            candidates, key=lambda c: (not c.elected, -(c.final_round or 0), -(c.first_round or 0))
        )
        if not ranked:
            rows[f"{contest.id}#0"] = [
                Text(contest.name),
                status_text(contest.status),
                Text(""),
                Text(""),
                Text(""),
                Text(""),
                Text(""),
            ]
        for index, candidate in enumerate(ranked):
            rows[f"{contest.id}#{index}"] = [
                Text(contest.name if index == 0 else ""),
                status_text(contest.status) if index == 0 else Text(""),
                Text(candidate.name),
                party_chip(candidate.party, store, width=5),
                _votes(candidate.first_round),
                _votes(candidate.final_round),
                Text("✔ elected", style="bold green") if candidate.elected else Text(""),
            ]
        return rows

    def show(self, store: ResultsStore, contests: list[MayoralContest]) -> None:
        wanted: dict[str, list[Text]] = {}
        for contest in sorted(contests, key=lambda c: c.name.casefold()):
            wanted.update(self._rows(contest, store))
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
