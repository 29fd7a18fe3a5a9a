"""A ward's result: every candidate with party, votes, share and who was elected, and under
STV every stage of the count."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from feeds.aggregate import ward_majority, ward_votes
from feeds.store import ResultsStore
from tui.formatting import status_text, uk_datetime
from tui.night import Night, NightUpdate
from tui.parties import party_chip
from tui.tones import Tones

if TYPE_CHECKING:
    from feeds.models import WardContest


def _number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def render_ward(ward: WardContest, store: ResultsStore, tones: Tones) -> list[Text | Table]:
    elected = tones.good + Style(bold=True)
    council = store.councils.get(ward.council)
    title = Text(ward.name, style="bold")
    title.append(f"  {council.name if council else ward.council}", style="dim")
    head = Text()
    head.append("Status:      ")
    head.append_text(status_text(ward.status, tones, ward.recount))
    seats = f"{ward.seats} seat{'s' if ward.seats > 1 else ''}"
    count = "single transferable vote" if ward.count_type == "stv" else "first past the post"
    head.append(f"\nSeats:       {seats}, {count}")
    if ward.by_election:
        head.append(" (a same-day by-election)")
    head.append(f"\nElectorate:  {_number(ward.electorate)}")
    turnout = f"{ward.turnout:.1f}%" if ward.turnout is not None else "—"
    head.append(f"\nTurnout:     {turnout}")
    head.append(f"\nValid votes: {_number(ward.valid_votes)}   Rejected: {_number(ward.rejected)}")
    if ward.count_type == "stv":
        head.append(f"\nQuota:       {_number(ward.quota)}")
    majority = ward_majority(ward)
    if majority is not None:
        head.append(f"\nMajority:    {majority:,}")
    head.append(f"\nDeclared:    {uk_datetime(ward.declared_at)}")
    if ward.note:
        head.append("\nNote: ", style="bold")
        head.append(ward.note)

    total = ward_votes(ward)
    first = "First prefs" if ward.count_type == "stv" else "Votes"
    candidates = Table(title="Candidates", expand=False, show_edge=False)
    for column in ("", "Candidate", "Party", "", first, "Share"):
        candidates.add_column(column, justify="right" if column in (first, "Share") else "left")
    ranked = sorted(ward.candidates, key=lambda c: (-(c.votes or 0), c.name))
    for candidate in ranked:
        share = f"{100 * (candidate.votes or 0) / total:.1f}%" if total else "—"
        candidates.add_row(
            Text("✓ elected" if candidate.elected else "", style=elected),
            Text(candidate.name, style="bold" if candidate.elected else ""),
            party_chip(candidate.party, store),
            Text(candidate.party_name or "", style="dim"),
            _number(candidate.votes),
            share,
        )
    parts: list[Text | Table] = [title, head, candidates]
    stage_count = max((len(c.stages or []) for c in ward.candidates), default=0)
    if ward.count_type == "stv" and stage_count:
        stages = Table(title="Stages of the count (✓ where elected)", expand=False, show_edge=False)
        stages.add_column("Candidate")
        for number in range(1, stage_count + 1):
            stages.add_column(str(number), justify="right")
        for candidate in ranked:
            cells = [Text(candidate.name[:24])]
            for number, value in enumerate(candidate.stages or [], start=1):
                mark = " ✓" if candidate.elected_at_stage == number else ""
                cells.append(Text(f"{value:,.2f}".rstrip("0").rstrip(".") + mark,
                                  style=elected if mark else ""))  # fmt: skip
            if not candidate.stages:
                cells.extend(Text("—", style="dim") for _ in range(stage_count))
            stages.add_row(*cells)
        parts.append(stages)
    else:
        parts.append(Text(""))
    return parts


class WardDetail(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "dismiss", "Close")]
    DEFAULT_CSS = """
    WardDetail { align: center middle; }
    WardDetail > VerticalScroll {
        width: 95%; max-width: 150; height: 90%; border: thick $accent; background: $surface;
        padding: 0 1;
    }
    WardDetail Static { margin-bottom: 1; width: auto; }
    """

    def __init__(self, night: Night, ward_id: str) -> None:
        super().__init__()
        self.night = night
        self.ward_id = ward_id

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            for index in range(4):
                yield Static("", id=f"ward-part-{index}", markup=False)

    def on_mount(self) -> None:
        self.night.changed.subscribe(self, self._changed, immediate=True)
        self.refresh_detail()

    def _changed(self, update: NightUpdate) -> None:
        changes = update.changes
        if changes is None or update.reset or self.ward_id in changes.wards:
            self.refresh_detail()

    def refresh_detail(self) -> None:
        store = self.night.store
        ward = store.wards.get(self.ward_id)
        if ward is None:
            return
        for index, part in enumerate(render_ward(ward, store, self.night.tones)):
            self.query_one(f"#ward-part-{index}", Static).update(part)
