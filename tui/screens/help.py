"""Every key, read from the bindings themselves: a key is written once, where it is bound,
with its ``tooltip`` saying what it does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.glossary import GLOSSARY


def help_section(title: str, *owners: type) -> tuple[str, list[Binding]]:
    """The bindings the classes declare themselves, under one title."""
    bindings = [b for owner in owners for b in _bindings(vars(owner).get("BINDINGS", []))]
    return title, [b for b in bindings if b.tooltip or b.description]


def _bindings(bindings: Iterable[BindingType]) -> list[Binding]:
    return [b for b in bindings if isinstance(b, Binding)]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 96; height: 90%; border: thick $accent; background: $surface;
    }
    """

    def __init__(self, sections: Sequence[tuple[str, list[Binding]]]) -> None:
        super().__init__()
        self.sections = sections

    def rows(self) -> list[tuple[str, str, str]]:
        """(section, keys, what they do); bindings that do the same thing share a row."""
        rows: list[tuple[str, str, str]] = []
        seen: dict[tuple[str, str], int] = {}
        for title, bindings in self.sections:
            for binding in bindings:
                does = binding.tooltip or binding.description
                keys = " ".join(
                    self.app.get_key_display(Binding(key, binding.action))
                    for key in binding.key.split(",")
                    if key
                )
                if binding.key_display:
                    keys = binding.key_display
                index = seen.get((title, does))
                if index is None:
                    seen[(title, does)] = len(rows)
                    rows.append((title, keys, does))
                else:
                    section, held, _ = rows[index]
                    rows[index] = (section, f"{held} {keys}", does)
        return rows

    def compose(self) -> ComposeResult:
        table = Table(title="Keys", expand=True, show_edge=False)
        table.add_column("", style="dim")
        table.add_column("Key", style="bold")
        table.add_column("Does")
        previous = None
        for section, keys, does in self.rows():
            table.add_row(section if section != previous else "", keys, does)
            previous = section
        glossary = Table(title="Glossary", expand=True, show_edge=False)
        glossary.add_column("Term", style="bold")
        glossary.add_column("Means")
        for term, means in GLOSSARY:
            glossary.add_row(term, means)
        with VerticalScroll():
            yield Static(table)
            yield Static(glossary)
