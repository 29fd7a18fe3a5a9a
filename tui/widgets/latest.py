"""Latest declarations, newest first, bounded, narrowed by the filter like everything else."""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from tui.view import uk_time

MAX_ENTRIES = 300


@dataclass(frozen=True, slots=True)
class Declaration:
    when: dt.datetime | None
    region: str
    council_id: str | None
    text: str
    gain: bool = False
    watched: bool = False
    correction: bool = False


class LatestDeclarations(Static):
    DEFAULT_CSS = """
    LatestDeclarations { height: auto; padding: 0 1; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self.entries: deque[Declaration] = deque(maxlen=MAX_ENTRIES)

    def add(self, entry: Declaration) -> None:
        self.entries.appendleft(entry)

    def show(self, regions: set[str] | None, limit: int = 40) -> None:
        lines: list[Text] = []
        for entry in self.entries:
            if regions is not None and entry.region not in regions:
                continue
            line = Text(f"{uk_time(entry.when) or '--:--'} ", style="dim")
            marker = "★ " if entry.watched else ("▲ " if entry.gain else "  ")
            line.append(marker, style="bold yellow" if entry.watched else "bold")
            line.append(
                entry.text, style="bold" if entry.gain else ("cyan" if entry.correction else "")
            )
            lines.append(line)
            if len(lines) >= limit:
                break
        if not lines:
            self.update(Text("No declarations yet.", style="dim"))
        else:
            self.update(Text("\n").join(lines))
