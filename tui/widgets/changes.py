"""Changes: every council that changed hands, under the party that gained it and under the
party that lost it, newest first, as broadcasters' "key changes" panels show them."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from feeds.news import ControlChange, control_changes
from tui.formatting import uk_time
from tui.night import Night, NightUpdate
from tui.parties import party_chip
from tui.widgets.shown import DrawnWhenShown


class ChangesPanel(DrawnWhenShown, Static):
    DEFAULT_CSS = """
    ChangesPanel { height: auto; padding: 0 1; }
    """

    def __init__(self, night: Night, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, markup=False)
        self.night = night

    def on_mount(self) -> None:
        self.night.changed.subscribe(self, self._changed, immediate=True)
        self.draw_now()

    def _changed(self, update: NightUpdate) -> None:
        if update.councils or update.view_changed or update.reset:
            self.behind()

    def draw(self) -> None:
        night = self.night
        store = night.store
        changes = control_changes(night.view.councils(store))
        if not changes:
            self.update(Text("No council has changed hands yet in this view.", style="dim"))
            return
        gained: dict[str, list[ControlChange]] = {}
        lost: dict[str, list[ControlChange]] = {}
        for change in changes:  # newest first
            gained.setdefault(change.gainer, []).append(change)
            lost.setdefault(change.loser, []).append(change)
        text = Text()
        text.append(f"{len(changes)} councils changed hands", style="bold")
        text.append(f" · {night.view.describe(store)}\n", style="dim")
        for title, groups, verb in (("Gains", gained, "from"), ("Losses", lost, "to")):
            text.append(f"\n{title}\n", style="bold underline")
            for party, items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
                text.append_text(party_chip(party, store))
                text.append(f" {len(items)}\n", style="bold")
                for item in items:
                    other = item.loser if verb == "from" else item.gainer
                    text.append(f"  {uk_time(item.when) or '--:--'}  ", style="dim")
                    text.append(f"{item.name} ")
                    text.append(f"{verb} {other}\n", style="dim")
        self.update(text)
