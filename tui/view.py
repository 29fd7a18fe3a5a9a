"""Presentation helpers shared by the widgets: the filter, party styling, times.

Every feed string reaches the screen as ``rich.text.Text`` or ``Content`` built from plain
text, never through markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from feeds.reference import NOC, NOC_COLOUR, PARTIES, UNKNOWN_COLOUR
from feeds.store import ResultsStore

if TYPE_CHECKING:
    from feeds.models import Council

UK = ZoneInfo("Europe/London")
DEFAULT_COLOURS = {party.code: party.colour for party in PARTIES}


@dataclass(frozen=True, slots=True)
class Filter:
    """What the user narrowed the screen to: a region (GSS code) and/or typed text."""

    region: str | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        return self.region is not None or bool(self.text)

    def describe(self, store: ResultsStore) -> str:
        parts = []
        if self.region:
            parts.append(store.region_name(self.region))
        if self.text:
            parts.append(f'"{self.text}"')
        return " + ".join(parts) if parts else "Great Britain"

    def matches_region(self, region_code: str, store: ResultsStore) -> bool:
        if self.region is not None and region_code != self.region:
            return False
        if self.text:
            return self.text.casefold() in store.region_name(region_code).casefold()
        return True

    def matches(self, council: Council, store: ResultsStore) -> bool:
        if self.region is not None and council.region != self.region:
            return False
        if self.text:
            wanted = self.text.casefold()
            return (
                wanted in council.name.casefold()
                or wanted in store.region_name(council.region).casefold()
            )
        return True

    def councils(self, store: ResultsStore) -> list[Council]:
        return [c for c in store.councils.values() if self.matches(c, store)]

    def regions(self, store: ResultsStore) -> set[str]:
        """Regions whose areas (referendums, mayors) the filter keeps."""
        return {code for code in region_codes(store) if self.matches_region(code, store)}


def region_codes(store: ResultsStore) -> list[str]:
    """Regions in ONS order, including any a record names that the feed did not list."""
    codes = list(store.regions)
    seen = set(codes)
    for council in store.councils.values():
        if council.region not in seen:
            seen.add(council.region)
            codes.append(council.region)
    return codes


def party_colour(code: str | None, store: ResultsStore) -> str:
    if code is None:
        return UNKNOWN_COLOUR
    if code == NOC:
        return NOC_COLOUR
    party = store.parties.get(code)
    if party is not None:
        return party.colour
    return DEFAULT_COLOURS.get(code, UNKNOWN_COLOUR)


def contrast(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#000000" if (0.299 * red + 0.587 * green + 0.114 * blue) > 150 else "#FFFFFF"


def party_chip(code: str | None, store: ResultsStore, width: int = 4) -> Text:
    """The party code on its colour: never colour alone."""
    label = (code or "—").ljust(width)[:width]
    colour = party_colour(code, store)
    return Text(label, style=Style(color=contrast(colour), bgcolor=colour, bold=True))


def party_list(seats: dict[str, int] | None, *, signed: bool = False, limit: int = 4) -> Text:
    if seats is None:
        return Text("n/a", style="dim")
    items = sorted(
        ((p, v) for p, v in seats.items() if v), key=lambda item: (-abs(item[1]), item[0])
    )
    if not items:
        return Text("—" if signed else "0", style="dim")
    shown = items[:limit]
    text = Text()
    for index, (party, value) in enumerate(shown):
        if index:
            text.append(" ")
        text.append(f"{party}{value:+d}" if signed else f"{party} {value}")
    if len(items) > limit:
        text.append(f" +{len(items) - limit}", style="dim")
    return text


def signed(value: int) -> str:
    return f"{value:+d}" if value else "0"


def uk_time(when: dt.datetime | None, *, seconds: bool = False) -> str:
    if when is None:
        return ""
    local = when.astimezone(UK)
    return local.strftime("%H:%M:%S" if seconds else "%H:%M")


def uk_datetime(when: dt.datetime | None) -> str:
    if when is None:
        return "—"
    local = when.astimezone(UK)
    return local.strftime("%a %d %b %H:%M %Z")


def ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min ago"


STATUS_STYLES = {
    "expected": "dim",
    "counting": "yellow",
    "recount": "bold magenta",
    "declared": "bold",
    "corrected": "bold cyan",
    "cancelled": "strike dim",
    "uncontested": "bold",
}


def status_text(status: str, recount: int | None = None) -> Text:
    label = f"recount {recount}" if status == "recount" and recount else status
    return Text(label, style=STATUS_STYLES.get(status, ""))


def join(parts: Iterable[Text | str], separator: str = "  ") -> Text:
    result = Text()
    for index, part in enumerate(parts):
        if index:
            result.append(separator)
        result.append(part if isinstance(part, Text) else Text(part))
    return result


def put_cell(table: DataTable[Text], row_key: str, column_key: str, cell: Text) -> None:
    """``update_cell`` that widens a column when the new cell needs it, and otherwise leaves
    the width alone: DataTable re-measures the whole column for every cell that got narrower,
    which made refreshing a few hundred rows take seconds."""
    if table.get_cell(row_key, column_key) == cell:
        return
    grow = cell.cell_len > table.columns[ColumnKey(column_key)].content_width
    table.update_cell(row_key, column_key, cell, update_width=grow)
