"""A night of PA Media documents, held as the project's feed records.

``PANight`` keeps the highest revision of each PA document (a council's nominations and its
result, a mayoral round, a referendum area's rush, result or recount) and builds from them
the records of the feed model: ``Council``, ``MayoralContest``, ``Referendum`` and
``CountingArea``. Where PA's rule differs from the project's, PA's is followed (see
docs/feeds-pa.md): a whole-council election's seats won are PA's new council, seat changes are
PA's as given, control before is PA's sitting party.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from feeds.aggregate import control_from_composition
from feeds.answer import Answer, Reject
from feeds.models import (
    NOC,
    Council,
    CountingArea,
    Election,
    MayoralContest,
    Party,
    Referendum,
    Region,
)
from feeds.pa_places import PARTY_NAMES, Place, Places, party_code, places
from feeds.pa_xml import (
    CouncilNominations,
    CouncilResult,
    MayoralCandidate,
    MayoralNominations,
    MayoralRound,
    PADocument,
    Recount,
    ReferendumArea,
    RunningTotals,
    Unsupported,
)
from feeds.parse import describe_error
from feeds.reference import PARTIES, REGIONS, UNKNOWN_COLOUR

#: PA's pseudo-party for seats vacant when nominations closed: seats, not a party.
VACANT = "Vacant"
LONDON = "E12000007"
PROPORTIONS = {"all": "whole council", "half": "half the council", "third": "a third"}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "x"


@dataclass(slots=True)
class _Held:
    document: PADocument
    revision: int
    file: str


@dataclass(slots=True)
class _Emitted:
    body: dict[str, Any]
    revision: int


@dataclass
class PANight:
    """PA documents in, feed records out. Not thread-safe: one owner applies documents."""

    places: Places = field(default_factory=places)
    test: bool = False
    documents: dict[tuple[str, ...], _Held] = field(default_factory=dict)
    totals: dict[str, RunningTotals] = field(default_factory=dict)  # referendum -> latest
    options: dict[str, dict[str, str]] = field(default_factory=dict)  # referendum -> text -> id
    emitted: dict[tuple[str, str], _Emitted] = field(default_factory=dict)
    unsupported: dict[str, str] = field(default_factory=dict)  # kind -> why, reported once
    unknown_parties: set[str] = field(default_factory=set)
    date: dt.date | None = None
    referendum_date: dt.date | None = None
    notes: list[str] = field(default_factory=list)  # for the feed log, taken by the poller
    _parties_sent: set[str] = field(default_factory=set)

    # Documents in ------------------------------------------------------------------------

    def add(self, document: PADocument, file: str) -> tuple[str, ...] | None:
        """Hold a document if it is newer than the one held for the same thing; returns the
        entity it changed (to rebuild), or None."""
        if isinstance(document, Unsupported):
            if document.kind not in self.unsupported:
                self.unsupported[document.kind] = document.why
                self.notes.append(f"PA {document.kind} files skipped: {document.why}")
            return None
        if isinstance(document, RunningTotals):
            held_totals = self.totals.get(document.referendum)
            if held_totals is None or document.results >= held_totals.results:
                self.totals[document.referendum] = document
                return ("referendum", document.referendum)
            return None
        key, entity = _identity(document)
        revision = getattr(document, "revision", 0)
        held = self.documents.get(key)
        if held is not None and revision < held.revision:
            return None
        self.documents[key] = _Held(document, revision, file)
        if isinstance(document, CouncilNominations | CouncilResult):
            self.date = self.date or document.date
        elif isinstance(document, ReferendumArea):
            self.referendum_date = self.referendum_date or document.date
        if isinstance(document, Recount) and document.election_type == "R":
            self.notes.append(f"recount in {document.area} ({document.election})")
        if isinstance(document, ReferendumArea) and any(
            a.short_text.endswith(" Test") for a in document.answers
        ):
            self.test = True  # PA marks a rehearsal's answers "Remain Test", "Leave Test"
        result_held = ("ref-result", *key[1:]) in self.documents
        if isinstance(document, ReferendumArea) and document.rush and not result_held:
            winner = next((a.text for a in document.answers if a.winning), None)
            self.notes.append(f"rush: {document.area}: {winner or 'no winner'} (figures to follow)")
        return entity

    # Records out -------------------------------------------------------------------------

    def answer(self, entities: set[tuple[str, ...]], seq: int, *, whole: bool) -> Answer:
        """The feed answer for the entities given (every entity when ``whole``)."""
        answer = Answer(kind="snapshot" if whole else "changes", seq=seq, epoch=0)
        if whole:
            entities = self._all_entities()
            answer.election = self._election()
            answer.regions = [Region(code=r.code, name=r.name) for r in REGIONS]
        # An area's referendum is rebuilt with it (its answers may be new), and sent first:
        # an area is only accepted for a referendum held.
        entities = entities | {("referendum", e[1]) for e in entities if e[0] == "area"}
        for entity in sorted(entities, key=lambda e: (e[0] != "referendum", e)):
            self._build(entity, answer)
        codes = self._party_codes()
        if whole or codes - self._parties_sent:
            answer.parties = [_party(code) for code in sorted(codes)]
            self._parties_sent = set(codes)
            if not whole:
                answer.election = self._election()
        return answer

    def _all_entities(self) -> set[tuple[str, ...]]:
        entities = {_identity(held.document)[1] for held in self.documents.values()}
        entities |= {("referendum", name) for name in self.totals}
        return entities

    def _election(self) -> Election | None:
        if self.date is not None:
            return Election(
                id=f"local.{self.date.isoformat()}",
                name=f"Local elections {self.date.day} {self.date:%B %Y}",
                date=self.date,
                test=self.test,
            )
        if self.referendum_date is not None or self.totals:
            date = self.referendum_date or next(iter(self.totals.values())).date
            name = next(iter(self.totals), None) or self._referendum_names()[0]
            return Election(
                id=f"ref.{slug(name)}.{date.isoformat()}",
                name=f"{name} referendum",
                date=date,
                test=self.test,
            )
        return None

    def _referendum_names(self) -> list[str]:
        return sorted(
            {
                held.document.referendum
                for held in self.documents.values()
                if isinstance(held.document, ReferendumArea)
            }
        ) or ["Referendum"]

    def _party_codes(self) -> set[str]:
        codes: set[str] = set()
        for emitted in self.emitted.values():
            for key in ("seats_won", "seats_change", "composition_before", "composition_after"):
                codes.update(emitted.body.get(key) or {})
            for key in ("control_before", "control_after"):
                if emitted.body.get(key):
                    codes.add(emitted.body[key])
            for candidate in emitted.body.get("candidates", []):
                codes.add(candidate["party"])
        codes.discard(NOC)
        return codes

    def _party(self, abbreviation: str) -> str:
        code, known = party_code(abbreviation)
        if not known and abbreviation not in self.unknown_parties:
            self.unknown_parties.add(abbreviation)
            self.notes.append(f"PA party {abbreviation!r} is not in the table: shown as {code}")
        return code

    def _parties(self, seats: dict[str, int], *, keep_zero: bool = False) -> dict[str, int]:
        mapped: dict[str, int] = {}
        for abbreviation, number in seats.items():
            if abbreviation == VACANT or (number == 0 and not keep_zero):
                continue
            code = self._party(abbreviation)
            mapped[code] = mapped.get(code, 0) + number
        return mapped

    def _build(self, entity: tuple[str, ...], answer: Answer) -> None:
        kind = entity[0]
        try:
            if kind == "council":
                record: BaseModel | None = self._council(entity[1], answer)
            elif kind == "mayor":
                record = self._mayor(entity[1], answer)
            elif kind == "referendum":
                record = self._referendum(entity[1])
            else:
                record = self._area(entity[1], entity[2], answer)
        except ValidationError as error:
            answer.rejects.append(
                Reject("PA", None, f"{self._files(entity)}: {describe_error(error)}")
            )
            return
        if record is None:
            return
        getattr(answer, _LISTS[kind]).append(record)

    def _files(self, entity: tuple[str, ...]) -> str:
        files = sorted(
            held.file for held in self.documents.values() if _identity(held.document)[1] == entity
        )
        return ", ".join(files) or entity[-1]

    def _stamp(self, kind: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
        """Give the record the next revision when its content changed (PA's revisions are
        per document; a record is built from several)."""
        held = self.emitted.get((kind, key))
        if held is not None and held.body == body:
            return {**body, "revision": held.revision}
        revision = 0 if held is None else held.revision + 1
        self.emitted[(kind, key)] = _Emitted(body, revision)
        return {**body, "revision": revision}

    def _place(self, pa_id: str, name: str, files: str, answer: Answer) -> Place | None:
        place = self.places.council(pa_id, name)
        if place is None:
            answer.rejects.append(
                Reject(
                    "PA",
                    None,
                    f"{files}: council {name!r} (PA id {pa_id or '?'}) is not in "
                    "the table of councils: skipped",
                )  # fmt: skip
            )
        return place

    def _council(self, key: str, answer: Answer) -> Council | None:
        nominations = self._doc(("nominations", key))
        result = self._doc(("result", key))
        if not isinstance(nominations, CouncilNominations):
            nominations = None
        if not isinstance(result, CouncilResult):
            result = None
        source = result or nominations
        if source is None:
            return None
        place = self._place(source.pa_id, source.council, self._files(("council", key)), answer)
        if place is None:
            return None
        held = nominations.held if nominations else {}
        total_before = sum(held.values())
        seats_up = sum(nominations.offered.values()) if nominations else 0
        composition_before = self._parties(held) or None
        body: dict[str, Any] = {
            "id": f"local.{slug(place.name)}.{source.date.isoformat()}",
            "code": place.code,
            "name": place.name,
            "region": place.region,
            "council_type": place.kind or source.council_type or "council",
            "status": "expected",
            "composition_before": composition_before,
        }
        control_before = None
        if composition_before and total_before:
            control_before = control_from_composition(composition_before, total_before)
        total = total_before
        if result is not None:
            whole = result.proportion == "all"
            new_council = self._parties(result.new_council)
            won = new_council if whole else self._parties(result.elected)
            changes = self._parties(result.changes, keep_zero=True)
            total = sum(new_council.values()) or total_before
            seats_up = max(seats_up, sum(won.values()))
            if whole:
                seats_up = max(seats_up, total)
            approximate = whole or sum(changes.values()) != 0
            control_before = self._control(result.sitting_party) or control_before
            body.update(
                status="declared",
                seats_won=won,
                seats_change=changes,
                seats_change_basis="approximate" if approximate else "exact",
                composition_after=new_council or None,
                control_after=self._control(result.winning_party),
            )
        if not total:
            return None  # nominations without seats held: nothing to show yet
        body.update(
            total_seats=total,
            seats_up=min(seats_up, total),
            control_before=control_before,
            total_seats_before=total_before if total_before and total_before != total else None,
            note=f"PA: {PROPORTIONS.get(source.proportion, source.proportion)} up"
            if source.proportion
            else None,
        )
        return Council.model_validate(self._stamp("council", key, body))

    def _control(self, abbreviation: str) -> str | None:
        if not abbreviation:
            return None
        return NOC if abbreviation.upper() == NOC else self._party(abbreviation)

    def _doc(self, key: tuple[str, ...]) -> PADocument | None:
        held = self.documents.get(key)
        return held.document if held else None

    def _mayor(self, area: str, answer: Answer) -> MayoralContest | None:
        nominations = self._doc(("mayor-nominations", area))
        rounds = sorted(
            (held.document for k, held in self.documents.items() if k[:2] == ("mayor-round", area)),
            key=lambda d: d.round_number if isinstance(d, MayoralRound) else 0,
        )
        recount = self._doc(("recount", "M", area))
        latest = rounds[-1] if rounds else None
        source = latest or nominations
        if not isinstance(source, MayoralRound | MayoralNominations):
            return None
        if area.casefold() == "london":
            code, region, name = None, LONDON, "Mayor of London"
        else:
            place = self._place("", area, self._files(("mayor", area)), answer)
            if place is None:
                return None
            code, region, name = place.code, place.region, f"Mayor of {area}"
        candidates: dict[str, dict[str, Any]] = {}
        order: list[MayoralCandidate] = []
        if isinstance(nominations, MayoralNominations):
            order.extend(nominations.candidates)
        all_rounds: dict[int, list[MayoralCandidate]] = {}
        for document in rounds:
            assert isinstance(document, MayoralRound)
            all_rounds.update(document.rounds)
        for number in sorted(all_rounds):
            order.extend(all_rounds[number])
        for candidate in order:
            candidates.setdefault(
                candidate.name,
                {
                    "name": candidate.name,
                    "party": self._party(candidate.party),
                    "party_name": candidate.party_name,
                },  # fmt: skip
            )
        first = all_rounds.get(1, [])
        for candidate in first:
            candidates[candidate.name]["first_round"] = candidate.votes
        last_number = max(all_rounds) if all_rounds else None
        winner = None
        if last_number is not None:
            for candidate in all_rounds[last_number]:
                if last_number > 1:
                    candidates[candidate.name]["final_round"] = candidate.votes
                if candidate.status == "*":
                    winner = candidate.name
        for name_, body in candidates.items():
            body["elected"] = name_ == winner
        status = "declared" if winner else ("counting" if all_rounds else "expected")
        if isinstance(recount, Recount) and (latest is None or winner is None):
            status = "recount"
        record: dict[str, Any] = {
            "id": f"mayor.{slug(area)}.{source.date.isoformat()}",
            "code": code,
            "name": name,
            "region": region,
            "candidates": list(candidates.values()),
            "status": status,
            "electorate": source.electorate,
        }
        if isinstance(latest, MayoralRound):
            record["turnout"] = latest.turnout_percent
            record["declared_at"] = latest.declared_at
        return MayoralContest.model_validate(self._stamp("mayor", area, record))

    def _option_ids(self, referendum: str) -> dict[str, str]:
        return self.options.setdefault(referendum, {})

    def _option(self, referendum: str, text: str) -> str:
        ids = self._option_ids(referendum)
        if text not in ids:
            base = slug(text)[:36].strip("-") or "option"
            if not base[0].isalpha():
                base = "o-" + base[:34]
            candidate, n = base, 2
            while candidate in ids.values():
                candidate, n = f"{base}-{n}", n + 1
            ids[text] = candidate
        return ids[text]

    def _referendum(self, name: str) -> Referendum | None:
        areas = [
            held.document
            for held in self.documents.values()
            if isinstance(held.document, ReferendumArea) and held.document.referendum == name
        ]
        if not areas:
            return None  # running totals alone (of an earlier rehearsal, say) are no results
        totals = self.totals.get(name)
        question = areas[0].question
        texts: list[str] = []
        for area in areas:
            texts.extend(a.text for a in area.answers if a.text not in texts)
        if totals is not None:
            texts.extend(t for t in totals.answers if t not in texts)
        if len(texts) < 2:
            return None
        date = areas[0].date
        body = {
            "id": f"ref.{slug(name)}.{date.isoformat()}",
            "name": f"{name} referendum",
            "question": question,
            "scope": "national",
            "options": [{"id": self._option(name, t), "label": t} for t in texts],
            "counting_areas": totals.areas if totals is not None and totals.areas else None,
        }
        return Referendum.model_validate(self._stamp("referendum", name, body))

    def _area(self, referendum: str, area_name: str, answer: Answer) -> CountingArea | None:
        result = self._doc(("ref-result", referendum, area_name))
        rush = self._doc(("ref-rush", referendum, area_name))
        recount = self._doc(("recount", "R", area_name))
        source = result if isinstance(result, ReferendumArea) else rush
        if not isinstance(source, ReferendumArea) and not isinstance(recount, Recount):
            return None
        if self._referendum(referendum) is None:
            return None  # its answers are not known yet (a recount notice before any result)
        place = self.places.area(area_name)
        if place is None:
            answer.rejects.append(
                Reject(
                    "PA",
                    None,
                    f"{self._files(('area', referendum, area_name))}: counting "
                    f"area {area_name!r} is not in the table of areas: skipped",
                )  # fmt: skip
            )
            return None
        date = source.date if isinstance(source, ReferendumArea) else recount.date  # type: ignore[union-attr]
        body: dict[str, Any] = {
            "referendum": f"ref.{slug(referendum)}.{date.isoformat()}",
            "code": place.code,
            "name": place.name,
            "region": place.region,
            "electorate": source.electorate if isinstance(source, ReferendumArea) else None,
        }
        if isinstance(result, ReferendumArea):
            body["votes"] = {self._option(referendum, a.text): a.votes or 0 for a in result.answers}
            body["status"] = "declared"
            body["declared_at"] = result.declared_at
        elif isinstance(recount, Recount):
            body["status"] = "recount"
        else:
            body["status"] = "counting"  # a rush: the winner is known, the figures are not
        return CountingArea.model_validate(self._stamp("area", f"{referendum}|{area_name}", body))


_LISTS = {
    "council": "councils",
    "mayor": "mayors",
    "referendum": "referendums",
    "area": "counting_areas",
}


def _identity(document: PADocument) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the document's key: which PA document it is, the entity it builds)."""
    if isinstance(document, CouncilNominations | CouncilResult):
        council = document.pa_id or document.council.casefold()
        kind = "nominations" if isinstance(document, CouncilNominations) else "result"
        return (kind, council), ("council", council)
    if isinstance(document, MayoralNominations):
        return ("mayor-nominations", document.area), ("mayor", document.area)
    if isinstance(document, MayoralRound):
        return ("mayor-round", document.area, str(document.round_number)), ("mayor", document.area)
    if isinstance(document, Recount):
        if document.election_type == "R":
            return ("recount", "R", document.area), ("area", document.election, document.area)
        return ("recount", document.election_type, document.area), ("mayor", document.area)
    if isinstance(document, ReferendumArea):
        kind = "ref-rush" if document.rush else "ref-result"
        return (kind, document.referendum, document.area), (
            "area",
            document.referendum,
            document.area,
        )
    raise TypeError(type(document).__name__)


def _party(code: str) -> Party:
    known = {p.code: p for p in PARTIES}
    if code in known:
        return Party(code=code, name=known[code].name, colour=known[code].colour)
    return Party(code=code, name=PARTY_NAMES.get(code, code), colour=UNKNOWN_COLOUR)
