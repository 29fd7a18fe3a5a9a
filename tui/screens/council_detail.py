"""A council's detail: composition before and after, seats won and changes, turnout,
declaration time and every revision seen (recounts, corrections)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from feeds.aggregate import result_phrase, vote_share, ward_majority
from feeds.store import ResultsStore
from tui.formatting import status_text, uk_datetime
from tui.night import Night, NightUpdate, Revision
from tui.parties import party_chip
from tui.screens.ward_detail import WardDetail
from tui.tones import Tones
from tui.widgets.cells import same_cell
from tui.widgets.ward_map import WardMap

if TYPE_CHECKING:
    from feeds.models import Council, WardContest


def render_detail(
    council: Council,
    store: ResultsStore,
    revisions: list[Revision],
    watched: bool,
    tones: Tones,
) -> list[Text | Table]:
    title = Text(council.name, style="bold")
    if watched:
        title.append("  ★ watched", style=tones.watched)
    head = Text()
    head.append(f"{store.region_name(council.region)} · {council.council_type} · ")
    head.append(f"{council.total_seats} seats, {council.seats_up} up\n")
    head.append("Status:         ")
    head.append_text(status_text(council.status, tones, council.recount))
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

    from_wards = store.seats_from_wards(council.id)
    seats_won = from_wards if from_wards is not None else council.seats_won
    if council.seats_change is not None and council.seats_change_basis:
        head.append(f"\nSeat changes:   {council.seats_change_basis}", style="")
        if council.seats_change_basis == "approximate":
            head.append(" (new wards or council size: a whole-council comparison)", style="dim")
    elif council.has_result and council.seats_change is None:
        head.append("\nSeat changes:   none (no previous result to compare with)")
    if council.total_seats_before is not None:
        head.append(
            f"\nCouncil size:   {council.total_seats_before} before, {council.total_seats} now"
        )
    parties: list[str] = []
    for mapping in (
        council.composition_before,
        council.composition_after,
        seats_won,
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
            cell(seats_won, code),
            cell(council.seats_change, code, sign=True),
        )
    history = Table(title="Revisions seen", expand=False, show_edge=False)
    for column in ("Rev", "Status", "Seen", "Note"):
        history.add_column(column)
    for rev in revisions:
        history.add_row(
            str(rev.revision),
            status_text(rev.status, tones, rev.recount),
            rev.seen_at,
            Text(rev.note or ""),
        )
    return [title, head, table, _vote_share(store, council.id), history]


def _vote_share(store: ResultsStore, council_id: str) -> Text:
    wards = store.wards_by_council.get(council_id, {}).values()
    share = vote_share(wards)
    if not share.total:
        return Text("Vote share: no votes declared yet.", style="dim")
    text = Text("Vote share  ", style="bold")
    for party, _ in sorted(share.votes.items(), key=lambda item: -item[1])[:8]:
        text.append_text(party_chip(party, store))
        text.append(f" {share.share(party):.1f}%  ")
    text.append(
        f"\nOf {share.total:,} votes in {share.wards_counted} declared contested wards. In a "
        "multi-member ward each voter has a vote per seat, so this is a share of votes, not of "
        "voters; under STV, of first preferences.",
        style="dim",
    )
    return text


WARD_COLUMNS = (("ward", "Ward"), ("status", "Status"), ("won", "Elected"),
                ("majority", "Majority"), ("turnout", "Turnout"),
                ("winners", "Winners (votes)"))  # fmt: skip


def _winners(ward: WardContest) -> Text:
    elected = sorted(
        (c for c in ward.candidates if c.elected),
        key=lambda c: (c.elected_at_stage or 0, -(c.votes or 0)),
    )
    if not elected:
        return Text("")
    parts = [
        f"{c.name.split()[-1]} {c.votes:,}" if c.votes is not None else c.name.split()[-1]
        for c in elected
    ]
    return Text(", ".join(parts))


def ward_cells(ward: WardContest, store: ResultsStore, tones: Tones) -> list[Text]:
    elected = sorted(ward.elected_by_party().items(), key=lambda item: -item[1])
    won = Text()
    for party, seats in elected:
        won.append_text(party_chip(party, store, width=len(party) + 1))
        if seats > 1:
            won.append(f"×{seats} ")
    if not elected:
        won = Text("—" if ward.has_result else "", style="dim")
    majority = ward_majority(ward)
    return [
        Text(ward.name),
        status_text(ward.status, tones, ward.recount),
        won,
        Text(f"{majority:,}" if majority is not None else "—", justify="right"),
        Text(f"{ward.turnout:.1f}%" if ward.turnout is not None else "—", justify="right"),
        _winners(ward),
    ]


class WardTable(DataTable[Text]):
    """The council's wards; Enter opens one. Updated by key, like every table."""

    BINDINGS = [
        Binding(
            "enter",
            "select_cursor",
            "Open ward",
            tooltip="on a ward: its candidates, votes and, under STV, every stage",
        )
    ]

    def on_mount(self) -> None:
        for key, label in WARD_COLUMNS:
            self.add_column(label, key=key)

    def show(self, wards: list[WardContest], store: ResultsStore, tones: Tones) -> None:
        for ward in wards:
            cells = ward_cells(ward, store, tones)
            if ward.id in self.rows:
                for (column, _), cell in zip(WARD_COLUMNS, cells, strict=True):
                    if not same_cell(self.get_cell(ward.id, column), cell):
                        self.update_cell(ward.id, column, cell, update_width=True)
            else:
                self.add_row(*cells, key=ward.id)


class CouncilDetail(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", tooltip="back to where you were"),
        Binding("w", "watch", "Watch", tooltip="watch or unwatch this council"),
    ]
    DEFAULT_CSS = """
    CouncilDetail { align: center middle; }
    CouncilDetail > VerticalScroll {
        width: 95%; max-width: 130; height: 90%; border: thick $accent; background: $surface;
        padding: 0 1;
    }
    CouncilDetail Static { margin-bottom: 1; }
    CouncilDetail WardTable { height: auto; margin-bottom: 1; }
    CouncilDetail WardMap { margin-bottom: 1; }
    """

    def __init__(self, night: Night, council_id: str) -> None:
        super().__init__()
        self.night = night
        self.council_id = council_id

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            for index in range(4):
                yield Static("", id=f"part-{index}", markup=False)
            yield WardMap(self.night, self.council_id, id="ward-map")
            yield Static("", id="wards-heading", markup=False)
            yield WardTable(id="ward-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="part-4", markup=False)

    def on_mount(self) -> None:
        self.night.changed.subscribe(self, self._changed, immediate=True)
        self.refresh_detail()
        table = self.query_one(WardTable)
        if table.display:  # the arrow keys and Enter go to the wards; the top stays in view
            table.focus(scroll_visible=False)

    def _changed(self, update: NightUpdate) -> None:
        if update.touches(self.council_id):
            self.refresh_detail()

    def refresh_detail(self) -> None:
        night = self.night
        store = night.store
        council = store.councils.get(self.council_id)
        if council is None:
            return
        parts = render_detail(
            council,
            store,
            night.revisions.get(self.council_id, []),
            self.council_id in night.watchlist.ids,
            night.tones,
        )
        for index, part in enumerate(parts):
            self.query_one(f"#part-{index}", Static).update(part)
        wards = sorted(
            store.wards_by_council.get(self.council_id, {}).values(),
            key=lambda w: w.name.casefold(),
        )
        self.query_one(WardMap).redraw()
        table = self.query_one(WardTable)
        table.display = bool(wards)
        heading = self.query_one("#wards-heading", Static)
        heading.display = bool(wards)
        if wards:
            counted = [w for w in wards if w.status != "cancelled"]
            declared = sum(1 for w in counted if w.has_result)
            heading.update(
                Text.assemble(
                    ("Wards", "bold"),
                    f"  {declared} of {len(counted)} declared · Enter opens a ward",
                )
            )
            table.show(wards, store, night.tones)

    @on(DataTable.RowSelected, "#ward-table")
    def _open_ward(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.push_screen(WardDetail(self.night, event.row_key.value))

    def action_watch(self) -> None:
        message = self.night.toggle_watch(self.council_id)
        if message:
            self.notify(message, timeout=3)
