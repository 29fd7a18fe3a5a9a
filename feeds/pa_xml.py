"""PA Media's election XML, read as untrusted input.

Each file is one document: a council's nominations or result, a mayoral nomination list or
round, a referendum area's rush, result or recount, PA's running totals. The parser is
defusedxml's (no DTD, so no entity expansion and no external entities), documents are capped
in size, numbers are strict and bounded, and every string is sanitised as it is read. A
document that cannot be read raises ``PADocumentError`` with a short reason; one that stops
short (a file still being written) says so, so that it is retried rather than rejected.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import fromstring

from feeds.sanitise import clean_line, sanitise

#: Larger than any PA document (a Scottish regional list is about 40 KB).
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
MAX_NUMBER = 100_000_000
MAX_ITEMS = 500  # parties, candidates or answers in one document

_INT = re.compile(r"^[+-]?[0-9]{1,9}$")


class PADocumentError(Exception):
    """A PA file that cannot be used. ``incomplete``: it ends early (still being written)."""

    def __init__(self, reason: str, *, incomplete: bool = False) -> None:
        super().__init__(reason)
        self.incomplete = incomplete


def _text(element: Element, name: str, *, required: bool = True, limit: int = 200) -> str:
    value = element.get(name)
    if value is None or not value.strip():
        if required:
            raise PADocumentError(f"<{element.tag}> has no {name}")
        return ""
    return sanitise(value.strip())[:limit]


def _int(element: Element, name: str, *, required: bool = True, signed: bool = False) -> int:
    value = element.get(name)
    if value is None or value.strip() == "":
        if required:
            raise PADocumentError(f"<{element.tag}> has no {name}")
        return 0
    value = value.strip()
    if not _INT.match(value) or (not signed and value.startswith("-")):
        raise PADocumentError(
            f"<{element.tag}> {name} is not a whole number: {clean_line(value, 20)!r}"
        )
    number = int(value)
    if abs(number) > MAX_NUMBER:
        raise PADocumentError(f"<{element.tag}> {name} is out of range")
    return number


def _optional_int(element: Element, name: str) -> int | None:
    return _int(element, name) if (element.get(name) or "").strip() else None


def _child(element: Element, path: str) -> Element:
    found = element.find(path)
    if found is None:
        raise PADocumentError(f"<{element.tag}> has no <{path.split('/')[-1]}>")
    return found


def _items(element: Element | None, path: str) -> list[Element]:
    if element is None:
        return []
    found = element.findall(path)
    if len(found) > MAX_ITEMS:
        raise PADocumentError(f"more than {MAX_ITEMS} <{path}> in one document")
    return found


def _time(element: Element, name: str) -> dt.datetime | None:
    value = (element.get(name) or "").strip()
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise PADocumentError(f"{name} is not a time: {clean_line(value, 40)!r}") from None
    if when.tzinfo is None:  # PA writes UK local time without an offset in some documents
        from zoneinfo import ZoneInfo

        when = when.replace(tzinfo=ZoneInfo("Europe/London"))
    if not 1900 <= when.year < 2200:
        raise PADocumentError(f"{name} is out of range")
    return when


def _date(element: Element) -> dt.date:
    value = _text(element, "date")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PADocumentError(f"date is not a date: {value!r}") from None


# The documents --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PAParty:
    abbreviation: str
    name: str
    seats: int = 0  # seats held (nominations) or won (results)


@dataclass(frozen=True, slots=True)
class CouncilNominations:
    date: dt.date
    council: str
    pa_id: str
    council_type: str
    proportion: str  # "all", "half", "third"
    held: dict[str, int]  # PA abbreviation -> seats held before
    offered: dict[str, int]  # seats each party is defending
    party_names: dict[str, str]
    revision: int = 0


@dataclass(frozen=True, slots=True)
class CouncilResult:
    date: dt.date
    council: str
    pa_id: str
    council_type: str
    proportion: str
    winning_party: str
    sitting_party: str
    gain_or_hold: str
    elected: dict[str, int]
    changes: dict[str, int]
    new_council: dict[str, int]
    revision: int


@dataclass(frozen=True, slots=True)
class MayoralCandidate:
    name: str
    party: str  # PA abbreviation
    party_name: str
    votes: int | None = None
    status: str = ""  # PA resultStatus: "*" elected, "-" not, "D" eliminated and transferred


@dataclass(frozen=True, slots=True)
class MayoralNominations:
    election: str
    date: dt.date
    area: str
    electorate: int | None
    candidates: list[MayoralCandidate]
    revision: int


@dataclass(frozen=True, slots=True)
class MayoralRound:
    election: str
    date: dt.date
    area: str
    electorate: int | None
    turnout_percent: float | None
    round_number: int
    rounds: dict[int, list[MayoralCandidate]]
    declared_at: dt.datetime | None
    revision: int


@dataclass(frozen=True, slots=True)
class Recount:
    election: str
    date: dt.date
    area: str
    recount: int
    election_type: str  # PA's type letter; "R" for a referendum
    revision: int


@dataclass(frozen=True, slots=True)
class ReferendumAnswer:
    text: str
    short_text: str
    votes: int | None
    winning: bool


@dataclass(frozen=True, slots=True)
class ReferendumArea:
    """A referendum counting area's result (``rush``: winner only, figures to follow)."""

    referendum: str
    date: dt.date
    question: str
    area: str
    number: int | None
    electorate: int | None
    answers: list[ReferendumAnswer]
    rush: bool
    declared_at: dt.datetime | None
    revision: int


@dataclass(frozen=True, slots=True)
class RunningTotals:
    referendum: str
    date: dt.date
    question: str
    results: int
    areas: int
    answers: dict[str, tuple[int, int]]  # answer text -> (votes, areas won)


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A PA document the project's model cannot express (yet): reported once per kind."""

    kind: str
    why: str


PADocument = (
    CouncilNominations
    | CouncilResult
    | MayoralNominations
    | MayoralRound
    | Recount
    | ReferendumArea
    | RunningTotals
    | Unsupported
)

_UNSUPPORTED = {
    "FirstPastThePostNominations": "constituency contests (Parliament and Assembly seats)",
    "FirstPastThePostResult": "constituency contests (Parliament and Assembly seats)",
    "FirstPastThePostRush": "constituency contests (Parliament and Assembly seats)",
    "FirstPastThePostStateOfParties": "PA's state of the parties (constituencies)",
    "TopUpNominations": "regional lists (Assembly and Parliament top-up seats)",
    "TopUpResult": "regional lists (Assembly and Parliament top-up seats)",
    "TopUpRush": "regional lists (Assembly and Parliament top-up seats)",
    "LocalStateOfParties": "PA's own state of the parties (the app adds up the results)",
}


def parse_document(raw: bytes) -> PADocument:
    """One PA file's bytes as a document, or ``PADocumentError``."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise PADocumentError(f"larger than the {MAX_DOCUMENT_BYTES // 1024} KiB limit")
    if not raw.strip():
        raise PADocumentError("empty file", incomplete=True)
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise PADocumentError("refused: the document declares a DTD or entities") from None
    except ParseError as error:
        # expat's code 3 is "no element found": the file ends before its root closes.
        incomplete = getattr(error, "code", None) in (3, 5) or "no element found" in str(error)
        reason = "ends early (still being written?)" if incomplete else "not well-formed XML"
        where = getattr(error, "position", None)
        at = f" at line {where[0]}" if where else ""
        raise PADocumentError(f"{reason}{at}", incomplete=incomplete) from None
    except ValueError as error:  # e.g. an encoding expat does not know
        raise PADocumentError(f"unreadable XML ({clean_line(str(error), 80)})") from None
    tag = root.tag
    if tag in _UNSUPPORTED:
        return Unsupported(tag, _UNSUPPORTED[tag])
    reader = _READERS.get(tag)
    if reader is None:
        return Unsupported(clean_line(tag, 60), "a kind of PA document the app does not know")
    return reader(root)


def _revision(root: Element) -> int:
    return _int(root, "revision", required=False)


def _parties(element: Element | None, attribute: str, *, signed: bool = False) -> dict[str, int]:
    result: dict[str, int] = {}
    for party in _items(element, "Party"):
        abbreviation = _text(party, "name", limit=40)
        result[abbreviation] = result.get(abbreviation, 0) + _int(party, attribute, signed=signed)
    return result


def _council_nominations(root: Element) -> CouncilNominations:
    election = _child(root, "Election")
    council = _child(election, "Council")
    held: dict[str, int] = {}
    offered: dict[str, int] = {}
    names: dict[str, str] = {}
    for party in _items(council, "Party"):
        abbreviation = _text(party, "abbreviation", limit=40)
        names[abbreviation] = _text(party, "name", required=False) or abbreviation
        held[abbreviation] = held.get(abbreviation, 0) + _int(party, "seatsHeld", required=False)
        offered[abbreviation] = offered.get(abbreviation, 0) + _int(
            party, "seatsOffered", required=False
        )
    return CouncilNominations(
        date=_date(election),
        council=_text(council, "name"),
        pa_id=_text(council, "paId", required=False, limit=20),
        council_type=_text(council, "type", required=False, limit=40),
        proportion=_text(council, "proportion", required=False, limit=20),
        held=held,
        offered=offered,
        party_names=names,
        revision=_revision(root),
    )


def _council_result(root: Element) -> CouncilResult:
    election = _child(root, "Election")
    council = _child(election, "Council")
    return CouncilResult(
        date=_date(election),
        council=_text(council, "name"),
        pa_id=_text(council, "paId", required=False, limit=20),
        council_type=_text(council, "type", required=False, limit=40),
        proportion=_text(council, "proportion", required=False, limit=20),
        winning_party=_text(council, "winningParty", limit=40),
        sitting_party=_text(council, "sittingParty", required=False, limit=40),
        gain_or_hold=_text(council, "gainOrHold", required=False, limit=40),
        elected=_parties(council.find("ElectedCouncillors"), "seats"),
        changes=_parties(council.find("Changes"), "change", signed=True),
        new_council=_parties(council.find("NewCouncil"), "seats"),
        revision=_revision(root),
    )


def _candidate(element: Element, *, with_votes: bool) -> MayoralCandidate:
    party = element.find("Party")
    first = _text(element, "firstName", required=False, limit=100)
    surname = _text(element, "surname", limit=100)
    return MayoralCandidate(
        name=f"{first} {surname}".strip(),
        party=_text(party, "abbreviation", limit=40) if party is not None else "Ind",
        party_name=(_text(party, "name", required=False) if party is not None else "")
        or "Independent",
        votes=_optional_int(element, "votes") if with_votes else None,
        status=_text(element, "resultStatus", required=False, limit=4),
    )


def _constituency(root: Element) -> tuple[Element, Element]:
    election = _child(root, "Election")
    return election, _child(election, "Constituency")


def _mayoral_nominations(root: Element) -> MayoralNominations | Unsupported:
    election, area = _constituency(root)
    if election.get("type") != "M":
        return Unsupported("ElectionNominations", "contests other than mayors")
    return MayoralNominations(
        election=_text(election, "name"),
        date=_date(election),
        area=_text(area, "name"),
        electorate=_optional_int(area, "electorate"),
        candidates=[_candidate(c, with_votes=False) for c in _items(area, "Candidate")],
        revision=_revision(root),
    )


def _mayoral_round(root: Element) -> MayoralRound | Unsupported:
    election, area = _constituency(root)
    if election.get("type") != "M":
        return Unsupported("ElectionResult", "contests other than mayors")
    rounds: dict[int, list[MayoralCandidate]] = {}
    for round_element in _items(area, "Round"):
        number = _int(round_element, "number")
        rounds[number] = [
            _candidate(c, with_votes=True) for c in _items(round_element, "Candidate")
        ]
    if not rounds:
        raise PADocumentError("a mayoral result without rounds")
    percent = (area.get("percentageTurnout") or "").strip()
    try:
        turnout = float(percent) if percent else None
    except ValueError:
        turnout = None
    if turnout is not None and not 0 <= turnout <= 100:
        turnout = None
    return MayoralRound(
        election=_text(election, "name"),
        date=_date(election),
        area=_text(area, "name"),
        electorate=_optional_int(area, "electorate"),
        turnout_percent=turnout,
        round_number=_int(root, "roundNumber", required=False) or max(rounds),
        rounds=rounds,
        declared_at=_time(root, "declarationTime"),
        revision=_revision(root),
    )


def _recount(root: Element) -> Recount | Unsupported:
    election, area = _constituency(root)
    kind = election.get("type", "")
    if kind != "M":
        return Unsupported("Recount", "recounts of constituency contests")
    return Recount(
        election=_text(election, "name"),
        date=_date(election),
        area=_text(area, "name"),
        recount=_int(area, "recount", required=False) or 1,
        election_type=kind,
        revision=_revision(root),
    )


def _referendum_area(root: Element) -> ReferendumArea:
    referendum = _child(root, "Referendum")
    area = _child(referendum, "VotingArea")
    proposition = _child(area, "Proposition")
    rush = root.tag == "ReferendumRush"
    answers = [
        ReferendumAnswer(
            text=_text(answer, "text"),
            short_text=_text(answer, "shortText", required=False, limit=80),
            votes=None if rush else _int(answer, "votes"),
            winning=(answer.get("winning") or "").strip().casefold() == "true",
        )
        for answer in _items(proposition, "Answer")
    ]
    if len(answers) < 2:
        raise PADocumentError("a referendum result with fewer than two answers")
    return ReferendumArea(
        referendum=_text(referendum, "name", limit=80),
        date=_date(referendum),
        question=_text(proposition, "text", limit=1_000),
        area=_text(area, "name"),
        number=_optional_int(area, "number"),
        electorate=_optional_int(area, "electorate"),
        answers=answers,
        rush=rush,
        declared_at=_time(root, "declarationTime"),
        revision=_revision(root),
    )


def _referendum_recount(root: Element) -> Recount:
    referendum = _child(root, "Referendum")
    area = _child(referendum, "VotingArea")
    return Recount(
        election=_text(referendum, "name", limit=80),
        date=_date(referendum),
        area=_text(area, "name"),
        recount=_int(area, "recount", required=False) or 1,
        election_type="R",
        revision=_revision(root),
    )


def _running_totals(root: Element) -> RunningTotals:
    referendum = _child(root, "Referendum")
    proposition = _child(referendum, "Proposition")
    answers = {
        _text(answer, "text"): (_int(answer, "votes"), _int(answer, "votingAreas"))
        for answer in _items(proposition, "Answer")
    }
    return RunningTotals(
        referendum=_text(referendum, "name", limit=80),
        date=_date(referendum),
        question=_text(proposition, "text", limit=1_000),
        results=_int(root, "numberOfResults"),
        areas=_int(root, "totalVotingAreas"),
        answers=answers,
    )


_READERS: dict[str, Callable[[Element], PADocument]] = {
    "LocalElectionNominations": _council_nominations,
    "LocalElectionResult": _council_result,
    "ElectionNominations": _mayoral_nominations,
    "ElectionResult": _mayoral_round,
    "Recount": _recount,
    "ReferendumResult": _referendum_area,
    "ReferendumRush": _referendum_area,
    "ReferendumRecount": _referendum_recount,
    "RunningTotals": _running_totals,
}
