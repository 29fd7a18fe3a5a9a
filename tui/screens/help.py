"""Every key, in one place."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: tuple[tuple[str, str, str], ...] = (
    ("Views", "1 … 6", "Overview, Councils, Map, Referendums, Mayors, Log"),
    ("Views", "tab / shift+tab", "move between parts of the screen"),
    ("Filter", "r / R", "next / previous region"),
    ("Filter", "0", "all of Great Britain"),
    ("Filter", "/", "filter by region or council name as you type; Enter keeps, Escape clears"),
    ("Councils", "enter", "open the selected council's detail"),
    ("Councils", "w", "watch or unwatch the selected council (kept between runs)"),
    ("Councils", "s", "sort by name, declaration time or region"),
    ("Map", "arrows", "move between council tiles; Enter opens the detail"),
    ("Detail", "enter", "on a ward: its candidates, votes and, under STV, every stage"),
    ("Marks", "≈ in Change", "approximate seat changes (new wards or council size)"),
    ("Marks", "n/a, —", "no figures in the feed (unknown, never zero)"),
    ("Replay", "space", "pause / resume"),
    ("Replay", "+ / -", "faster / slower"),
    ("Replay", "] / [", "next / previous declaration"),
    ("Replay", "g", "go to a time (e.g. 02:30, 4h, 2022-05-06 12:00)"),
    ("App", "ctrl+p", "command palette: jump to council, filter region, watch council"),
    ("App", "?", "this help"),
    ("App", "q", "quit"),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 96; height: 90%; border: thick $accent; background: $surface;
    }
    """

    def __init__(self, replay: bool) -> None:
        super().__init__()
        self.replay = replay

    def compose(self) -> ComposeResult:
        table = Table(title="Keys", expand=True, show_edge=False)
        table.add_column("", style="dim")
        table.add_column("Key", style="bold")
        table.add_column("Does")
        for group, key, does in KEYS:
            if group == "Replay" and not self.replay:
                continue
            table.add_row(group, key, does)
        note = Text(
            "Replay keys appear in replay mode only." if not self.replay else "", style="dim"
        )
        with VerticalScroll():
            yield Static(table)
            yield Static(note)
