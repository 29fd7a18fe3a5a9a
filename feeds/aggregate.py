"""The numbers behind the screen: pure functions of the records held.

Nothing here is derived that the feed should supply: projected national share is passed
through, and control after an election is the feed's word (``Council.control_after``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from feeds.reference import NOC

if TYPE_CHECKING:
    from feeds.models import (
        Council,
        CountingArea,
        MayoralContest,
        Projections,
        Referendum,
        WardContest,
    )
    from feeds.store import WardTally


def control_from_composition(composition: dict[str, int], total_seats: int) -> str:
    """A party controls a council with more than half of all its seats; otherwise NOC."""
    for party, seats in composition.items():
        if party != NOC and seats * 2 > total_seats:
            return party
    return NOC


def result_phrase(council: Council) -> str:
    """The result as UK coverage phrases it: "LAB gain from CON", "CON hold", "CON lose to NOC"."""
    if not council.has_result:
        if council.status == "recount":
            return f"recount {council.recount}" if council.recount else "recount"
        return council.status
    after = council.control_after
    before = council.control_before
    if after is None:
        return "declared"
    if before is None:
        return "NOC (new council)" if after == NOC else f"{after} win (new council)"
    if after == before:
        return "NOC no change" if after == NOC else f"{after} hold"
    if after == NOC:
        return f"{before} lose to NOC"
    return f"{after} gain from {before}"


def is_gain(council: Council) -> bool:
    """A change of control to a party (not to NOC): the declarations users want flagged."""
    return (
        council.has_result
        and council.control_after not in (None, NOC)
        and council.control_before is not None
        and council.control_after != council.control_before
    )


@dataclass(frozen=True, slots=True)
class ScoreboardRow:
    party: str
    councils: int
    councils_change: int
    councillors: int | None  # None: no declared council in view has seat figures
    councillors_change: int | None  # None: no declared council in view has change figures


@dataclass(frozen=True, slots=True)
class Scoreboard:
    rows: list[ScoreboardRow]
    noc: ScoreboardRow
    declared: int
    total: int
    councils_with_seats: int  # declared councils whose seat figures the feed supplies
    projections: Projections | None = None
    councils_with_changes: int = 0  # declared councils whose seat changes the feed supplies
    seats_declared: int = 0  # seats whose result is in (ward by ward where the feed has wards)
    seats_total: int = 0  # seats up, postponed and cancelled contests aside
    changes_exact: int = 0  # declared councils whose changes compare the same seats
    changes_approximate: int = 0
    wards_declared: int = 0  # ward contests with a result, where the feed has wards
    control_unknown: int = 0  # declared councils whose control after the feed does not give

    def row(self, party: str) -> ScoreboardRow | None:
        if party == NOC:
            return self.noc
        return next((row for row in self.rows if row.party == party), None)


@dataclass(frozen=True, slots=True)
class _Share:
    """One council's part of the scoreboard, so that totals can take it away and add it."""

    counts: tuple[int, ...]  # in the order of _COUNTS
    controlled: str | None = None
    controlled_before: str | None = None
    won: tuple[tuple[str, int], ...] = ()
    won_change: tuple[tuple[str, int], ...] = ()

    @property
    def parties(self) -> set[str]:
        named = {party for party, _ in (*self.won, *self.won_change)}
        if self.controlled is not None:
            named.add(self.controlled)
            if self.controlled_before is not None:
                named.add(self.controlled_before)
        return named


_COUNTS = (
    "total",
    "declared",
    "with_seats",
    "with_changes",
    "exact",
    "approximate",
    "control_unknown",
    "seats_declared",
    "seats_total",
    "wards_declared",
)
_NO_SHARE = _Share((0,) * len(_COUNTS))


def _share(council: Council, council_wards: WardTally | None) -> _Share:
    if council.status == "cancelled":
        return _NO_SHARE
    count = dict.fromkeys(_COUNTS, 0)
    count["total"] = 1
    won: Counter[str] = Counter()
    if council_wards is not None:
        count["seats_total"] = council_wards.seats_total
        count["seats_declared"] = council_wards.seats_declared
        count["wards_declared"] = council_wards.wards_declared
        won.update(council_wards.won)
    else:
        count["seats_total"] = council.seats_up
        if council.has_result:
            count["seats_declared"] = council.seats_up
    if not council.has_result:
        return _Share(tuple(count.values()), won=tuple(won.items()))
    count["declared"] = 1
    controlled = controlled_before = None
    # Control change compares the same councils: one whose control after the feed does not
    # give (a Democracy Club night's councils elected in part) counts on neither side.
    if council.control_after is not None:
        controlled = council.control_after
        controlled_before = council.control_before
    else:
        count["control_unknown"] = 1
    if council_wards:
        count["with_seats"] = 1
    elif council.seats_won is not None:
        count["with_seats"] = 1
        won.update(council.seats_won)
    won_change: tuple[tuple[str, int], ...] = ()
    if council.seats_change is not None:
        count["with_changes"] = 1
        won_change = tuple(council.seats_change.items())
        if council.seats_change_basis == "exact":
            count["exact"] = 1
        elif council.seats_change_basis == "approximate":
            count["approximate"] = 1
    return _Share(
        tuple(count.values()), controlled, controlled_before, tuple(won.items()), won_change
    )


class ScoreboardTally:
    """The scoreboard kept council by council: after a poll only the councils whose record
    (or ward tally) changed are taken away and added again, instead of summing every council
    on every poll. A different set of councils (a filter) is summed afresh from the parts
    already worked out."""

    def __init__(self) -> None:
        self._parts: dict[str, tuple[Council, WardTally | None, _Share]] = {}
        self._members: list[str] = []
        self._clear()

    def _clear(self) -> None:
        self._counts = [0] * len(_COUNTS)
        self._controlled: Counter[str] = Counter()
        self._controlled_before: Counter[str] = Counter()
        self._won: Counter[str] = Counter()
        self._won_change: Counter[str] = Counter()
        self._mentions: Counter[str] = Counter()  # parties named by the councils summed

    def _add(self, share: _Share, sign: int) -> None:
        counts = self._counts
        for index, value in enumerate(share.counts):
            counts[index] += sign * value
        if share.controlled is not None:
            self._controlled[share.controlled] += sign
            if share.controlled_before is not None:
                self._controlled_before[share.controlled_before] += sign
        for party, seats in share.won:
            self._won[party] += sign * seats
        for party, seats in share.won_change:
            self._won_change[party] += sign * seats
        for party in share.parties:
            self._mentions[party] += sign

    def _part(self, council: Council, council_wards: WardTally | None) -> _Share:
        held = self._parts.get(council.id)
        if held is not None and held[0] is council and held[1] is council_wards:
            return held[2]
        share = _share(council, council_wards)
        self._parts[council.id] = (council, council_wards, share)
        return share

    def board(
        self,
        councils: Iterable[Council],
        projections: Projections | None = None,
        party_order: Iterable[str] = (),
        wards: Callable[[str], WardTally | None] | None = None,
    ) -> Scoreboard:
        councils = list(councils)
        members = [council.id for council in councils]
        if members != self._members:
            self._clear()
            for council in councils:
                self._add(self._part(council, wards(council.id) if wards else None), 1)
            self._members = members
        else:
            for council in councils:
                council_wards = wards(council.id) if wards is not None else None
                held = self._parts[council.id]
                if held[0] is council and held[1] is council_wards:
                    continue
                self._add(held[2], -1)
                self._add(self._part(council, council_wards), 1)
        return self._board(projections, party_order)

    def _board(self, projections: Projections | None, party_order: Iterable[str]) -> Scoreboard:
        count = dict(zip(_COUNTS, self._counts, strict=True))
        controlled, before = self._controlled, self._controlled_before
        won, won_change = self._won, self._won_change
        with_seats, with_changes = count["with_seats"], count["with_changes"]
        wards_declared = count["wards_declared"]
        parties = {party for party, mentions in self._mentions.items() if mentions > 0}
        parties.discard(NOC)
        rows = [
            ScoreboardRow(
                party,
                controlled[party],
                controlled[party] - before[party],
                won[party] if with_seats or wards_declared else None,
                won_change[party] if with_changes else None,
            )
            for party in parties
        ]
        order = {code: index for index, code in enumerate(party_order)}
        rows.sort(
            key=lambda r: (
                -r.councils,
                -(r.councillors or 0),
                order.get(r.party, len(order)),
                r.party,
            )
        )
        noc = ScoreboardRow(NOC, controlled[NOC], controlled[NOC] - before[NOC], None, None)
        return Scoreboard(
            rows,
            noc,
            count["declared"],
            count["total"],
            with_seats,
            projections,
            with_changes,
            count["seats_declared"],
            count["seats_total"],
            count["exact"],
            count["approximate"],
            wards_declared,
            count["control_unknown"],
        )


def scoreboard(
    councils: Iterable[Council],
    projections: Projections | None = None,
    party_order: Iterable[str] = (),
    wards: Callable[[str], WardTally | None] | None = None,
) -> Scoreboard:
    """Councils controlled and councillors won per party, over declared councils only.

    Control change compares control after with control before for the same declared
    councils, so it always sums to zero across parties and NOC (new councils excepted).
    Councillors and their change are unknown (None), not zero, when no declared council in
    view has those figures. Where the feed has a council's ``wards``, its councillors are
    counted ward by ward as they declare, before the council itself declares.
    ``ScoreboardTally`` keeps the same figures from poll to poll.
    """
    return ScoreboardTally().board(councils, projections, party_order, wards)


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


@dataclass(frozen=True, slots=True)
class MayoralResult:
    contest: MayoralContest
    winner: str | None
    winner_party: str | None
    decided_in_round: int | None


def mayoral_result(contest: MayoralContest) -> MayoralResult:
    winner = contest.winner if contest.status in ("declared", "corrected") else None
    decided = None
    if winner is not None:
        decided = 2 if winner.final_round is not None else 1
    return MayoralResult(
        contest,
        winner.name if winner else None,
        winner.party if winner else None,
        decided,
    )


def ward_majority(ward: WardContest) -> int | None:
    """First past the post: the last elected candidate's votes less the best loser's (in a
    single-member ward, the winner's majority). None under STV, uncontested or without votes."""
    if ward.count_type != "fptp" or not ward.has_result:
        return None
    if any(c.votes is None for c in ward.candidates):
        return None
    elected = [c.votes or 0 for c in ward.candidates if c.elected]
    losers = [c.votes or 0 for c in ward.candidates if not c.elected]
    if not elected or not losers:
        return None
    return min(elected) - max(losers)


def ward_votes(ward: WardContest) -> int | None:
    """Votes cast for the ward's candidates (first preferences under STV); None when the
    ward has no vote figures (uncontested, not yet declared)."""
    if not ward.has_result or any(c.votes is None for c in ward.candidates):
        return None
    return sum(c.votes or 0 for c in ward.candidates)


@dataclass(frozen=True, slots=True)
class VoteShare:
    """Share of the votes cast per party, over declared contested wards.

    In a multi-member ward each voter has as many votes as there are seats, so this is a
    share of votes, not of voters; under STV it is of first preferences."""

    votes: dict[str, int]
    total: int
    wards_counted: int

    def share(self, party: str) -> float:
        return 100.0 * self.votes.get(party, 0) / self.total if self.total else 0.0


def vote_share(wards: Iterable[WardContest]) -> VoteShare:
    votes: Counter[str] = Counter()
    counted = 0
    for ward in wards:
        if ward_votes(ward) is None:
            continue
        counted += 1
        for candidate in ward.candidates:
            votes[candidate.party] += candidate.votes or 0
    return VoteShare(dict(votes), sum(votes.values()), counted)
