"""Command palette: jump to a council, filter by region, watch a council."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from tui.filter import Filter, region_codes
from tui.night import Night


@runtime_checkable
class NightScreen(Protocol):
    """What the palette needs of the screen it was opened on."""

    night: Night

    def open_council(self, council_id: str) -> None: ...

    def toggle_watch(self, council_id: str) -> None: ...


Command = tuple[str, Callable[[], object], str]


class ElectionCommands(Provider):
    def _commands(self) -> list[Command]:
        screen = self.screen
        if not isinstance(screen, NightScreen):
            return []
        night = screen.night
        store = night.store
        commands: list[Command] = [
            ("Filter: all of Great Britain", partial(night.set_view, Filter()), "Clear the filter"),
        ]
        for code in region_codes(store):
            commands.append(
                (
                    f"Filter region: {store.region_name(code)}",
                    partial(night.set_view, Filter(code)),
                    "Show only this region",
                )
            )
        for council in sorted(store.councils.values(), key=lambda c: c.name.casefold()):
            commands.append(
                (
                    f"Jump to council: {council.name}",
                    partial(screen.open_council, council.id),
                    "Open its detail",
                )
            )
            verb = "Unwatch" if council.id in night.watchlist.ids else "Watch"
            commands.append(
                (
                    f"{verb} council: {council.name}",
                    partial(screen.toggle_watch, council.id),
                    "Alerts when it declares",
                )
            )
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands()[:14]:
            yield DiscoveryHit(Content(name), callback, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, highlight(matcher, name), callback, text=name, help=help_text)


def highlight(matcher: Matcher, name: str) -> Content:
    """The hit with the matched letters marked. Council and region names come from the feed:
    ``Matcher.highlight`` parses its candidate as markup (a council named ``[@click=app.quit]``
    quit the app on click, a region ``London [/]`` crashed it), so the name is plain Content
    here and only styled."""
    content = Content(name)
    _, offsets = matcher.fuzzy_search.match(matcher.query, name)
    for offset in offsets:
        if not name[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
