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
        MayoralContest,
        Projections,
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
    parties: frozenset[str] = field(init=False)  # named here: taken away and added each poll

    def __post_init__(self) -> None:
        named = {party for party, _ in (*self.won, *self.won_change)}
        if self.controlled is not None:
            named.add(self.controlled)
            if self.controlled_before is not None:
                named.add(self.controlled_before)
        object.__setattr__(self, "parties", frozenset(named))


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
