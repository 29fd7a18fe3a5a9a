"""Democracy Club's ballots, as the service defines them, and the feed records they become.

The pydantic models hold the fields of the service's own serializers that the app reads
(``BallotSerializer``, ``CandidacyOnBallotSerializer``, ``MinimalPartySerializer``,
``MinimalResultSerializer`` in DemocracyClub/yournextrepresentative); ``DCNight`` turns the
ballots held into ward contests and their councils, the councils' GSS codes, regions, sizes
and control before from the project's table (``feeds/dc_councils.json``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

TABLE = Path(__file__).with_name("dc_councils.json")

#: Party register ids (the Electoral Commission's, as Democracy Club gives them) to codes.
PARTY_CODES = {
    "PP52": "CON",
    "PP53": "LAB",
    "joint-party:53-119": "LAB",  # Labour and Co-operative
    "PP90": "LD",
    "PP63": "GRN",
    "PP130": "GRN",  # Scottish Greens
    "PP102": "SNP",
    "PP77": "PC",
    "PP7931": "REF",
    "PP85": "UKIP",
    # Independents are OTH, as in every seat total of the 2022 data and in the control of a
    # council ("Ind/Other"): control before and after must count them alike.
    "ynmp-party:2": "OTH",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True, str_max_length=2_000)


class DCPerson(_Model):
    name: str


class DCParty(_Model):
    ec_id: str | None = None
    name: str = ""


class DCCandidacyResult(_Model):
    elected: bool | None = None
    num_ballots: int | None = None


class DCCandidacy(_Model):
    elected: bool | None = None
    person: DCPerson
    party: DCParty | None = None
    party_name: str | None = None
    result: DCCandidacyResult | None = None


class DCElection(_Model):
    election_id: str
    name: str = ""
    election_date: dt.date


class DCPost(_Model):
    id: str
    label: str


class DCResults(_Model):
    num_turnout_reported: int | None = None
    turnout_percentage: float | None = None
    num_spoilt_ballots: int | None = None
    total_electorate: int | None = None


class DCBallot(_Model):
    ballot_paper_id: str
    election: DCElection
    post: DCPost
    winner_count: int | None = None
    cancelled: bool = False
    uncontested: bool = False
    candidacies: list[DCCandidacy] = []
    results: DCResults | None = None
    voting_system: str | None = None
    last_updated: dt.datetime


class DCPage(_Model):
    count: int
    next: str | None = None
    results: list[Any]


@cache
def reference_councils(path: Path = TABLE) -> dict[str, dict[str, Any]]:
    councils: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["councils"]
    return councils


def party_code(party: DCParty | None, party_name: str | None) -> str:
    if party is not None and party.ec_id in PARTY_CODES:
        return PARTY_CODES[party.ec_id]
    return "OTH"  # an independent, a registered local party or a residents' group


def _gss(identifier: str) -> str | None:
    code = identifier.removeprefix("gss:")
    return code if re.fullmatch(r"[EWSNK][0-9]{8}", code) else None


@dataclass
class DCNight:
    """Ballots in, feed records out."""

    election_id: str
    ballots: dict[str, DCBallot] = field(default_factory=dict)
    emitted: dict[tuple[str, str], tuple[dict[str, Any], int]] = field(default_factory=dict)
    declared_before: set[str] = field(default_factory=set)  # ballots that had a result

    def take(self, ballot: DCBallot) -> str:
        """Hold a ballot; returns its council's election id."""
        self.ballots[ballot.ballot_paper_id] = ballot
        return ballot.election.election_id

    def _stamp(self, kind: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
        held = self.emitted.get((kind, key))
        if held is not None and held[0] == body:
            return {**body, "revision": held[1]}
        revision = 0 if held is None else held[1] + 1
        self.emitted[(kind, key)] = (body, revision)
        return {**body, "revision": revision}

    def ward(self, ballot: DCBallot) -> dict[str, Any]:
        code = _gss(ballot.post.id)
        if code is None:
            raise ValueError(f"ward {ballot.post.label!r} has no GSS code ({ballot.post.id!r})")
        has_result = ballot.results is not None or any(
            c.elected or (c.result is not None and c.result.elected) for c in ballot.candidacies
        )
        if ballot.uncontested:
            status = "uncontested"
        elif ballot.cancelled:
            status = "cancelled"
        elif has_result:
            status = "declared"
        else:
            status = "expected"
        candidates = []
        # Uncontested: no more candidates than seats, so every one is elected, flagged or not.
        all_elected = status == "uncontested" and len(ballot.candidacies) <= (
            ballot.winner_count or 1
        )
        for candidacy in ballot.candidacies:
            result = candidacy.result
            elected = all_elected or bool(
                candidacy.elected or (result is not None and result.elected)
            )
            votes = result.num_ballots if result is not None and status == "declared" else None
            candidates.append(
                {
                    "name": candidacy.person.name,
                    "party": party_code(candidacy.party, candidacy.party_name),
                    "party_name": (candidacy.party.name if candidacy.party else None)
                    or candidacy.party_name
                    or None,
                    "votes": votes,
                    "elected": elected and status in ("declared", "uncontested"),
                }
            )
        results = ballot.results if status == "declared" else None
        body: dict[str, Any] = {
            "id": ballot.ballot_paper_id,
            "council": ballot.election.election_id,
            "code": code,
            "name": ballot.post.label,
            "seats": ballot.winner_count or 1,
            "count_type": "stv" if (ballot.voting_system or "").upper() == "STV" else "fptp",
            "candidates": candidates,
            "electorate": results.total_electorate if results else None,
            "turnout": results.turnout_percentage if results else None,
            "rejected": results.num_spoilt_ballots if results else None,
            "by_election": ".by." in ballot.ballot_paper_id,
            "status": status,
            "declared_at": ballot.last_updated if status == "declared" else None,
        }
        key = ballot.ballot_paper_id
        held = self.emitted.get(("ward", key))
        if status == "declared":
            if key in self.declared_before and held is not None:
                previous = {k: v for k, v in held[0].items() if k not in ("status", "declared_at")}
                now = {k: v for k, v in body.items() if k not in ("status", "declared_at")}
                if previous != now:
                    body["status"] = "corrected"  # figures entered again, differently
                else:
                    body["status"] = held[0]["status"]
                    body["declared_at"] = held[0]["declared_at"]
            self.declared_before.add(key)
        return self._stamp("ward", key, body)

    def council(self, election_id: str, *, complete: bool = True) -> dict[str, Any] | None:
        """The council's record from its ballots held; until every ballot has been read
        once (``complete``), it is never called declared (its other wards may be unread)."""
        parts = election_id.split(".")
        reference = reference_councils().get(parts[1]) if len(parts) >= 3 else None
        if reference is None:
            return None
        ballots = [b for b in self.ballots.values() if b.election.election_id == election_id]
        held = [self.emitted.get(("ward", b.ballot_paper_id)) for b in ballots]
        statuses = [h[0]["status"] for h in held if h is not None]
        live = [s for s in statuses if s != "cancelled"]
        seats_up = sum(
            (b.winner_count or 1) for b in ballots if not (b.cancelled and not b.uncontested)
        )
        date = ballots[0].election.election_date if ballots else None
        year_2022 = date is not None and reference.get("election_2022", "").endswith(
            date.isoformat()
        )
        later = date is not None and date > dt.date(2022, 5, 5)
        if year_2022:
            control_before = reference.get("control_before_2022")
            composition_before = reference.get("composition_before_2022")
        elif later:
            control_before = reference.get("control_after_2022")
            composition_before = reference.get("composition_after_2022")
        else:
            control_before = composition_before = None
        total = int(reference.get("total_seats") or seats_up or 1)
        declared = (
            complete
            and bool(live)
            and all(s in ("declared", "corrected", "uncontested") for s in live)
        )
        counting = any(s in ("declared", "corrected", "uncontested") for s in live)
        body: dict[str, Any] = {
            "id": election_id,
            "code": reference["code"],
            "name": reference["name"],
            "region": reference["region"],
            "council_type": reference["council_type"] or "council",
            "total_seats": max(total, seats_up),
            "seats_up": seats_up,
            "control_before": control_before,
            "composition_before": composition_before,
            "status": "declared" if declared else ("counting" if counting else "expected"),
            "note": None
            if reference.get("total_seats")
            else "council size and control before are not in the reference tables",
        }
        if declared:
            times = [h[0]["declared_at"] for h in held if h is not None and h[0]["declared_at"]]
            body["declared_at"] = max(times) if times else None
        if declared and seats_up >= total:
            # Every seat was up: the new council is the seats won, and control follows.
            from feeds.aggregate import control_from_composition

            won: dict[str, int] = {}
            for ballot_held in held:
                if ballot_held is None:
                    continue
                for candidate in ballot_held[0]["candidates"]:
                    if candidate["elected"]:
                        won[candidate["party"]] = won.get(candidate["party"], 0) + 1
            body["composition_after"] = won
            body["control_after"] = control_from_composition(won, max(total, seats_up))
        return self._stamp("council", election_id, body)


def query_for(election_id: str) -> dict[str, str]:
    """The ballots filter for an election id: a whole election (``local.2026-05-07``) by
    type and date, one organisation's (``local.barnet.2026-05-07``) or a ballot's by id."""
    parts = election_id.split(".")
    if len(parts) == 2:
        return {"election_type": parts[0], "election_date": parts[1]}
    return {"election_id": election_id}
