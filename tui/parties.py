"""Parties on screen: the code on its colour (never colour alone) and lists of seats."""

from __future__ import annotations

from functools import cache

from rich.style import Style
from rich.text import Text
from textual.color import Color

from feeds.reference import NOC, NOC_COLOUR, PARTIES, UNKNOWN_COLOUR
from feeds.store import ResultsStore

DEFAULT_COLOURS = {party.code: party.colour for party in PARTIES}


def party_colour(code: str | None, store: ResultsStore) -> str:
    if code is None:
        return UNKNOWN_COLOUR
    if code == NOC:
        return NOC_COLOUR
    party = store.parties.get(code)
    if party is not None:
        return party.colour
    return DEFAULT_COLOURS.get(code, UNKNOWN_COLOUR)


@cache
def chip_style(colour: str) -> Style:
    """Bold text in the contrasting colour on the party's colour."""
    background = Color.parse(colour)
    text = background.get_contrast_text(alpha=1.0)
    return Style(color=text.rich_color, bgcolor=background.rich_color, bold=True)


def party_chip(code: str | None, store: ResultsStore, width: int = 4) -> Text:
    label = (code or "—").ljust(width)[:width]
    return Text(label, style=chip_style(party_colour(code, store)))


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
