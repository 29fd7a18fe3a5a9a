"""The scoreboard: councils and councillors per party, NOC, declared N of M, and PNS."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from feeds.news import control_changes, headline
from feeds.reference import NOC
from tui.formatting import signed
from tui.night import Night, NightUpdate
from tui.parties import party_chip
from tui.tones import Tones
from tui.widgets.drawn_static import DrawnStatic
from tui.widgets.scoreboard_table import ScoreboardTable
from tui.widgets.shown import DrawnWhenShown

if TYPE_CHECKING:  # the numbers load with the first answer, not before the first frame
    from feeds.aggregate import Scoreboard, ScoreboardTally
    from feeds.store import ResultsStore

COLUMNS = (
    ("party", "Party"),
    ("councils", "Councils"),
    ("councils_change", "+/-"),
    ("councillors", "Cllrs"),
    ("councillors_change", "+/-"),
    ("pns", "PNS"),
    ("pns_change", "+/-"),
)


def _number(value: int | None, tones: Tones, *, change: bool = False) -> Text:
    if value is None:  # the feed has no such figures: unknown, never zero
        return Text("—", style="dim", justify="right")
    text = signed(value) if change else str(value)
    style: Style | str = ""
    if change and value > 0:
        style = tones.good
    elif change and value < 0:
        style = tones.bad
    return Text(text, style=style, justify="right")


# Room kept for the widest figures of a night (e.g. "-1330" councillors), so that a column
# does not widen, and the screen lay out again, when a figure first needs one more digit.
MIN_WIDTHS = {"councils_change": 3, "councillors": 5, "councillors_change": 5}


def _label(key: str, label: str) -> Text:
    return Text(label, justify="left" if key == "party" else "right")


class ScoreboardPanel(DrawnWhenShown, Vertical):
    """The headline, what has declared, the table of parties and what the figures cover:
    after a poll only the table's rows whose figures changed are drawn again."""

    DEFAULT_CSS = """
    ScoreboardPanel { height: auto; }
    ScoreboardPanel > #headline { padding: 0 1; }
    ScoreboardPanel > #declared { padding: 0 1; text-style: bold; }
    ScoreboardPanel > #coverage { padding: 0 1; color: $text-muted; min-height: 2; }
    ScoreboardPanel.-waiting > #declared, ScoreboardPanel.-waiting > #coverage {
        display: none;
    }
    """

    def __init__(self, night: Night, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes="-waiting")  # styled so from the start: no restyle
        self.night = night
        self._tally: ScoreboardTally | None = None  # sums again only the councils that changed

    def on_mount(self) -> None:
        self.night.changed.subscribe(self, self._changed, immediate=True)
        self.draw_now()

    def _changed(self, update: NightUpdate) -> None:
        changes = update.changes
        if update.view_changed:  # the theme's colours, perhaps
            for text in self.query(DrawnStatic):
                text.restyle()
        if changes is None or update.councils or changes.projections or changes.meta:
            self.behind()  # drawn now if on screen, else when its tab is shown

    def draw(self) -> None:
        self.show_board()

    def show_board(self) -> None:
        night = self.night
        store = night.store
        if store.election is None:  # nothing from the feed yet: no board of zeros of nothing
            self.show_waiting()
            return
        self.remove_class("-waiting")
        if self._tally is None:
            from feeds.aggregate import ScoreboardTally

            self._tally = ScoreboardTally()
        visible = night.view.councils(store)
        board = self._tally.board(visible, store.projections, store.parties, store.ward_tally)
        self.show(board, store, night.view.describe(store))

    def compose(self) -> ComposeResult:
        yield DrawnStatic(id="headline")
        yield DrawnStatic(id="declared")
        yield ScoreboardTable(min_widths=MIN_WIDTHS, id="scoreboard-table")
        yield DrawnStatic(id="coverage")

    def show_waiting(self) -> None:
        self.add_class("-waiting")
        self.query_one("#headline", DrawnStatic).show_text(Text("Waiting for the feed."))
        self.query_one("#declared", DrawnStatic).show_text(Text(""))
        self.query_one(ScoreboardTable).show([], [])
        self.query_one("#coverage", DrawnStatic).show_text(Text(""))

    def show(self, board: Scoreboard, store: ResultsStore, where: str) -> None:
        from feeds.aggregate import ScoreboardRow

        changes = control_changes(self.night.view.councils(store))
        moves = [(row.party, row.councils_change) for row in [*board.rows, board.noc]]
        self.query_one("#headline", DrawnStatic).show_text(
            Text(headline(moves, len(changes), board.declared), style="bold")
        )
        self.query_one("#declared", DrawnStatic).show_text(
            Text(
                f"{where}: declared {board.declared} of {board.total} councils · "
                f"seats {board.seats_declared:,} of {board.seats_total:,}"
            )
        )
        tones = self.night.tones
        shares = {s.party: s for s in board.projections.shares} if board.projections else {}
        rows: list[ScoreboardRow] = [*board.rows, board.noc]
        # Every party the feed lists has its row all night, at zero until it wins: rows that
        # came and went as parties won their first seats moved everything below them, and a
        # screen layout on the biggest answers of the night.
        listed = {row.party for row in rows}
        # Unknown stays unknown, as in the party's own row: before the first result, zero.
        councillors = (
            0 if board.councils_with_seats or board.wards_declared or not board.declared else None
        )
        change = 0 if board.councils_with_changes or not board.declared else None
        rows[-1:-1] = [
            ScoreboardRow(p, 0, 0, councillors, change) for p in store.parties if p not in listed
        ]
        # Projected national share only when the feed supplies it: no empty columns otherwise.
        columns = COLUMNS if board.projections is not None else COLUMNS[:5]
        shown: list[tuple[str, list[Text]]] = []
        for row in rows:
            share = shares.get(row.party)
            is_noc = row.party == NOC
            cells = [
                party_chip(row.party, store),
                _number(row.councils, tones),
                _number(row.councils_change, tones, change=True),
                Text("") if is_noc else _number(row.councillors, tones),
                Text("") if is_noc else _number(row.councillors_change, tones, change=True),
                Text(f"{share.share:.0f}%" if share else "", justify="right"),
                Text(
                    f"{share.change:+.0f}" if share and share.change is not None else "",
                    justify="right",
                ),
            ]
            shown.append((row.party, cells[: len(columns)]))
        self.query_one(ScoreboardTable).show(
            [(key, _label(key, label)) for key, label in columns], shown
        )
        if not board.declared and not board.wards_declared:
            coverage = expected_note(store)
        elif board.wards_declared:
            coverage = f"Councillors as wards declare: {board.wards_declared:,} wards in."
        else:
            coverage = (
                f"Councillors from the {board.councils_with_seats} declared councils with "
                "seat figures in the feed."
            )
        if board.changes_exact or board.changes_approximate:
            none = board.declared - board.councils_with_changes
            coverage += (
                f" Changes: exact for {board.changes_exact}, approximate for "
                f"{board.changes_approximate}, none for {none} councils."
            )
        elif board.declared and board.councils_with_changes < board.declared:
            coverage += (
                f" Changes from {board.councils_with_changes} of {board.declared} (— where none)."
            )
        if board.control_unknown:
            coverage += (
                f" Control not given for {board.control_unknown} of {board.declared} declared"
                " councils (not in Councils)."
            )
        if board.projections is not None:
            source = f" ({board.projections.source})" if board.projections.source else ""
            coverage += f" PNS: projected national share{source}, supplied by the feed."
        self.query_one("#coverage", DrawnStatic).show_text(Text(coverage))


def expected_note(store: ResultsStore) -> str:
    """Before the first result: when results come (polls close at 22:00 on polling day)."""
    election = store.election
    if election is None:
        return "Waiting for the feed."
    day = election.date.strftime("%a %d %b")
    return (
        f"No results yet. Polls close at 22:00 on {day}; the overnight counts usually declare "
        "from about 23:30, the daytime counts from about noon the next day."
    )
