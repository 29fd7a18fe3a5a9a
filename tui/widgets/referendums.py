"""Referendum outcomes: a bar per option, areas declared and won, turnout, the outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text

from tui.widgets.drawn_static import DrawnStatic
from tui.widgets.shown import DrawnWhenShown

if TYPE_CHECKING:  # the totals' module loads with the first referendum, not before
    from feeds.referendum_totals import ReferendumTally, ReferendumTotals
    from feeds.store import ResultsStore
    from tui.filter import Filter
    from tui.night import Night, NightUpdate
    from tui.tones import Tones


def render_totals(
    totals: ReferendumTotals,
    width: int,
    per_region: list[tuple[str, ReferendumTotals]],
    tones: Tones,
) -> Text:
    text = Text()
    text.append(totals.referendum.name, style="bold")
    text.append(f"  ({totals.referendum.scope})\n", style="dim")
    text.append(totals.referendum.question + "\n")
    bar_width = max(10, min(50, width - 48))
    label_width = max((len(o.label) for o in totals.options), default=8)
    label_width = min(label_width, 24)
    for index, option in enumerate(totals.options):
        style = tones.options[index % len(tones.options)]
        filled = round(bar_width * option.share / 100)
        text.append(option.label[:label_width].ljust(label_width) + " ")
        text.append("█" * filled, style=style)
        text.append("░" * (bar_width - filled), style="dim")
        text.append(f" {option.votes:>11,} {option.share:5.1f}%")
        text.append(f"  won {option.areas_won}\n", style="dim")
    of = f"{totals.areas_total}" if totals.areas_total is not None else "? (not given)"
    line = f"Areas declared {totals.areas_declared} of {of}"
    if totals.turnout is not None:
        line += f" · turnout {totals.turnout:.2f}%"
    if totals.rejected is not None:
        line += f" · rejected {totals.rejected:,}"
    text.append(line + "\n")
    labels = {o.option: o.label for o in totals.options}
    if totals.outcome is not None:
        state = "final result" if totals.final else "certain: cannot be caught"
        outcome = f"Outcome: {labels[totals.outcome]} ({state})\n"
        text.append(outcome, style=tones.good + Style(bold=True))
    elif totals.leader is not None:
        text.append(f"Leading: {labels[totals.leader]} (not yet certain)\n", style=tones.warn)
    else:
        text.append("No result yet\n", style="dim")
    # The line for why the outcome is open is kept, blank while it is not, so the panel keeps
    # its height as the count goes on: the screen is not laid out again (nor the overview's
    # scrollbar toggled) when the first area declares or the outcome becomes certain.
    why = totals.outcome is None and totals.why_open and totals.areas_declared
    text.append(f"Why not certain: {totals.why_open}\n" if why else "\n", style="dim")
    if per_region:
        text.append("By region\n", style="bold underline")
        for name, region in per_region:
            leader = labels.get(region.leader or "", "—")
            shares = " ".join(f"{o.share:4.1f}%" for o in region.options)
            text.append(
                f"  {name[:24]:<24} {region.areas_declared:>3}/"
                f"{region.areas_total if region.areas_total is not None else '?':<3} "
                f"{shares}  {leader}\n"
            )
    return text


class ReferendumPanel(DrawnWhenShown, DrawnStatic):
    """Each referendum's totals in view. Its lines are each made once while their text stays
    the same (``DrawnStatic``): a poll changes the figures on a few lines, and Textual
    re-wrapped and re-styled the whole panel (about 5 ms a frame for a national
    referendum)."""

    DEFAULT_CSS = """
    ReferendumPanel { height: auto; padding: 0 1; }
    """

    def __init__(self, night: Night, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.night = night
        self.drawn_for = 0
        self._tallies: dict[str, ReferendumTally] = {}

    def on_mount(self) -> None:
        self.night.changed.subscribe(self, self._changed, immediate=True)
        self.draw_now()  # what arrived before it was mounted

    def _changed(self, update: NightUpdate) -> None:
        changes = update.changes
        if update.view_changed:  # the theme's colours, perhaps
            self.restyle()
        if changes is None or changes.changed_referendums or changes.meta or update.reset:
            self.behind()

    def on_resize(self) -> None:
        # The bars are sized to the panel: drawn before the first layout, they were guessed.
        self.draw_now()

    def draw(self) -> None:
        night = self.night
        width = self.size.width or 80
        self.drawn_for = self.size.width  # the width its bars were sized for (0: guessed)
        self.show_text(totals_text(night.store, night.view, width, night.tones, self._tallies))


def totals_text(
    store: ResultsStore,
    view: Filter,
    width: int,
    tones: Tones,
    tallies: dict[str, ReferendumTally] | None = None,
) -> Text:
    """Each referendum's totals in view. With ``tallies`` (kept by the panel from poll to
    poll) only the areas that changed are counted again."""
    if not store.referendums:
        if tallies is not None:
            tallies.clear()
        return Text("No referendums in this view.", style="dim")
    from feeds.referendum_totals import ReferendumTally, referendum_totals

    regions = view.regions(store) if view.active else set()
    tallies = {} if tallies is None else tallies
    blocks: list[Text] = []
    for referendum in store.referendums.values():
        all_areas = store.areas_of(referendum.id)
        tally = tallies.get(referendum.id)
        if tally is None:
            tally = tallies[referendum.id] = ReferendumTally(referendum)
        tally.update(referendum, all_areas)
        shown = [code for code in tally.regions() if code in regions or not view.active]
        if not shown:
            continue
        whole = tally.whole()
        totals = (
            whole
            if len(shown) == len(tally.regions())
            else tally.region(shown[0], whole)
            if len(shown) == 1
            else referendum_totals(
                referendum, [a for a in all_areas if a.region in shown], whole=whole
            )
        )
        per_region: list[tuple[str, ReferendumTotals]] = []
        if referendum.scope == "national" and len(shown) > 1:
            per_region = [(store.region_name(code), tally.region(code, whole)) for code in shown]
        blocks.append(render_totals(totals, width, per_region, tones))
    for gone in set(tallies) - set(store.referendums):
        del tallies[gone]
    if not blocks:
        return Text("No referendums in this view.", style="dim")
    return Text("\n").join(blocks)
