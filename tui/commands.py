"""Command palette: jump to a council, filter by region, watch a council."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.view import region_codes

if TYPE_CHECKING:
    from tui.app import ElectionNightApp


class ElectionCommands(Provider):
    def _commands(self) -> list[tuple[str, object, str]]:
        app: ElectionNightApp = self.app  # type: ignore[assignment]
        store = app.store
        commands: list[tuple[str, object, str]] = [
            ("Filter: all of Great Britain", app.action_all_regions, "Clear the region filter"),
        ]
        for code in region_codes(store):
            commands.append(
                (
                    f"Filter region: {store.region_name(code)}",
                    partial(setattr, app, "region", code),
                    "Show only this region",
                )
            )
        for council in sorted(store.councils.values(), key=lambda c: c.name.casefold()):
            commands.append(
                (
                    f"Jump to council: {council.name}",
                    partial(app.open_council, council.id),
                    "Open its detail",
                )
            )
            verb = "Unwatch" if council.id in app.watchlist.ids else "Watch"
            commands.append(
                (
                    f"{verb} council: {council.name}",
                    partial(app.toggle_watch, council.id),
                    "Alerts when it declares",
                )
            )
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands()[:14]:
            yield DiscoveryHit(name, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)  # type: ignore[arg-type]
