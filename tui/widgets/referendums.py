"""Referendum outcomes: a bar per option, areas declared and won, turnout, the outcome."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from feeds.aggregate import ReferendumTotals, referendum_totals
from feeds.store import ResultsStore
from tui.view import Filter

OPTION_STYLES = ("bold #4FA3E0", "bold #E0A84F", "bold #8FD16A", "bold #D16AB8")


def render_totals(
    totals: ReferendumTotals, width: int, per_region: list[tuple[str, ReferendumTotals]]
) -> Text:
    text = Text()
    text.append(totals.referendum.name, style="bold")
    text.append(f"  ({totals.referendum.scope})\n", style="dim")
    text.append(totals.referendum.question + "\n")
    bar_width = max(10, min(50, width - 48))
    label_width = max((len(o.label) for o in totals.options), default=8)
    label_width = min(label_width, 24)
    for index, option in enumerate(totals.options):
        style = OPTION_STYLES[index % len(OPTION_STYLES)]
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
        text.append(f"Outcome: {labels[totals.outcome]} ({state})\n", style="bold green")
    elif totals.leader is not None:
        text.append(f"Leading: {labels[totals.leader]} (not yet certain)\n", style="yellow")
    else:
        text.append("No result yet\n", style="dim")
    if totals.outcome is None and totals.why_open and totals.areas_declared:
        text.append(f"Why not certain: {totals.why_open}\n", style="dim")
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


class ReferendumPanel(Static):
    DEFAULT_CSS = """
    ReferendumPanel { height: auto; padding: 0 1; }
    """

    _shown: tuple[ResultsStore, Filter] | None = None

    def on_resize(self) -> None:
        # The bars are sized to the panel: shown before the first layout, they were guessed.
        if self._shown is not None:
            self.show(*self._shown)

    def show(self, store: ResultsStore, view: Filter) -> None:
        self._shown = (store, view)
        regions = view.regions(store)
        width = self.size.width or 80
        blocks: list[Text] = []
        for referendum in store.referendums.values():
            all_areas = store.areas_of(referendum.id)
            areas = [a for a in all_areas if a.region in regions or (not view.active)]
            if not areas:
                continue
            whole = referendum_totals(referendum, all_areas)
            totals = (
                whole
                if len(areas) == len(all_areas)
                else referendum_totals(referendum, areas, whole=whole)
            )
            per_region: list[tuple[str, ReferendumTotals]] = []
            if referendum.scope == "national":
                by_region: dict[str, list] = {}
                for area in areas:
                    by_region.setdefault(area.region, []).append(area)
                if len(by_region) > 1:
                    per_region = [
                        (
                            store.region_name(code),
                            referendum_totals(referendum, group, whole=whole),
                        )
                        for code, group in by_region.items()
                    ]
            blocks.append(render_totals(totals, width, per_region))
        if not blocks:
            self.update(Text("No referendums in this view.", style="dim"))
        else:
            self.update(Text("\n").join(blocks))
