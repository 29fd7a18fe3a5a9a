"""The results store: the highest revision of every record, and exactly what each update changed."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from feeds.answer import Answer, Reject
from feeds.reference import REGIONS, whole_name

if TYPE_CHECKING:
    from feeds.models import (
        Council,
        CountingArea,
        Election,
        MayoralContest,
        Party,
        Projections,
        Referendum,
        Region,
        WardContest,
    )

REGIONS_BY_CODE = {region.code: region for region in REGIONS}

#: The most records of each kind the store holds, well above any real election (the UK has
#: about 400 councils, 9,000 wards and 382 counting areas in a national referendum). A feed
#: that invents ids without end is refused new ones past these, with a reason, and keeps
#: everything it already had: 2,000 new ids a poll once took the app to 480 MiB in a minute.
MAX_HELD = {
    "councils": 25_000,
    "referendums": 500,
    "counting_areas": 50_000,
    "mayors": 1_000,
    "wards": 100_000,
    "regions": 64,
    "parties": 500,
}


@dataclass(frozen=True, slots=True)
class CouncilChange:
    """A council whose record changed: what it was (None when new) and what it is now."""

    before: Council | None
    after: Council

    @property
    def newly_declared(self) -> bool:
        return self.after.has_result and (self.before is None or not self.before.has_result)

    @property
    def redeclared(self) -> bool:
        """A new revision of a result already declared: a correction, or the feed simply
        sending the result again (which is no correction unless it says so)."""
        return self.before is not None and self.before.has_result and self.after.has_result

    @property
    def corrected(self) -> bool:
        """The feed says this revision corrects the result."""
        return self.redeclared and self.after.status == "corrected"


@dataclass(frozen=True, slots=True)
class WardChange:
    """A ward contest whose record changed: what it was (None when new) and what it is now."""

    before: WardContest | None
    after: WardContest

    @property
    def newly_declared(self) -> bool:
        return self.after.has_result and (self.before is None or not self.before.has_result)


@dataclass(frozen=True, slots=True)
class WardTally:
    """One council's wards summed: what the scoreboard needs, kept per council and
    recomputed only when one of its wards changes (not over every ward on every poll)."""

    seats_total: int  # seats up, postponed and cancelled contests aside
    seats_declared: int
    wards_declared: int
    won: dict[str, int]  # seats won by party in the declared wards

    def moved(self, moves: Iterable[tuple[WardContest | None, WardContest | None]]) -> WardTally:
        """This tally with wards' records replaced (before, after; ``None``: no record): a
        poll that declares a ward costs that ward, not every ward of its council."""
        total, declared, count = self.seats_total, self.seats_declared, self.wards_declared
        won = dict(self.won)
        for ward, sign in _signed(moves):
            if ward is None or ward.status == "cancelled":
                continue
            total += sign * ward.seats
            if ward.has_result:
                declared += sign * ward.seats
                count += sign
                for candidate in ward.candidates:
                    if candidate.elected:
                        seats = won.get(candidate.party, 0) + sign
                        if seats:
                            won[candidate.party] = seats
                        else:
                            del won[candidate.party]
        return WardTally(total, declared, count, won)


def _signed(
    moves: Iterable[tuple[WardContest | None, WardContest | None]],
) -> Iterable[tuple[WardContest | None, int]]:
    for before, after in moves:
        yield before, -1
        yield after, 1


def tally_wards(wards: Iterable[WardContest]) -> WardTally:
    total = declared = count = 0
    won: dict[str, int] = {}
    for ward in wards:
        if ward.status == "cancelled":
            continue
        total += ward.seats
        if ward.has_result:
            declared += ward.seats
            count += 1
            for candidate in ward.candidates:
                if candidate.elected:
                    won[candidate.party] = won.get(candidate.party, 0) + 1
    return WardTally(total, declared, count, won)


@dataclass(slots=True)
class ChangeSet:
    """What one applied answer changed, by id, so the UI can update by key."""

    councils: dict[str, CouncilChange] = field(default_factory=dict)
    referendums: set[str] = field(default_factory=set)
    counting_areas: set[tuple[str, str]] = field(default_factory=set)
    mayors: set[str] = field(default_factory=set)
    wards: dict[str, WardChange] = field(default_factory=dict)
    projections: bool = False
    meta: bool = False  # election, regions or parties
    rejects: list[Reject] = field(default_factory=list)
    ignored_stale: int = 0  # records older than or equal to what is held
    reset: bool = False  # the feed's history was rewritten; everything shown must be redrawn
    implausible: list[str] = field(default_factory=list)  # applied as the feed says, flagged
    notes: list[str] = field(default_factory=list)  # what the client did and why (a restart)

    @property
    def empty(self) -> bool:
        return not (
            self.councils
            or self.referendums
            or self.counting_areas
            or self.mayors
            or self.wards
            or self.projections
            or self.meta
            or self.reset
        )

    @property
    def changed_referendums(self) -> set[str]:
        """Referendums whose totals may have moved: their own record or any of their areas."""
        return self.referendums | {ref for ref, _ in self.counting_areas}


def _newer(held_revision: int | None, revision: int) -> bool:
    return held_revision is None or revision > held_revision


class _Revisioned(Protocol):
    @property
    def revision(self) -> int: ...


K = TypeVar("K", bound=Hashable)
R = TypeVar("R", bound=_Revisioned)


def _take(held: dict[K, R], key: K, record: R, changes: ChangeSet) -> tuple[bool, R | None]:
    """Keep ``record`` if it is newer than the one held under ``key``. Returns whether it was
    taken and the record it replaced (None when it is new)."""
    previous = held.get(key)
    if previous is not None and not _newer(previous.revision, record.revision):
        changes.ignored_stale += 1
        return False, previous
    held[key] = record
    _share_field_sets(record)
    return True, previous


#: One set object per distinct set of field names. Pydantic gives every record a set of its
#: own naming the fields the feed gave (``__pydantic_fields_set__``, 200-700 bytes): on a
#: ward-level night that was 40 % of each candidate's memory. Records are frozen, so no such
#: set is changed in place (``model_copy`` copies it first): records that share one lose
#: nothing. The names are the models' own, so the table stays small.
_FIELD_SETS: dict[frozenset[str], set[str]] = {}


def _share_field_sets(record: Any) -> None:
    for model in (record, *getattr(record, "candidates", ())):
        fields = model.__pydantic_fields_set__
        shared = _FIELD_SETS.setdefault(frozenset(fields), fields)
        if shared is not fields:
            object.__setattr__(model, "__pydantic_fields_set__", shared)


def _implausible_area(held: CountingArea, new: CountingArea) -> str | None:
    """Votes that fall, or a result that vanishes, without a correction or recount saying so."""
    if new.status in ("corrected", "recount") or not held.has_result:
        return None
    if not new.has_result:
        return f"{new.name}: declared result withdrawn (status {new.status})"
    fallen = [o for o, v in held.votes.items() if new.votes.get(o, 0) < v]
    if fallen:
        return f"{new.name}: votes fell for {', '.join(sorted(fallen))} without a correction"
    return None


def _implausible_council(held: Council, new: Council) -> str | None:
    if new.status in ("corrected", "recount") or not held.has_result:
        return None
    if not new.has_result:
        return f"{new.name}: declared result withdrawn (status {new.status})"
    if held.control_after != new.control_after:
        return (
            f"{new.name}: control changed from {held.control_after} to {new.control_after} "
            "without a correction"
        )
    return None


class ResultsStore:
    """Holds the latest revision per record. Applying never deletes: an empty list wipes nothing."""

    def __init__(self, limits: dict[str, int] | None = None) -> None:
        self.rejected_total = 0  # across the whole run: clear() keeps it
        self.limits = {**MAX_HELD, **(limits or {})}
        self.clear()

    def _full(
        self, kind: str, held: dict[Any, Any], key: Hashable, index: int, changes: ChangeSet
    ) -> bool:
        """True (and the record rejected) when ``key`` is new and ``kind`` is at its cap."""
        if key in held or len(held) < self.limits[kind]:
            return False
        changes.rejects.append(
            Reject(
                kind,
                index,
                f"new id refused: the store holds its maximum of "
                f"{self.limits[kind]:,} {kind.replace('_', ' ')}",
            )
        )
        self.rejected_total += 1
        return True

    def clear(self) -> None:
        """Forget everything (the feed's epoch changed). The rejected count is kept."""
        self.seq: int | None = None
        self.epoch: int | None = None
        self.election: Election | None = None
        self.regions: dict[str, Region] = {}
        self.parties: dict[str, Party] = {}
        self.councils: dict[str, Council] = {}
        self.referendums: dict[str, Referendum] = {}
        self.counting_areas: dict[tuple[str, str], CountingArea] = {}
        self.mayors: dict[str, MayoralContest] = {}
        self.wards: dict[str, WardContest] = {}
        self.wards_by_council: dict[str, dict[str, WardContest]] = {}
        self._tallies: dict[str, WardTally] = {}
        self.projections: Projections | None = None
        self._whole_name: str | None = None

    def apply(self, answer: Answer) -> ChangeSet:
        self._whole_name = None  # records may come, go or move region
        changes = ChangeSet(rejects=list(answer.rejects))
        self.rejected_total += len(answer.rejects)

        if answer.election is not None and answer.election != self.election:
            self.election = answer.election
            changes.meta = True
        for index, region in enumerate(answer.regions):
            if self._full("regions", self.regions, region.code, index, changes):
                continue
            if self.regions.get(region.code) != region:
                self.regions[region.code] = region
                changes.meta = True
        for index, party in enumerate(answer.parties):
            if self._full("parties", self.parties, party.code, index, changes):
                continue
            if self.parties.get(party.code) != party:
                self.parties[party.code] = party
                changes.meta = True

        for index, council in enumerate(answer.councils):
            if self._full("councils", self.councils, council.id, index, changes):
                continue
            taken, held = _take(self.councils, council.id, council, changes)
            if taken:
                if held is not None and (note := _implausible_council(held, council)):
                    changes.implausible.append(note)
                changes.councils[council.id] = CouncilChange(held, council)

        for index, referendum in enumerate(answer.referendums):
            if self._full("referendums", self.referendums, referendum.id, index, changes):
                continue
            if _take(self.referendums, referendum.id, referendum, changes)[0]:
                changes.referendums.add(referendum.id)
                self._drop_votes_for_removed_options(referendum, changes)

        for index, area in enumerate(answer.counting_areas):
            reason = self._area_problem(area)
            if reason:
                changes.rejects.append(Reject("counting_areas", index, reason))
                self.rejected_total += 1
                continue
            if self._full("counting_areas", self.counting_areas, area.key, index, changes):
                continue
            taken, held_area = _take(self.counting_areas, area.key, area, changes)
            if taken:
                if held_area is not None and (note := _implausible_area(held_area, area)):
                    changes.implausible.append(note)
                changes.counting_areas.add(area.key)

        for index, mayor in enumerate(answer.mayors):
            if self._full("mayors", self.mayors, mayor.id, index, changes):
                continue
            if _take(self.mayors, mayor.id, mayor, changes)[0]:
                changes.mayors.add(mayor.id)

        # Each council's tally follows its changed wards, once an answer.
        moves: dict[str, list[tuple[WardContest | None, WardContest | None]]] = {}
        for index, ward in enumerate(answer.wards):
            if self._full("wards", self.wards, ward.id, index, changes):
                continue
            taken, held_ward = _take(self.wards, ward.id, ward, changes)
            if taken:
                if held_ward is not None and held_ward.council != ward.council:
                    self.wards_by_council.get(held_ward.council, {}).pop(ward.id, None)
                self.wards_by_council.setdefault(ward.council, {})[ward.id] = ward
                changes.wards[ward.id] = WardChange(held_ward, ward)
                if held_ward is not None and held_ward.council != ward.council:
                    moves.setdefault(held_ward.council, []).append((held_ward, None))
                    held_ward = None
                moves.setdefault(ward.council, []).append((held_ward, ward))
        for council_id, council_moves in moves.items():
            self._retally(council_id, council_moves)

        if changes.wards or changes.councils:
            touched = {w.after.council for w in changes.wards.values()} | set(changes.councils)
            for council_id in sorted(touched):
                if note := self._wards_disagree(council_id):
                    changes.implausible.append(note)

        if answer.projections is not None and _newer(
            self.projections.revision if self.projections else None, answer.projections.revision
        ):
            self.projections = answer.projections
            changes.projections = True

        self.seq = answer.seq
        self.epoch = answer.epoch
        return changes

    def _drop_votes_for_removed_options(self, referendum: Referendum, changes: ChangeSet) -> None:
        """A new revision of a referendum that no longer has an option: areas held with votes
        for it are rejected (removed and reported), never summed under the new options. The
        feed's next revision of each area brings it back."""
        known = {option.id for option in referendum.options}
        for key, area in list(self.counting_areas.items()):
            if key[0] == referendum.id and not set(area.votes) <= known:
                del self.counting_areas[key]
                changes.counting_areas.add(key)
                changes.rejects.append(
                    Reject(
                        "counting_areas",
                        None,
                        f"{area.code} of {referendum.id}: held votes for an option the "
                        "referendum no longer has; removed until the feed sends it again",
                    )
                )
                self.rejected_total += 1

    def _retally(
        self, council_id: str, moves: list[tuple[WardContest | None, WardContest | None]]
    ) -> None:
        """Wards of the council changed: its tally, where one is held, follows (a council
        left with no ward has none)."""
        if not self.wards_by_council.get(council_id):
            self._tallies.pop(council_id, None)
        elif (tally := self._tallies.get(council_id)) is not None:
            self._tallies[council_id] = tally.moved(moves)

    def ward_tally(self, council_id: str) -> WardTally | None:
        """The council's wards summed; None when the feed has no wards for it."""
        tally = self._tallies.get(council_id)
        if tally is None:
            wards = self.wards_by_council.get(council_id)
            if not wards:
                return None
            tally = self._tallies[council_id] = tally_wards(wards.values())
        return tally

    def seats_from_wards(self, council_id: str) -> dict[str, int] | None:
        """Seats won by party in the council's declared wards; None when the feed has no
        wards for it."""
        tally = self.ward_tally(council_id)
        return dict(tally.won) if tally is not None else None

    def _wards_disagree(self, council_id: str) -> str | None:
        """A declared council whose seats won differ from its wards, once every ward is in."""
        council = self.councils.get(council_id)
        wards = self.wards_by_council.get(council_id)
        if council is None or not council.has_result or council.seats_won is None or not wards:
            return None
        if any(not w.has_result and w.status != "cancelled" for w in wards.values()):
            return None
        from_wards = self.seats_from_wards(council_id) or {}
        stated = {p: n for p, n in council.seats_won.items() if n}
        if stated == {p: n for p, n in from_wards.items() if n}:
            return None

        def fmt(seats: dict[str, int]) -> str:
            return ", ".join(f"{p} {n}" for p, n in sorted(seats.items(), key=lambda i: -i[1]))

        return (
            f"{council.name}: seats won ({fmt(stated)}) disagree with its declared wards "
            f"({fmt(from_wards)}); the wards are shown"
        )

    def _area_problem(self, area: CountingArea) -> str | None:
        referendum = self.referendums.get(area.referendum)
        if referendum is None:
            return "counting area of an unknown referendum"
        known = {option.id for option in referendum.options}
        if not set(area.votes) <= known:
            return "votes for an option the referendum does not have"
        return None

    # Views used by aggregations and the UI.

    def region_name(self, code: str) -> str:
        region = self.regions.get(code) or REGIONS_BY_CODE.get(code)
        return region.name if region else code

    def region_names(self, code: str) -> tuple[str, ...]:
        """Every name a region is known by: the feed's, and the ONS's when it differs."""
        feed = self.regions.get(code)
        reference = REGIONS_BY_CODE.get(code)
        names = [r.name for r in (feed, reference) if r is not None]
        return tuple(dict.fromkeys(names)) or (code,)

    def whole_name(self) -> str:
        """ "Great Britain", or "United Kingdom" when any record is in Northern Ireland.
        Kept until the next answer: every widget asks after every poll."""
        if self._whole_name is None:
            codes = {c.region for c in self.councils.values()}
            codes |= {a.region for a in self.counting_areas.values()}
            codes |= {m.region for m in self.mayors.values()}
            self._whole_name = whole_name(codes or set(self.regions))
        return self._whole_name

    def areas_of(self, referendum_id: str) -> list[CountingArea]:
        return [area for key, area in self.counting_areas.items() if key[0] == referendum_id]

    def councils_in(self, regions: Iterable[str] | None) -> list[Council]:
        if regions is None:
            return list(self.councils.values())
        wanted = set(regions)
        return [c for c in self.councils.values() if c.region in wanted]
