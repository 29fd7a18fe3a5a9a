"""A council's detail: composition before and after, seats won and changes, turnout,
declaration time and every revision seen (recounts, corrections)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from feeds.aggregate import result_phrase
from feeds.store import ResultsStore
from tui.view import party_chip, status_text, uk_datetime

if TYPE_CHECKING:
    from feeds.models import Council
    from tui.app import ElectionNightApp


@dataclass(frozen=True, slots=True)
class Revision:
    revision: int
    status: str
    recount: int | None
    note: str | None
    seen_at: str  # UK time the app saw it


def render_detail(
    council: Council, store: ResultsStore, revisions: list[Revision], watched: bool
) -> list[object]:
    title = Text(council.name, style="bold")
    if watched:
        title.append("  ★ watched", style="yellow")
    head = Text()
    head.append(f"{store.region_name(council.region)} · {council.council_type} · ")
    head.append(f"{council.total_seats} seats, {council.seats_up} up\n")
    head.append("Status:         ")
    head.append_text(status_text(council.status, council.recount))
    head.append("\nResult:         ")
    head.append(result_phrase(council), style="bold")
    head.append("\nControl before: ")
    head.append_text(party_chip(council.control_before, store))
    head.append("\nControl after:  ")
    head.append_text(party_chip(council.control_after if council.has_result else None, store))
    head.append(f"\nDeclared:       {uk_datetime(council.declared_at)}")
    turnout = f"{council.turnout:.1f}%" if council.turnout is not None else "not supplied"
    electorate = f"{council.electorate:,}" if council.electorate is not None else "not supplied"
    head.append(f"\nTurnout:        {turnout}\nElectorate:     {electorate}")
    if council.note:
        head.append("\nNote: ", style="bold")
        head.append(council.note)

    parties: list[str] = []
    for mapping in (
        council.composition_before,
        council.composition_after,
        council.seats_won,
        council.seats_change,
    ):
        for code in mapping or {}:
            if code not in parties:
                parties.append(code)
    table = Table(title="Seats by party", expand=False, show_edge=False)
    for column in ("Party", "Before", "After", "Won", "Change"):
        table.add_column(column, justify="left" if column == "Party" else "right")

    def cell(mapping: dict[str, int] | None, code: str, sign: bool = False) -> Text:
        if mapping is None:
            return Text("n/a", style="dim")
        value = mapping.get(code, 0)
        return Text(f"{value:+d}" if sign and value else str(value))

    for code in parties:
        table.add_row(
            party_chip(code, store),
            cell(council.composition_before, code),
            cell(council.composition_after, code),
            cell(council.seats_won, code),
            cell(council.seats_change, code, sign=True),
        )
    history = Table(title="Revisions seen", expand=False, show_edge=False)
    for column in ("Rev", "Status", "Seen", "Note"):
        history.add_column(column)
    for rev in revisions:
        history.add_row(
            str(rev.revision),
            status_text(rev.status, rev.recount),
            rev.seen_at,
            Text(rev.note or ""),
        )
    return [title, head, table, history]


class CouncilDetail(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "dismiss", "Close"), Binding("w", "watch", "Watch")]
    DEFAULT_CSS = """
    CouncilDetail { align: center middle; }
    CouncilDetail > VerticalScroll {
        width: 90%; max-width: 100; height: 90%; border: thick $accent; background: $surface;
        padding: 0 1;
    }
    CouncilDetail Static { margin-bottom: 1; }
    """

    def __init__(self, council_id: str) -> None:
        super().__init__()
        self.council_id = council_id

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            for index in range(4):
                yield Static("", id=f"part-{index}", markup=False)

    def on_mount(self) -> None:
        self.refresh_detail()

    def refresh_detail(self) -> None:
        app = cast("ElectionNightApp", self.app)
        council = app.store.councils.get(self.council_id)
        if council is None:
            return
        parts = render_detail(
            council,
            app.store,
            app.revisions.get(self.council_id, []),
            self.council_id in app.watchlist.ids,
        )
        for index, part in enumerate(parts):
            self.query_one(f"#part-{index}", Static).update(part)  # type: ignore[arg-type]

    def action_watch(self) -> None:
        self.app.toggle_watch(self.council_id)  # type: ignore[attr-defined]
        self.refresh_detail()
