"""Colours for text, taken from the theme, so that the palette's theme switch (light themes
included) keeps every screen readable. Party colours come from the feed, not from here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rich.style import Style
from textual.color import Color


@dataclass(frozen=True, slots=True)
class Tones:
    good: Style  # a rise, an outcome, elected
    bad: Style  # a fall
    warn: Style  # under way, not yet certain, records rejected
    note: Style  # a correction
    alarm: Style  # a recount
    watched: Style
    pending: Style  # not yet declared: muted text on the panel colour
    options: tuple[Style, ...]  # referendum options' bars, in the feed's order

    @classmethod
    def from_theme(cls, variables: Mapping[str, str]) -> Tones:
        def colour(name: str) -> Style:
            return Style(color=Color.parse(variables[name]).rich_color)

        panel = Color.parse(variables["panel"])
        muted = panel.blend(Color.parse(variables["foreground"]), 0.6)
        return cls(
            good=colour("text-success"),
            bad=colour("text-error"),
            warn=colour("text-warning"),
            note=colour("text-primary"),
            alarm=colour("text-secondary") + Style(bold=True),
            watched=colour("text-warning") + Style(bold=True),
            pending=Style(color=muted.rich_color, bgcolor=panel.rich_color),
            options=tuple(
                colour(name) + Style(bold=True)
                for name in ("text-primary", "text-warning", "text-success", "text-error")
            ),
        )
