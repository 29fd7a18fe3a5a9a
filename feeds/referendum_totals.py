"""A referendum's running totals: votes, areas won, turnout, the leader, and when the
outcome is certain or final; kept area by area from poll to poll (``ReferendumTally``).

Nothing is derived that the feed should supply: an outcome is called only when the votes
still to come cannot change it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from feeds.models import CountingArea, Referendum


@dataclass(frozen=True, slots=True)
class OptionTotal:
    option: str
    label: str
    votes: int
    share: float  # per cent of valid votes
    areas_won: int


@dataclass(frozen=True, slots=True)
class ReferendumTotals:
    referendum: Referendum
    options: list[OptionTotal]
    areas_declared: int
    areas_total: int | None  # None: the feed has not said how many areas there are
    valid_votes: int
    rejected: int | None  # None: no declared area reports its rejected ballots
    electorate_declared: int  # electorate of the declared areas that report one
    turnout: float | None  # per cent, over declared areas with an electorate
    leader: str | None
    outcome: str | None  # option id once certain or final
    certain: bool
    final: bool
    remaining_electorate: int | None = field(default=None)
    areas_known: bool = True  # every counting area is listed, so "final" can be known
    why_open: str | None = None  # why the outcome is not yet certain, in words


class _AreaSums:
    """What a referendum's totals add up over its areas, so that an area can be taken away
    and added again when it changes."""

    __slots__ = (
        "listed", "declared", "cancelled", "rejected", "rejected_reported", "electorate",
        "cast_where_electorate", "declared_without_electorate", "remaining",
        "undeclared_without_electorate", "votes", "won",
    )  # fmt: skip

    def __init__(self) -> None:
        self.listed = self.declared = self.cancelled = 0
        self.rejected = self.rejected_reported = 0
        self.electorate = self.cast_where_electorate = 0
        self.declared_without_electorate = 0
        self.remaining = 0  # electorates of the areas still to declare that have one
        self.undeclared_without_electorate = 0
        self.votes: Counter[str] = Counter()
        self.won: Counter[str] = Counter()

    def add(self, area: CountingArea, options_known: set[str], sign: int = 1) -> None:
        self.listed += sign
        if area.status == "cancelled":
            self.cancelled += sign
            return
        if not area.has_result:
            if area.electorate is None:
                self.undeclared_without_electorate += sign
            else:
                self.remaining += sign * area.electorate
            return
        self.declared += sign
        area_votes = {o: v for o, v in area.votes.items() if o in options_known}
        for option, count in area_votes.items():
            self.votes[option] += sign * count
        if area.rejected is not None:
            self.rejected += sign * area.rejected
            self.rejected_reported += sign
        if area.electorate:
            self.electorate += sign * area.electorate
            self.cast_where_electorate += sign * (sum(area_votes.values()) + (area.rejected or 0))
        else:
            self.declared_without_electorate += sign
        if area_votes:
            top = max(area_votes.values())
            leaders = [o for o, v in area_votes.items() if v == top]
            if len(leaders) == 1 and top > 0:
                self.won[leaders[0]] += sign


def referendum_totals(
    referendum: Referendum, areas: Iterable[CountingArea], *, whole: ReferendumTotals | None = None
) -> ReferendumTotals:
    """Running totals of a referendum over ``areas``: all its areas held, or (with ``whole``,
    the totals of all of them) one region's.

    The set of areas is known when the referendum says how many it has and that many are
    listed. Only then can the outcome be final (every area declared). It is certain when the
    leader's margin exceeds the whole electorate still to declare (every elector there voting
    for the runner-up could not catch up): with the set known, the electorates of the areas
    still to declare; without it, the referendum's electorate less the declared areas'.
    Votes for an option the referendum does not have are never summed.
    """
    options_known = {option.id for option in referendum.options}
    sums = _AreaSums()
    for area in areas:
        sums.add(area, options_known)
    return _totals(referendum, sums, whole)


def _totals(
    referendum: Referendum, sums: _AreaSums, whole: ReferendumTotals | None
) -> ReferendumTotals:
    listed, declared, cancelled = sums.listed, sums.declared, sums.cancelled
    rejected, rejected_reported = sums.rejected, sums.rejected_reported
    electorate, cast_where_electorate = sums.electorate, sums.cast_where_electorate
    declared_without_electorate = sums.declared_without_electorate > 0
    votes, won = sums.votes, sums.won
    remaining: int | None = None if sums.undeclared_without_electorate else sums.remaining

    if whole is not None:  # a region: its set is known exactly when the whole one is
        areas_known = whole.areas_known
        areas_total: int | None = listed - cancelled if areas_known else None
    else:
        expected = referendum.counting_areas
        areas_known = expected is not None and listed >= expected
        areas_total = (max(expected, listed) - cancelled) if expected is not None else None
        if not areas_known:
            # Areas the feed has not listed yet may hold any number of electors.
            if referendum.electorate is not None and not declared_without_electorate:
                remaining = max(0, referendum.electorate - electorate)
            else:
                remaining = None
    if whole is not None and not areas_known:
        remaining = None

    valid = sum(votes.values())
    options = [
        OptionTotal(
            option.id,
            option.label,
            votes[option.id],
            (100.0 * votes[option.id] / valid) if valid else 0.0,
            won[option.id],
        )
        for option in referendum.options
    ]
    ranked = sorted(options, key=lambda o: -o.votes)
    leader = None
    if valid and (len(ranked) < 2 or ranked[0].votes > ranked[1].votes):
        leader = ranked[0].option
    final = (
        areas_known and areas_total is not None and areas_total > 0 and (declared == areas_total)
    )
    margin = ranked[0].votes - ranked[1].votes if len(ranked) > 1 else ranked[0].votes
    certain = leader is not None and (final or (remaining is not None and margin > remaining))
    why_open = None
    if not certain:
        if not areas_known and remaining is None:
            why_open = (
                "the feed has not said how many counting areas there are, nor the whole "
                "electorate, so the votes still to come are unknown"
                if referendum.counting_areas is None
                else "not every counting area is listed yet, so the votes still to come are unknown"
            )
        elif remaining is None:
            why_open = "an area still to declare has no electorate in the feed"
        elif leader is not None:
            why_open = (
                f"the lead of {margin:,} is within the {remaining:,} electors still to declare"
            )
    return ReferendumTotals(
        referendum=referendum,
        options=options,
        areas_declared=declared,
        areas_total=areas_total,
        valid_votes=valid,
        rejected=rejected if rejected_reported else None,
        electorate_declared=electorate,
        turnout=(100.0 * cast_where_electorate / electorate) if electorate else None,
        leader=leader,
        outcome=leader if certain else None,
        certain=certain,
        final=final,
        remaining_electorate=remaining,
        areas_known=areas_known,
        why_open=why_open,
    )


class ReferendumTally:
    """A referendum's totals kept area by area, for all its areas and for each region's:
    after a poll only the areas whose record changed are taken away and added again (a
    national referendum has hundreds or thousands of areas; a poll changes a few)."""

    def __init__(self, referendum: Referendum) -> None:
        self._reset(referendum)

    def _reset(self, referendum: Referendum) -> None:
        self.referendum = referendum
        self._options = {option.id for option in referendum.options}
        self._areas: dict[str, CountingArea] = {}
        self._whole = _AreaSums()
        self._regions: dict[str, _AreaSums] = {}

    def update(self, referendum: Referendum, areas: Iterable[CountingArea]) -> None:
        """Bring the sums in line with ``areas`` (all the referendum's areas held)."""
        if referendum is not self.referendum:
            if {option.id for option in referendum.options} != self._options:
                self._reset(referendum)  # the sums hold only the known options' votes
            self.referendum = referendum
        seen: set[str] = set()
        for area in areas:
            seen.add(area.code)
            held = self._areas.get(area.code)
            if held is area:
                continue
            if held is not None:
                self._count(held, -1)
            self._count(area, 1)
            self._areas[area.code] = area
        for code in [code for code in self._areas if code not in seen]:
            self._count(self._areas.pop(code), -1)

    def _count(self, area: CountingArea, sign: int) -> None:
        self._whole.add(area, self._options, sign)
        region = self._regions.get(area.region)
        if region is None:
            region = self._regions[area.region] = _AreaSums()
        region.add(area, self._options, sign)
        if not region.listed:
            del self._regions[area.region]

    def whole(self) -> ReferendumTotals:
        return _totals(self.referendum, self._whole, None)

    def regions(self) -> list[str]:
        """The regions with areas, in the order their first area came."""
        return list(self._regions)

    def region(self, code: str, whole: ReferendumTotals) -> ReferendumTotals:
        return _totals(self.referendum, self._regions[code], whole)
